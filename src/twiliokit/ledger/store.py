"""The ledger interface every store implements, and the parts they share.

:class:`LedgerStore` is the whole contract (the outbox's part included): the SQL store
(SQLite, PostgreSQL) and the public in-memory fake both pass the same contract suite
(``tests/integration/ledger``).

Writes are atomic and idempotent:

- a claim is first-writer-wins on ``(kind, key)`` in one statement (never check-then-write);
- a status event is unique per ``(sid, status)``; a duplicate changes nothing, and an event of
  lower or equal rank than the current status is kept in the history without moving it back;
- a status event may arrive before its message is recorded; the message then reads back with
  the highest status seen.

Times come from the caller (``at``, ``received_at``...); stores read the clock only for the
documented defaults.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Collection
from contextlib import suppress
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from twiliokit.errors import ValidationError
from twiliokit.ledger.outbox_store import OutboxStore
from twiliokit.ledger.records import (
    BatchResult,
    CallRecord,
    CallStatusEvent,
    Claim,
    ConversationItem,
    IdempotentRequest,
    LedgerBatch,
    LedgerQuery,
    MessageRecord,
    MessageStatus,
    OptOut,
    OptOutEvent,
    StatusEvent,
    StatusOutcome,
    WebhookDelivery,
)

__all__ = ["BaseLedger", "LedgerStore"]


class LedgerStore(OutboxStore, Protocol):
    """Storage of every message, call, status, webhook delivery and consent event, and the
    outbox (:class:`~twiliokit.ledger.outbox_store.OutboxStore`)."""

    # -- writes ----------------------------------------------------------------------------

    async def write(self, batch: LedgerBatch) -> BatchResult:
        """Apply a batch in one transaction; nothing is written if its claim is already held."""
        ...

    async def record_message(self, message: MessageRecord) -> None:
        """Insert or update a message; its status is applied as an event and never regresses."""
        ...

    async def apply_status(self, event: StatusEvent) -> StatusOutcome:
        """Record a message status event; say whether it moved the current status."""
        ...

    async def record_call(self, call: CallRecord) -> None:
        """Insert or update a call; its status is applied as an event and never regresses."""
        ...

    async def apply_call_status(self, event: CallStatusEvent) -> StatusOutcome:
        """Record a call status event; say whether it moved the current status."""
        ...

    async def claim(self, key: str, kind: str, *, at: datetime | None = None) -> bool:
        """Claim ``(kind, key)``: ``True`` for the first caller ever, ``False`` for every other."""
        ...

    async def record_webhook(self, delivery: WebhookDelivery) -> None:
        """Append a webhook delivery."""
        ...

    async def record_opt_out(self, event: OptOutEvent) -> None:
        """Append a consent event; STOP/START update the state unless a later event exists."""
        ...

    # -- idempotency keys ------------------------------------------------------------------

    async def start_idempotent(
        self, request: IdempotentRequest, *, expires_before: datetime
    ) -> IdempotentRequest | None:
        """Take ``request.key`` for ``request`` (state pending), atomically.

        ``None`` when the caller now holds the key: it was free, or its holder was created
        before ``expires_before``. Otherwise the request holding it, unchanged.
        """
        ...

    async def finish_idempotent(self, key: str, output: dict[str, Any]) -> None:
        """The request holding ``key`` succeeded with ``output`` (JSON data): kept for retries."""
        ...

    async def forget_idempotent(self, key: str) -> None:
        """The pending request holding ``key`` did not take effect: free the key."""
        ...

    # -- reads -----------------------------------------------------------------------------

    async def get_message(self, sid: str) -> MessageRecord | None:
        """The message with its current status, or ``None`` when it was never recorded."""
        ...

    async def status_history(self, sid: str) -> list[StatusEvent]:
        """Every distinct status seen for a message, in lifecycle order (rank, then time)."""
        ...

    async def get_call(self, sid: str) -> CallRecord | None:
        """The call with its current status, or ``None``."""
        ...

    async def call_status_history(self, sid: str) -> list[CallStatusEvent]:
        """Every distinct status seen for a call, in lifecycle order."""
        ...

    async def conversation(
        self, contact: str, *, limit: int = 50, before: datetime | None = None
    ) -> list[ConversationItem]:
        """Messages to and from one contact, newest first, each with its status history."""
        ...

    async def search(self, query: LedgerQuery) -> list[MessageRecord]:
        """Messages matching every filter in ``query``, newest first."""
        ...

    async def webhook_deliveries(
        self, *, sid: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        """Webhook deliveries, newest first, optionally only those about one SID."""
        ...

    async def is_opted_out(self, sender_key: str, recipient: str) -> bool:
        """Whether the recipient's latest STOP/START for this sender key is a STOP."""
        ...

    async def list_opt_outs(
        self, *, sender_key: str | None = None, recipient: str | None = None
    ) -> list[OptOut]:
        """Recipients currently opted out, optionally for one sender key or one recipient."""
        ...

    async def opt_out_history(
        self, recipient: str, *, sender_key: str | None = None
    ) -> list[OptOutEvent]:
        """Every consent event of one recipient (STOP, START, HELP), oldest first."""
        ...

    async def last_inbound_at(
        self, contact: str, our_address: str | None = None
    ) -> datetime | None:
        """When the contact last wrote to us (to ``our_address`` if given): WhatsApp's window."""
        ...

    async def count_outbound_since(self, recipient: str, since: datetime) -> int:
        """How many messages we sent to the recipient created at or after ``since``."""
        ...

    async def wait_for_status(
        self,
        sid: str,
        *,
        statuses: Collection[MessageStatus] | None = None,
        poll_interval: float = 1.0,
    ) -> MessageRecord:
        """Wait until the message is recorded with one of ``statuses`` (default: any final one).

        Waits as long as it takes: bound it with ``asyncio.timeout(...)`` and read
        :meth:`get_message` on ``TimeoutError``. Writes through this store wake the wait at
        once; writes by other processes are seen within ``poll_interval`` seconds.
        """
        ...

    async def close(self) -> None:
        """Release connections; the store cannot be used afterwards."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def check_limit(limit: int) -> None:
    """Reject a read limit outside 1..1000 with a clear error."""
    LedgerQuery(limit=limit)  # the query record owns the rule and its message


class BaseLedger(ABC):
    """The single-item writes, waiting and context management, written once over ``write``."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    @abstractmethod
    async def write(self, batch: LedgerBatch) -> BatchResult:
        """Apply a batch in one transaction."""

    @abstractmethod
    async def get_message(self, sid: str) -> MessageRecord | None:
        """The message with its current status."""

    @abstractmethod
    async def close(self) -> None:
        """Release resources."""

    def _notify(self) -> None:
        """Wake every :meth:`wait_for_status` after a committed write."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def record_message(self, message: MessageRecord) -> None:
        await self.write(LedgerBatch(messages=(message,)))

    async def apply_status(self, event: StatusEvent) -> StatusOutcome:
        return (await self.write(LedgerBatch(statuses=(event,)))).statuses[0]

    async def record_call(self, call: CallRecord) -> None:
        await self.write(LedgerBatch(calls=(call,)))

    async def apply_call_status(self, event: CallStatusEvent) -> StatusOutcome:
        return (await self.write(LedgerBatch(call_statuses=(event,)))).call_statuses[0]

    async def claim(self, key: str, kind: str, *, at: datetime | None = None) -> bool:
        return (await self.write(LedgerBatch(claim=Claim(key=key, kind=kind, at=at)))).claimed

    async def record_webhook(self, delivery: WebhookDelivery) -> None:
        await self.write(LedgerBatch(webhooks=(delivery,)))

    async def record_opt_out(self, event: OptOutEvent) -> None:
        await self.write(LedgerBatch(opt_outs=(event,)))

    async def wait_for_status(
        self,
        sid: str,
        *,
        statuses: Collection[MessageStatus] | None = None,
        poll_interval: float = 1.0,
    ) -> MessageRecord:
        if poll_interval <= 0:
            raise ValidationError("poll_interval must be positive (seconds)", field="poll_interval")
        targets = frozenset(MessageStatus.parse(s) for s in statuses) if statuses else None
        while True:
            changed = self._changed  # taken before reading, so no write can slip between
            record = await self.get_message(sid)
            if record is not None and (
                record.status in targets if targets is not None else record.status.is_final
            ):
                return record
            with suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), poll_interval)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
