"""The action catalogue: typed operations for agents, reached from Python, CLI, HTTP and MCP.

::

    from twiliokit.actions import catalogue, invoke, ActionContext

    result = await invoke("send_sms", {"to": "+14155552671", "body": "hi"}, context=ctx)
"""

from __future__ import annotations

from twiliokit.actions.context import ActionContext
from twiliokit.actions.invoke import invoke
from twiliokit.actions.registry import REGISTRY, Action, ActionRegistry

__all__ = ["REGISTRY", "Action", "ActionContext", "ActionRegistry", "catalogue", "invoke"]

_ACTION_MODULES: tuple[str, ...] = (
    # One module per area; each registers its actions into REGISTRY on import.
    "messaging",
    "voice",
    "verify",
    "lookup",
    "numbers",
    "raw",
    "ledger_actions",
    "outbox_actions",
    "bulk_send",
)


def catalogue() -> ActionRegistry:
    """The full catalogue (imports the action modules on first use)."""
    import importlib

    for module in _ACTION_MODULES:
        importlib.import_module(f"twiliokit.actions.{module}")
    return REGISTRY
