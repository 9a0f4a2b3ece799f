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

from twiliokit.compliance.hooks import LedgerHooks, status_callback_for
from twiliokit.compliance.rules import Refusal, TimeZoneChoice, recipient_timezone
from twiliokit.compliance.settings import ComplianceSettings, QuietHours

__all__ = [
    "ComplianceSettings",
    "LedgerHooks",
    "QuietHours",
    "Refusal",
    "TimeZoneChoice",
    "recipient_timezone",
    "status_callback_for",
]
