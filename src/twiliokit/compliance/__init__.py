"""Compliance before a request leaves, and every send recorded in the ledger.

::

    from twiliokit.compliance import ComplianceSettings, LedgerHooks

    hooks = LedgerHooks(ledger, ComplianceSettings.from_config(config),
                        status_callback_url="https://abc.ngrok.app")
    context = ActionContext(client, connection, ledger=ledger, hooks=hooks)

``rules`` holds the pure decisions (opt-out, WhatsApp window, quiet hours, countries, daily
cap); ``settings`` the ``[compliance]`` table; ``hooks`` the ``SendHooks`` that apply them.
See ``docs/compliance.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twiliokit.compliance.rules import Refusal, TimeZoneChoice, recipient_timezone
from twiliokit.compliance.settings import ComplianceSettings, QuietHours

if TYPE_CHECKING:
    from twiliokit.compliance.hooks import LedgerHooks, status_callback_for


def __getattr__(name: str) -> Any:
    # The hooks import the ledger (SQLAlchemy, alembic): loaded when first used, so that
    # reading the [compliance] settings stays cheap (`twiliokit mcp` checks them before it
    # answers its client, and opens the ledger afterwards).
    if name in {"LedgerHooks", "status_callback_for"}:
        from twiliokit.compliance import hooks

        return getattr(hooks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ComplianceSettings",
    "LedgerHooks",
    "QuietHours",
    "Refusal",
    "TimeZoneChoice",
    "recipient_timezone",
    "status_callback_for",
]
