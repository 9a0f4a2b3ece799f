"""The action catalogue as other agent frameworks' tools.

Each adapter is a thin module over :mod:`twiliokit.integrations.tools` (which tools, how a call
runs, what the model reads back), importing its framework only when used:

- :mod:`twiliokit.integrations.langchain`: LangChain ``StructuredTool`` objects
  (``pip install 'twiliokit[langchain]'``);
- :mod:`twiliokit.integrations.openai_agents`: OpenAI Agents SDK ``FunctionTool`` objects
  (``pip install 'twiliokit[openai-agents]'``).

Every call goes through the runtime's guarded catalogue, as MCP and the HTTP API do: the
guardrails, compliance checks and ledger records apply unchanged (docs/integrations.md).
"""
