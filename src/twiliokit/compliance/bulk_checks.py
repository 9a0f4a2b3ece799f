"""The compliance rules for many sends at once (a bulk send): what
:meth:`LedgerHooks.check <twiliokit.compliance.LedgerHooks.check>` decides for one send,
decided for 100,000 with one ledger read per rule (and chunk of recipients), not one per
recipient.

Each send gets, in the order the single check applies the rules (countries, opt-outs, the
WhatsApp window, quiet hours, the daily cap): the first :class:`~twiliokit.compliance.rules.
Refusal`, or the moment quiet hours end when it would arrive inside them (a bulk send defers
such a recipient rather than refusing it), or ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from twiliokit.compliance import rules
from twiliokit.compliance.settings import ComplianceSettings
from twiliokit.ledger.compliance_reads import count_outbound_since_many, last_inbound_many
from twiliokit.ledger.rules import sender_key

if TYPE_CHECKING:
    from twiliokit.actions.hooks import SendIntent
    from twiliokit.ledger.store import LedgerStore

__all__ = ["BulkVerdict", "check_many", "person_addresses"]

#: Per send: refused (and why), deferred until a moment, or fine (``None``).
BulkVerdict = rules.Refusal | datetime | None


async def check_many(
    ledger: LedgerStore,
    settings: ComplianceSettings,
    intents: Sequence[SendIntent],
    *,
    now: datetime,
    claimed: Mapping[str, int] | None = None,
) -> list[BulkVerdict]:
    """One verdict per intent, in order (see the module docstring). The daily cap counts,
    besides the messages sent, those of ``claimed`` (per recipient: items a worker holds to
    send, :func:`~twiliokit.ledger.compliance_reads.count_claimed_many`) and the intents
    before it that it lets through: sends judged together cannot pass it together."""
    verdicts: list[BulkVerdict] = [None] * len(intents)

    def open_(messaging_only: bool = False) -> list[int]:
        # Neither refused nor deferred yet: as the single check stops at the first rule that
        # applies, a send deferred by quiet hours is judged by the daily cap when it leaves.
        return [
            i
            for i, intent in enumerate(intents)
            if verdicts[i] is None and not (messaging_only and intent.channel == "call")
        ]

    if settings.allowed_countries is not None:
        for i in open_():
            verdicts[i] = rules.country_refusal(
                recipient=intents[i].to, allowed=settings.allowed_countries
            )
    if settings.opt_outs:
        await _opt_outs(ledger, intents, open_(messaging_only=True), verdicts)
    if settings.whatsapp_window:
        await _whatsapp_window(ledger, intents, open_(), verdicts, now=now)
    if settings.quiet_hours is not None:
        for i in open_():
            send_at = intents[i].details.get("send_at")
            at = send_at if isinstance(send_at, datetime) else now
            verdicts[i] = rules.quiet_hours_end(
                recipient=intents[i].to, at=at, quiet=settings.quiet_hours
            )
    if settings.daily_cap is not None:
        await _daily_cap(
            ledger,
            intents,
            open_(messaging_only=True),
            verdicts,
            settings.daily_cap,
            now,
            claimed or {},
        )
    return verdicts


async def _opt_outs(
    ledger: LedgerStore,
    intents: Sequence[SendIntent],
    indices: list[int],
    verdicts: list[BulkVerdict],
) -> None:
    by_sender: dict[str, list[int]] = defaultdict(list)
    for i in indices:
        intent = intents[i]
        if intent.from_ or intent.messaging_service_sid:
            by_sender[sender_key(intent.from_, intent.messaging_service_sid)].append(i)
    for key, members in by_sender.items():
        # One read per sender: everyone who opted out of it (a set far smaller than a batch).
        opted = {o.recipient for o in await ledger.list_opt_outs(sender_key=key)}
        for i in members:
            refusal = rules.opt_out_refusal(
                opted_out=intents[i].to in opted, sender_key=key, recipient=intents[i].to
            )
            if refusal is not None:
                verdicts[i] = refusal


async def _whatsapp_window(
    ledger: LedgerStore,
    intents: Sequence[SendIntent],
    indices: list[int],
    verdicts: list[BulkVerdict],
    *,
    now: datetime,
) -> None:
    by_address: dict[str | None, list[int]] = defaultdict(list)
    for i in indices:
        intent = intents[i]
        if intent.channel == "whatsapp" and not intent.content_sid:
            # Through a Messaging Service the sender is not known yet: any of ours counts.
            ours = intent.from_ if intent.messaging_service_sid is None else None
            by_address[ours].append(i)
    for ours, members in by_address.items():
        last = await last_inbound_many(ledger, [intents[i].to for i in members], our_address=ours)
        for i in members:
            refusal = rules.whatsapp_window_refusal(
                last_inbound=last.get(intents[i].to),
                now=now,
                template=False,
                recipient=intents[i].to,
            )
            if refusal is not None:
                verdicts[i] = refusal


def person_addresses(address: str) -> tuple[str, ...]:
    """One person's addresses as the ledger stores them: ``+1...`` and ``whatsapp:+1...``."""
    number = address.removeprefix("whatsapp:")
    return (number, "whatsapp:" + number) if number.startswith("+") else (address,)


async def _daily_cap(
    ledger: LedgerStore,
    intents: Sequence[SendIntent],
    indices: list[int],
    verdicts: list[BulkVerdict],
    cap: int,
    now: datetime,
    claimed: Mapping[str, int],
) -> None:
    wanted = {address for i in indices for address in person_addresses(intents[i].to)}
    sent = await count_outbound_since_many(ledger, wanted, now - rules.DAILY_CAP_PERIOD)
    passed: dict[tuple[str, ...], int] = defaultdict(int)  # let through by this check
    for i in indices:
        person = person_addresses(intents[i].to)
        count = sum(sent.get(a, 0) + claimed.get(a, 0) for a in person) + passed[person]
        refusal = rules.daily_cap_refusal(sent=count, cap=cap, recipient=intents[i].to)
        if refusal is not None:
            verdicts[i] = refusal
        else:
            passed[person] += 1
