"""Reconciliation: decide what became of items whose outcome is ``unknown``.

An item is ``unknown`` when its request may have left but no answer was recorded (its worker
was killed mid-request, the answer was lost, Twilio answered 5xx). Before anything is sent
again, the outbox asks Twilio:

- a **message**: list the account's messages to that recipient (from that sender; through a
  Messaging Service, of that service), newest first, back to a little before the request
  started, and match the content (body, media count, template). Found, and not already the
  SID of another item: ``sent`` with that SID. Not found once ``grace`` has passed since the
  request started (Twilio lists a created message at once, even while it waits in its queue):
  back to ``queued``, to be sent again.
- a **call**: the same with the account's calls (from, to, created within the window).
- a **verification**: Verify cannot list verifications by recipient, so it cannot be decided;
  it stays ``unknown`` with a reason for a person.
- a **forward**: sent again (a forward carries its delivery id, which receivers de-duplicate).

Why not filter the list by ``DateSent``: a message still in Twilio's queue has no date sent,
so a date filter would hide exactly the message being looked for. The list is read newest
first and stops at the window instead. Matching is pure (:func:`message_matches`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from twiliokit.errors import TwiliokitError
from twiliokit.ledger.outbox_records import (
    OutboxItem,
    OutboxKind,
    OutboxOutcome,
    OutcomeKind,
)
from twiliokit.ledger.outbox_store import OutboxStore

__all__ = [
    "UNDECIDABLE",
    "WINDOW_BEFORE",
    "Reconciler",
    "TwilioLists",
    "Window",
    "call_matches",
    "message_matches",
]

logger = logging.getLogger("twiliokit.outbox.reconcile")

#: How far before the request started a match may have been created (clocks differ).
WINDOW_BEFORE: Final = timedelta(minutes=10)
#: The reason an item keeps when reconciliation cannot decide it (it is not looked at again).
UNDECIDABLE: Final = "undecidable:"
_MAX_LISTED: Final = 500


class TwilioLists(Protocol):
    """What reconciliation reads from Twilio (an ``AsyncClient`` has both)."""

    def iter_messages(
        self, *, to: str | None = None, from_: str | None = None, limit: int | None = None
    ) -> AsyncIterator[Any]: ...

    def iter_calls(
        self, *, to: str | None = None, from_: str | None = None, limit: int | None = None
    ) -> AsyncIterator[Any]: ...


@dataclass(frozen=True, slots=True)
class Window:
    """Created between ``start`` and ``end``: where a match may lie."""

    start: datetime
    end: datetime

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment <= self.end


def _media_count(request: dict[str, Any]) -> int:
    media = request.get("media_url")
    if isinstance(media, str):
        return 1
    return len(media) if isinstance(media, list | tuple) else 0


def message_matches(request: dict[str, Any], message: Any, window: Window) -> bool:
    """Whether ``message`` (a listed Message) is what ``request`` (an item's create
    parameters) asked for: same recipient and sender (or service), created within ``window``,
    same body (unless a template made it) and as many media."""
    if message.to != request.get("to") or not window.holds(message.date_created):
        return False
    service = request.get("messaging_service_sid")
    if service is not None:
        if message.messaging_service_sid != service:
            return False
    elif message.from_ != request.get("from_"):
        return False
    if (message.num_media or 0) != _media_count(request):
        return False
    if request.get("content_sid"):
        return True  # Twilio renders the template: the body cannot be compared
    return (message.body or "") == (request.get("body") or "")


def call_matches(request: dict[str, Any], call: Any, window: Window) -> bool:
    """Whether ``call`` (a listed Call) is what ``request`` asked for: same to and from,
    created within ``window``."""
    return (
        call.to == request.get("to")
        and call.from_ == request.get("from_")
        and window.holds(call.date_created)
    )


class Reconciler:
    """Decides unknown items against Twilio (see the module docstring).

    ``grace``: how long after its request started an item must stay absent from Twilio's list
    before it is queued again. ``now``: the clock (UTC).
    """

    def __init__(
        self,
        store: OutboxStore,
        twilio: TwilioLists,
        *,
        grace: timedelta,
        now: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.twilio = twilio
        self.grace = grace
        self._now = now

    async def run_once(self, *, limit: int = 1000) -> dict[OutcomeKind, int]:
        """Look at every unknown item once; how many became sent, queued again (``retry``)
        or stay unknown."""
        counts = dict.fromkeys((OutcomeKind.SENT, OutcomeKind.RETRY, OutcomeKind.UNKNOWN), 0)
        for item in await self.store.unknown_items(limit=limit):
            if (item.reason or "").startswith(UNDECIDABLE):
                continue
            try:
                decided = await self.decide(item)
            except TwiliokitError as exc:
                logger.warning("cannot reconcile %s yet: %s", item.id, exc.message)
                continue
            if decided is None:
                counts[OutcomeKind.UNKNOWN] += 1
                continue
            if await self.store.finish(item.id, decided, owner=None):
                counts[decided.kind] = counts.get(decided.kind, 0) + 1
                logger.info(
                    "reconciled %s (%s to %s): %s%s",
                    item.id,
                    item.kind,
                    item.to,
                    decided.kind,
                    f" as {decided.sid}" if decided.sid else "",
                )
        return counts

    async def decide(self, item: OutboxItem) -> OutboxOutcome | None:
        """The outcome reconciliation gives ``item`` now, or ``None``: not decided yet."""
        now = self._now()
        if item.kind == OutboxKind.FORWARD:
            return OutboxOutcome(
                kind=OutcomeKind.RETRY,
                at=now,
                retry_at=now,
                reason="forwarded again: receivers drop a delivery id they have seen",
            )
        if item.kind not in (OutboxKind.MESSAGE, OutboxKind.CALL):
            return OutboxOutcome(
                kind=OutcomeKind.UNKNOWN,
                at=now,
                reason=f"{UNDECIDABLE} a {item.kind} cannot be looked up at Twilio by "
                "recipient; check it there, then cancel it or send it again",
            )
        started = item.request_started_at or item.updated_at
        window = Window(started - WINDOW_BEFORE, max(now, started) + WINDOW_BEFORE)
        found = await self._find(item, window)
        if found is not None:
            status = getattr(found, "status", None)
            return OutboxOutcome(
                kind=OutcomeKind.SENT,
                at=now,
                sid=found.sid,
                twilio_status=str(getattr(status, "value", status)) if status else None,
                reason="found at Twilio by reconciliation",
            )
        if now - started < self.grace:
            return None
        return OutboxOutcome(
            kind=OutcomeKind.RETRY,
            at=now,
            retry_at=now,
            reason=f"not at Twilio {int(self.grace.total_seconds())} s after its request "
            "started: queued again",
        )

    async def _find(self, item: OutboxItem, window: Window) -> Any | None:
        request = item.request
        to, from_ = request.get("to"), request.get("from_") or None
        if item.kind == OutboxKind.MESSAGE:
            listed = self.twilio.iter_messages(to=to, from_=from_, limit=_MAX_LISTED)
            matches: Callable[[dict[str, Any], Any, Window], bool] = message_matches
        else:
            listed = self.twilio.iter_calls(to=to, from_=from_, limit=_MAX_LISTED)
            matches = call_matches
        async for candidate in listed:
            created = getattr(candidate, "date_created", None)
            if created is not None and created < window.start:
                break  # newest first: nothing older can match
            if not matches(request, candidate, window):
                continue
            owner = await self.store.find_item(sid=candidate.sid)
            if owner is None or owner.id == item.id:
                return candidate
        return None
