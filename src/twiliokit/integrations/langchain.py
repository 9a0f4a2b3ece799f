"""The catalogue as LangChain tools (``pip install 'twiliokit[langchain]'``).

::

    from twiliokit.server.runtime import open_runtime
    from twiliokit.server.guardrails import GuardedCatalogue, Guardrails
    from twiliokit.integrations.langchain import langchain_tools

    async with open_runtime(connection, GuardedCatalogue(Guardrails(read_only=True))) as rt:
        tools = langchain_tools(rt, group="messaging")
        agent = create_agent(model, tools)     # or llm.bind_tools(tools)

Each tool is a ``StructuredTool`` with the action's JSON Schema as ``args_schema`` and an async
implementation only (the runtime lives on your event loop: call ``ainvoke``). A refusal or bad
argument comes back to the model as the ``{"error": ...}`` JSON text, not an exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from twiliokit.integrations.tools import ToolSpec, run_tool, tool_specs

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

    from twiliokit.server.runtime import AgentRuntime

__all__ = ["langchain_tools"]


def langchain_tools(
    runtime: AgentRuntime, *, only: Iterable[str] | None = None, group: str | None = None
) -> list[StructuredTool]:
    """The runtime's actions as LangChain ``StructuredTool`` objects (see the module doc)."""
    return [_tool(runtime, spec) for spec in tool_specs(runtime, only=only, group=group)]


def _tool(runtime: AgentRuntime, spec: ToolSpec) -> StructuredTool:
    from langchain_core.tools import StructuredTool

    async def call(**arguments: Any) -> str:
        return await run_tool(runtime, spec.name, arguments)

    return StructuredTool(
        name=spec.name,
        description=spec.description,
        args_schema=spec.parameters,
        coroutine=call,
        metadata={"read_only": spec.read_only},
    )
