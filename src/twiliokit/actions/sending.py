"""The one pipeline every send walks (``send_sms``, ``send_whatsapp``, ``make_call``,
``start_verification``), from every surface, after the action was resolved and its arguments
parsed once (:func:`twiliokit.actions.invoke.run_parsed`):

1. **hooks** (:mod:`twiliokit.actions.hooks`): the guardrails, then compliance
   (``before_send``), which may refuse (nothing is recorded or sent) or adjust the intent;
2. **recorded**: an outbox item (``OB`` + 32 hex digits) in the ledger, before any request,
   already claimed by this process (state ``sending``), so a crash leaves a trace;
3. **paced**: the send waits for its sender's slot, shared with the outbox workers;
4. **started**: the item is marked as leaving (``mark_started``), then the request
   (:func:`twiliokit.actions.outbox_requests.execute`, the one executor the workers use too);
5. **outcome**: the item is finished (``sent`` with the SID and status; ``failed`` with
   Twilio's code, or when nothing left; ``unknown`` when the answer was lost), and the hooks
   hear how it went (``after_send`` records the message or call in the ledger).

A send with ``send_at`` (:func:`schedule`) stops after step 2: its item is recorded ``queued``
until then, and a worker sends it (compliance is checked again when it leaves).

Without a ledger (``--no-ledger``, or Python without one) steps 2-4 are skipped: the send
goes out as before, unrecorded, and ``send_at`` is refused.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from twiliokit.actions.outbox_requests import execute, request_of, sender_of
from twiliokit.errors import (
    ComplianceError,
    ConnectError,
    StorageError,
    TwilioError,
    TwiliokitError,
    UnknownOutcomeError,
    ValidationError,
)

if TYPE_CHECKING:
    from twiliokit.actions.context import ActionContext
    from twiliokit.actions.hooks import SendIntent
    from twiliokit.ledger.outbox_records import OutboxOutcome
    from twiliokit.ledger.outbox_store import OutboxStore

__all__ = [
    "LEASE",
    "SCHEDULE_MAX",
    "Scheduled",
    "Sent",
    "lease_owner",
    "new_outbox_id",
    "outbox_id_field",
    "outbox_of",
    "outcome_of_error",
    "schedule",
    "send_now",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How long this process holds the item of a send it makes at once: longer than any request
#: with its retries, so that a worker never takes a live send for a crashed one.
LEASE = timedelta(minutes=10)
#: twiliokit holds a scheduled send for at most this long (as Twilio's own scheduling).
SCHEDULE_MAX = timedelta(days=35)
#: A ``send_at`` this little in the past is taken as "now" (clocks differ a little).
_PAST_TOLERANCE = timedelta(seconds=60)

_NO_LEDGER_HINT = (
    "send_at is held in the ledger until it is due: give the CLI --db URL (or set "
    "TWILIOKIT_DATABASE_URL, or drop --no-ledger), or open a ledger for the context "
    "(ActionContext(..., ledger=await twiliokit.ledger.open_ledger(url))); or leave send_at "
    "out to send now."
)


@dataclass(frozen=True, slots=True)
class Sent(Generic[T]):
    """A send that left: the intent the hooks approved, Twilio's answer and its outbox item
    (``None`` without a ledger)."""

    intent: SendIntent
    result: T
    outbox_id: str | None


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A send recorded to leave at ``send_at`` (the outbox item ``outbox_id``)."""

    intent: SendIntent
    outbox_id: str
    send_at: datetime


def outbox_id_field() -> Any:
    """The ``outbox_id`` field of a send action's output."""
    from pydantic import Field

    return Field(
        default=None,
        description="The send's outbox item (OB...): follow or cancel it with get_send and "
        "cancel_send. Null when run without a ledger.",
    )


def new_outbox_id() -> str:
    """A new outbox item id: ``OB`` + 32 hex digits."""
    return "OB" + uuid.uuid4().hex


@cache
def lease_owner() -> str:
    """Who holds the items of sends this process makes at once (host and process id)."""
    from twiliokit.ledger.outbox_rules import AT_ONCE_OWNER

    return f"{AT_ONCE_OWNER}{socket.gethostname()}:{os.getpid()}"


def outbox_of(context: ActionContext) -> OutboxStore | None:
    """The context's ledger as an outbox store, or ``None`` without one."""
    ledger = context.ledger
    # A store of the LedgerStore shape from before the outbox (a user's own) still sends,
    # unrecorded, rather than failing every send.
    if ledger is None or not hasattr(ledger, "enqueue"):
        return None
    store: OutboxStore = ledger
    return store


