"""Compliance when a queued item leaves, and the ledger told how its send went.

An item may wait minutes or days (``send_at``, a large batch, a slow sender). When it is
claimed to leave, the worker asks the compliance rules again, with the intent rebuilt from the
stored request (:func:`twiliokit.actions.outbox_requests.intent_of`), for all the items of a
claim at once (:func:`twiliokit.compliance.bulk_checks.check_many`: one ledger read per rule,
not one per item):

- a STOP recorded since it was queued refuses it ("opted out after it was queued"), as does a
  WhatsApp window that closed while it waited;
- quiet hours in the recipient's local time defer it to their end: never dropped;
- countries and the daily cap are judged again too (a cap reached meanwhile refuses it); the
  cap counts the messages sent, the items other claims hold for the same person and the ones
  before it in this claim, so two sends queued apart cannot both pass it.

After the request, Twilio's answer is recorded like any send (the message or call row that
status callbacks carry on; a 21610 records the opt-out).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from twiliokit.actions.hooks import SendIntent
from twiliokit.actions.outbox_requests import intent_of
from twiliokit.compliance import LedgerHooks, rules
from twiliokit.compliance.bulk_checks import check_many, person_addresses
from twiliokit.ledger.compliance_reads import count_claimed_many
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

    async def refusals(self, items: Sequence[OutboxItem]) -> list[rules.Refusal | None]:
        """For each item, the first rule that refuses it now, or ``None``: what
        :meth:`LedgerHooks.check <twiliokit.compliance.LedgerHooks.check>` answers, with one
        ledger read per rule for the messages and calls (verifications and emails, which
        their own rules judge, are asked one by one)."""
        intents = [self.intent(item) for item in items]
        many = [
            i
            for i, intent in enumerate(intents)
            if intent.kind != "verification" and intent.channel != "email"
        ]
        now = self._now()
        claimed = None
        if self.hooks.settings.daily_cap is not None:
            # Items other claims hold for the same people count against the cap too.
            claimed = await count_claimed_many(
                self.hooks.ledger,
                {a for i in many for a in person_addresses(intents[i].to)},
                excluding={item.id for item in items},
            )
        verdicts = await check_many(
            self.hooks.ledger,
            self.hooks.settings,
            [intents[i] for i in many],
            now=now,
            claimed=claimed,
        )
        found: list[rules.Refusal | None] = [None] * len(items)
        quiet = self.hooks.settings.quiet_hours
        for i, verdict in zip(many, verdicts, strict=True):
            if isinstance(verdict, rules.Refusal):
                found[i] = verdict
            elif verdict is not None and quiet is not None:
                # Inside quiet hours: the refusal a single send gets, which says why.
                found[i] = rules.quiet_hours_refusal(recipient=intents[i].to, at=now, quiet=quiet)
        for i in sorted(set(range(len(items))) - set(many)):
            found[i] = await self.hooks.check(intents[i])
        return found

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
