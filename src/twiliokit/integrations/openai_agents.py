"""The catalogue as OpenAI Agents SDK tools (``pip install 'twiliokit[openai-agents]'``).

::

    from agents import Agent, Runner
    from twiliokit.integrations.openai_agents import openai_agents_tools

    async with open_runtime(connection, GuardedCatalogue(Guardrails())) as rt:
        agent = Agent(name="ops", tools=openai_agents_tools(rt, only=["send_sms"]))
        await Runner.run(agent, "Text +14155552671 that the build is green")

Each tool is a ``FunctionTool`` whose parameters are the action's JSON Schema (not in the
SDK's strict mode: the catalogue's optional arguments are left out rather than sent as null).
A refusal or bad argument comes back to the model as the ``{"error": ...}`` JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from twiliokit.errors import ValidationError
from twiliokit.integrations.tools import ToolSpec, run_tool, tool_specs

if TYPE_CHECKING:
    from agents import FunctionTool

    from twiliokit.server.runtime import AgentRuntime

__all__ = ["openai_agents_tools"]


def openai_agents_tools(
    runtime: AgentRuntime, *, only: Iterable[str] | None = None, group: str | None = None
) -> list[FunctionTool]:
    """The runtime's actions as OpenAI Agents SDK ``FunctionTool`` objects."""
    return [_tool(runtime, spec) for spec in tool_specs(runtime, only=only, group=group)]


def _tool(runtime: AgentRuntime, spec: ToolSpec) -> FunctionTool:
    from agents import FunctionTool

    async def call(_context: Any, arguments: str) -> str:
        try:
            parsed = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            error = ValidationError(
                "the arguments are not valid JSON", field="arguments", hint="Send a JSON object."
            )
            return json.dumps({"error": error.to_dict()})
        return await run_tool(runtime, spec.name, parsed)

    return FunctionTool(
        name=spec.name,
        description=spec.description,
        params_json_schema=spec.parameters,
        on_invoke_tool=call,
        strict_json_schema=False,
    )