async def send_now(
    context: ActionContext,
    intent: SendIntent,
    expect: type[T],
    *,
    action: str,
    idempotency_key: str | None = None,
) -> Sent[T]:
    """Send ``intent`` now through the pipeline (see the module docstring).

    Raises a ``ComplianceError`` when a hook refuses (nothing recorded, nothing sent), a
    ``StorageError`` when the item cannot be recorded (nothing sent: the record comes
    first), and what the request raises (recorded as the item's outcome).
    """
    hooks = context.hooks
    approved = await hooks.before_send(intent)
    store = outbox_of(context)
    item_id: str | None = None  # set once the item is recorded
    started = False
    try:
        if store is not None:
            approved = replace(approved, outbox_id=new_outbox_id())
            await _record(context, store, approved, action, idempotency_key)
            item_id = approved.outbox_id
            assert item_id is not None
            await _wait_for_slot(context, store, item_id, sender_of(approved))
            if not await store.mark_started(item_id, owner=lease_owner(), at=context.now()):
                raise StorageError(
                    f"outbox item {item_id} was taken over before its request left; nothing "
                    "was sent",
                    hint="Look at it with get_send; it is sent once, by whoever holds it.",
                )
        started = True
        answer = await execute(context.client, approved.kind, request_of(approved))
        if not isinstance(answer, expect):  # the executor answers by kind: a bug, not input
            raise TypeError(f"{approved.kind} answered a {type(answer).__name__}")
        result: T = answer
    except BaseException as exc:
        if store is not None and item_id is not None:
            await _finish(store, item_id, outcome_of_error(exc, at=context.now(), left=started))
            if isinstance(exc, UnknownOutcomeError):
                # Where to follow it: the item says when reconciliation found it, or not.
                exc.hint = (
                    f"{exc.hint or ''} Its outbox item {item_id} stays unknown until the "
                    "outbox finds it at Twilio (see get_send); do not send it again before."
                ).strip()
        if isinstance(exc, Exception):
            await hooks.send_failed(approved, exc)
        raise
    if store is not None and item_id is not None:
        await _finish(store, item_id, _sent(result, at=context.now()))
    await hooks.after_send(approved, result)
    return Sent(approved, result, item_id)


async def schedule(
    context: ActionContext,
    intent: SendIntent,
    *,
    action: str,
    send_at: datetime,
    idempotency_key: str | None = None,
) -> Scheduled:
    """Record ``intent`` to leave at ``send_at`` (up to 35 days ahead); nothing is sent now.

    The hooks judge it as of ``send_at`` (quiet hours at that time: ``details["send_at"]``),
    and a worker judges it again when it leaves. Needs a ledger (``ValidationError`` on
    ``send_at`` without one).
    """
    store = outbox_of(context)
    if store is None:
        raise ValidationError(
            "'send_at' needs the ledger: twiliokit holds a scheduled send there until it is "
            "due, and this run has none",
            field="send_at",
            hint=_NO_LEDGER_HINT,
        )
    now = context.now()
    check_send_at(send_at, now=now)
    intent = replace(intent, details={**intent.details, "send_at": send_at})
    approved = await context.hooks.before_send(intent)
    item_id = new_outbox_id()
    approved = replace(approved, outbox_id=item_id)
    try:
        await _record(context, store, approved, action, idempotency_key, not_before=send_at)
    except Exception as exc:
        await context.hooks.send_failed(approved, exc)
        raise
    return Scheduled(approved, item_id, send_at)


def check_send_at(send_at: datetime, *, now: datetime) -> None:
    """Refuse a ``send_at`` in the past or more than 35 days ahead."""
    if send_at < now - _PAST_TOLERANCE or send_at - now > SCHEDULE_MAX:
        raise ValidationError(
            f"'send_at' must be between now ({now:%Y-%m-%dT%H:%M:%SZ}) and 35 days ahead, not "
            f"{send_at:%Y-%m-%dT%H:%M:%SZ}",
            field="send_at",
            hint="Pick a time in that window (UTC, e.g. 2030-03-01T09:00:00Z), or leave "
            "send_at out to send now.",
        )


