"""Compliance when a queued item leaves, and the ledger told how its send went.

An item may wait minutes or days (``send_at``, a large batch, a slow sender). When it leaves,
the worker asks :class:`~twiliokit.compliance.LedgerHooks` again, with the intent rebuilt from
the stored request (:func:`twiliokit.actions.outbox_requests.intent_of`):

- a STOP recorded since it was queued refuses it ("opted out after it was queued"), as does a
  WhatsApp window that closed while it waited;
- quiet hours in the recipient's local time defer it to their end: never dropped;
- countries and the daily cap are judged again too (a cap reached meanwhile refuses it).

After the request, Twilio's answer is recorded like any send (the message or call row that
status callbacks carry on; a 21610 records the opt-out).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from twiliokit.actions.hooks import SendIntent
from twiliokit.actions.outbox_requests import intent_of
from twiliokit.compliance import LedgerHooks, rules
from twiliokit.ledger.outbox_records import OutboxItem

__all__ = ["ComplianceAtLeave"]


class ComplianceAtLeave:
    """The worker's :class:`~twiliokit.outbox.worker.LeaveCheck`, on ``hooks``; ``now`` is the
    clock quiet hours are judged by (the one ``hooks`` was given)."""

    def __init__(self, hooks: LedgerHooks, *, now: Callable[[], datetime]) -> None:
        self.hooks = hooks
        self._now = now

    def __repr__(self) -> str:
        return f"ComplianceAtLeave({self.hooks!r})"

    def intent(self, item: OutboxItem) -> SendIntent:
        """The send ``item`` asks for, as the hooks judge and record it."""
        intent = intent_of(str(item.kind), item.request)
        return dataclasses.replace(intent, outbox_id=item.id)

    async def refusal(self, item: OutboxItem) -> rules.Refusal | None:
        """The first rule that refuses ``item`` now, or ``None``."""
        return await self.hooks.check(self.intent(item))

    def resume_at(self, item: OutboxItem, refusal: rules.Refusal) -> datetime | None:
        """When a quiet-hours refusal ends (the item is deferred to then); ``None`` for any
        other refusal, which is final."""
        quiet = self.hooks.settings.quiet_hours
        if refusal.rule != "quiet_hours" or quiet is None:
            return None
        zone = rules.recipient_timezone(item.to, quiet.fallback_timezone).zone
        return rules.next_allowed(self._now(), quiet.end, zone)

    async def sent(self, item: OutboxItem, answer: Any) -> None:
        await self.hooks.after_send(self.intent(item), answer)

    async def failed(self, item: OutboxItem, error: Exception) -> None:
        await self.hooks.send_failed(self.intent(item), error)
