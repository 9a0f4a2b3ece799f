"""What every framework adapter shares: which actions become tools, and how a call runs.

A tool call runs through :meth:`twiliokit.server.runtime.AgentRuntime.invoke`, so guardrails
(allowed tools and destinations, caps, dry-run), compliance and the ledger apply exactly as on
MCP and the HTTP API. What the model reads back is JSON text: the action's output, or
``{"error": {...}}`` with the error's type, message and hint, so that it can correct a bad
argument or explain a refusal instead of the framework stopping the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twiliokit.errors import TwiliokitError, ValidationError

if TYPE_CHECKING:
    from twiliokit.server.runtime import AgentRuntime

__all__ = ["ToolSpec", "run_tool", "tool_specs"]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One action as a framework tool: its name, description and JSON Schema of arguments."""

    name: str
    description: str
    parameters: dict[str, Any]
    read_only: bool


def tool_specs(
    runtime: AgentRuntime, *, only: Iterable[str] | None = None, group: str | None = None
) -> list[ToolSpec]:
    """The actions the runtime's guardrails show, as tool specs (MCP's definitions: in dry-run
    mode writes say they only preview). ``only`` keeps the named actions (each must be shown);
    ``group`` one area of the catalogue (``messaging``, ``voice``, ``verify``, ...)."""
    catalogue = runtime.catalogue
    shown = {action.name: action for action in catalogue.actions()}
    if only is not None:
        wanted = list(dict.fromkeys(only))
        for name in wanted:
            catalogue.find(name)  # an unknown or refused name is a clear error, not skipped
        actions = [shown[name] for name in wanted]
    else:
        actions = list(shown.values())
    if group is not None:
        groups = sorted({action.group for action in catalogue.registry})
        if group not in groups:
            raise ValidationError(
                f"there is no group called {group!r}",
                field="group",
                hint="Groups: " + ", ".join(groups) + ".",
            )
        actions = [action for action in actions if action.group == group]
    specs = []
    for action in actions:
        tool = catalogue.tool(action)
        specs.append(
            ToolSpec(
                name=action.name,
                description=tool["description"],
                parameters=tool["inputSchema"],
                read_only=action.read_only,
            )
        )
    return specs


async def run_tool(runtime: AgentRuntime, name: str, arguments: object) -> str:
    """Run one tool call; the JSON text the model reads (the output, or the error object)."""
    try:
        result = await runtime.invoke(name, arguments)
    except TwiliokitError as exc:
        return json.dumps({"error": exc.to_dict()})
    return json.dumps(result)