async def _record(
    context: ActionContext,
    store: OutboxStore,
    intent: SendIntent,
    action: str,
    idempotency_key: str | None,
    *,
    not_before: datetime | None = None,
) -> None:
    """Record the intent's outbox item: claimed by this process to leave now, or queued
    until ``not_before``."""
    from twiliokit.ledger.outbox_records import NewOutboxItem, OutboxKind, OutboxState

    assert intent.outbox_id is not None  # set by the caller, so hooks see it too
    now = context.now()
    claimed = not_before is None
    await store.enqueue(
        [
            NewOutboxItem(
                id=intent.outbox_id,
                kind=OutboxKind(intent.kind),
                action=action,
                sender=sender_of(intent),
                to=intent.to,
                request=request_of(intent),
                created_at=now,
                not_before=now if not_before is None else not_before,
                idempotency_key=idempotency_key,
                state=OutboxState.SENDING if claimed else OutboxState.QUEUED,
                lease_owner=lease_owner() if claimed else None,
                lease_until=now + LEASE if claimed else None,
            )
        ]
    )


async def _wait_for_slot(
    context: ActionContext, store: OutboxStore, item_id: str, sender: str
) -> None:
    """Wait for the sender's next pacing slot (shared with the workers through the store);
    the lease is extended first when the wait would outlast it."""
    import anyio

    rate = context.pace(sender) if context.pace is not None else None
    now = context.now()
    slot = await store.take_slot(sender, now=now, default_rate=rate)
    delay = (slot - now).total_seconds()
    if delay <= 0:
        return
    if slot + LEASE / 2 > now + LEASE:
        await store.extend_lease(item_id, owner=lease_owner(), until=slot + LEASE)
    if delay >= 1 and context.progress is not None:
        # A long wait is never silent: the CLI says it on stderr, MCP as progress.
        await context.progress(
            0.0, round(delay, 3), f"waiting {delay:,.0f} s for {sender}'s next slot (its pace)"
        )
    await anyio.sleep(delay)  # the pace itself: this send may not leave before its slot


def outcome_of_error(
    error: BaseException, *, at: datetime, left: bool, retry_at: datetime | None = None
) -> OutboxOutcome:
    """How an item ends when its send raised ``error`` (pure).

    ``left``: whether its request had started. A refusal by a rule is ``refused``; Twilio's
    error answer ``failed`` with its code; a lost answer (or a request interrupted after it
    started) ``unknown``; a request that certainly never left (it had not started, or the
    connection never opened) is queued again at ``retry_at`` when given (the workers), else
    ``failed`` (a send made at once: its caller was told and decides whether to retry, so
    the outbox must not send it behind their back).
    """
    from twiliokit.ledger.outbox_records import OutboxOutcome, OutcomeKind

    if isinstance(error, TwiliokitError):
        reason = error.message
    elif isinstance(error, KeyboardInterrupt | asyncio.CancelledError):
        reason = "the send was interrupted (its command or server was stopped)"
    else:
        reason = type(error).__name__
    if isinstance(error, ComplianceError):
        return OutboxOutcome(kind=OutcomeKind.REFUSED, at=at, reason=reason)
    if isinstance(error, TwilioError):
        return OutboxOutcome(kind=OutcomeKind.FAILED, at=at, error_code=error.code, reason=reason)
    if not left or isinstance(error, ConnectError):
        if retry_at is not None:
            return OutboxOutcome(kind=OutcomeKind.RETRY, at=at, retry_at=retry_at, reason=reason)
        return OutboxOutcome(
            kind=OutcomeKind.FAILED, at=at, reason=f"nothing was sent: {reason}"[:500]
        )
    if isinstance(error, UnknownOutcomeError) or not isinstance(error, ValidationError):
        return OutboxOutcome(
            kind=OutcomeKind.UNKNOWN,
            at=at,
            reason=f"the request left but its answer was lost: {reason}"[:500],
        )
    return OutboxOutcome(kind=OutcomeKind.FAILED, at=at, reason=reason)


def _sent(result: Any, *, at: datetime) -> OutboxOutcome:
    from twiliokit.ledger.outbox_records import OutboxOutcome, OutcomeKind

    return OutboxOutcome(
        kind=OutcomeKind.SENT,
        at=at,
        sid=getattr(result, "sid", None),
        twilio_status=getattr(result, "status", None),
    )


async def _finish(store: OutboxStore, item_id: str, outcome: OutboxOutcome) -> None:
    """Record the item's outcome. A ledger failure here is logged, not raised: the send
    already happened (or failed), and raising would invite a resend. The item's lease then
    runs out and the outbox reconciles it."""
    import anyio

    try:
        # Shielded: a send being cancelled still records how far it got (a short write).
        with anyio.CancelScope(shield=True):
            finished = await store.finish(item_id, outcome, owner=lease_owner())
    except TwiliokitError as exc:
        logger.warning("outbox item %s: its outcome could not be recorded: %s", item_id, exc)
        return
    if not finished:
        logger.warning("outbox item %s was taken over before its outcome was recorded", item_id)
