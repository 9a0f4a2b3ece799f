"""``OutboxWorker``: sends what the outbox holds, at each sender's pace, and reconciles what a
crash left in doubt.

One loop, on asyncio::

    claim_due (leases + pacing slots, decided by the database)
      -> for each claimed item, in its own task (at most ``concurrency`` at once):
         compliance again (a STOP or a closed WhatsApp window since it was queued refuses it;
         quiet hours defer it to their end) -> mark_started just before its slot -> wait
         for the slot -> the request (the lease renewed while it is out) -> finish (sent /
         failed / retry / unknown); a 429, 20429 or 30001 slows its sender for every worker.
    every few seconds: expire_leases (claims of dead workers: back to queued, or unknown if
    their request had started), reconcile unknown items against Twilio, slow senders whose
    messages failed with 30001 since, give new senders their pace.

Stopping (``stop`` set, e.g. on SIGTERM) lets requests in flight finish and gives back the
claims whose request had not started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from twiliokit.compliance import rules
from twiliokit.errors import StorageError, TwiliokitError
from twiliokit.ledger.outbox_records import (
    ClaimedItem,
    OutboxItem,
    OutboxKind,
    OutboxOutcome,
    OutcomeKind,
    SenderPace,
)
from twiliokit.ledger.outbox_store import OutboxStore
from twiliokit.outbox.outcomes import outcome_of_answer, outcome_of_error
from twiliokit.outbox.overflow import QueueOverflowWatch
from twiliokit.outbox.reconcile import Reconciler
from twiliokit.outbox.settings import OutboxSettings

__all__ = [
    "CLAIM_HORIZON",
    "DeliverForward",
    "Execute",
    "LeaveCheck",
    "OutboxWorker",
    "WorkerSnapshot",
    "worker_name",
]

logger = logging.getLogger("twiliokit.outbox")

#: Items are claimed when their sender's slot falls within this much of now.
CLAIM_HORIZON: Final = timedelta(seconds=2)
#: How long before its slot an item is marked started: the ledger write then never delays the
#: request (80-90 ms median on a loaded machine, more at p99), which would bunch late items.
#: A worker killed in between leaves it unknown, and reconciliation finds it absent.
MARK_AHEAD: Final = timedelta(milliseconds=250)
#: How often an idle worker looks for due items.
POLL_INTERVAL: Final = 0.25
#: The rate of a sender the worker has not paced yet (the slowest default: never too fast).
FALLBACK_RATE: Final = 1.0

#: Sends one Twilio request: ``(kind, request)`` -> Twilio's answer (raises ``twiliokit.errors``).
Execute = Callable[[str, dict[str, Any]], Awaitable[Any]]
#: Delivers one forwarded webhook item; its outcome.
DeliverForward = Callable[[OutboxItem, datetime], Awaitable[OutboxOutcome]]


class LeaveCheck(Protocol):
    """Compliance when an item leaves, and the ledger told how it went
    (:class:`twiliokit.outbox.checks.ComplianceAtLeave`)."""

    async def refusal(self, item: OutboxItem) -> rules.Refusal | None: ...

    def resume_at(self, item: OutboxItem, refusal: rules.Refusal) -> datetime | None: ...

    async def sent(self, item: OutboxItem, answer: Any) -> None: ...

    async def failed(self, item: OutboxItem, error: Exception) -> None: ...


def worker_name() -> str:
    """This worker's lease owner: host, process and a random part (unique per run)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WorkerSnapshot:
    """What ``/metrics`` shows of the outbox: depth and pace per sender, items finished by
    outcome (this process's worker)."""

    depth: dict[str, int]
    paces: list[SenderPace]
    finished: dict[str, int]


class OutboxWorker:
    """Sends due outbox items (see the module docstring).

    ``execute`` sends a message, call or verification (``twiliokit.actions.outbox_requests.
    execute`` bound to a client); ``deliver_forward`` delivers forwarded webhooks
    (``twiliokit.webhooks.forward``); an item of a kind with nothing to send it stays queued
    for a worker that has. ``check``: compliance when an item leaves (``None``: none).
    ``reconciler``: decides unknown items (``None``: they wait for a worker that has one).
    ``overflow``: slows senders whose messages failed with 30001 (status callbacks).
    ``now``: the clock (UTC); ``owner``: the lease owner name.
    """

    def __init__(
        self,
        store: OutboxStore,
        *,
        settings: OutboxSettings | None = None,
        execute: Execute | None = None,
        deliver_forward: DeliverForward | None = None,
        check: LeaveCheck | None = None,
        reconciler: Reconciler | None = None,
        overflow: QueueOverflowWatch | None = None,
        now: Callable[[], datetime] = _utcnow,
        owner: str | None = None,
        observe: Callable[[OutcomeKind], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings if settings is not None else OutboxSettings()
        self.execute = execute
        self.deliver_forward = deliver_forward
        self.check = check
        self.reconciler = reconciler
        self.overflow = overflow
        self.owner = owner or worker_name()
        self._now = now
        self._observe = observe
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._paced: set[str] = set()
        self.finished: Counter[str] = Counter()
        self._finishing = asyncio.Condition()
        self.snapshot = WorkerSnapshot(depth={}, paces=[], finished={})
        kinds: set[OutboxKind] = set()
        if execute is not None:
            kinds |= {OutboxKind.MESSAGE, OutboxKind.CALL, OutboxKind.VERIFICATION}
        if deliver_forward is not None:
            kinds.add(OutboxKind.FORWARD)
        self.kinds: Collection[OutboxKind] = frozenset(kinds)

    def __repr__(self) -> str:
        return f"OutboxWorker(owner={self.owner!r}, in_flight={len(self._tasks)})"

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.lease_seconds)

    async def wait_finished(self, count: int) -> None:
        """Wait until this worker has finished ``count`` items in all (any outcome)."""
        async with self._finishing:
            await self._finishing.wait_for(lambda: self.finished.total() >= count)

    def stop(self) -> None:
        """Ask the worker to stop (safe from a signal handler on its loop)."""
        self._stop.set()

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Send until :meth:`stop`; then finish what is in flight and give back the rest."""
        housekeeping_at = self._now()
        try:
            await self.apply_rates()
            while not self._stop.is_set():
                try:
                    if self._now() >= housekeeping_at:
                        await self.housekeeping()
                        housekeeping_at = self._now() + self._housekeeping_every()
                    claimed = await self._claim()
                except Exception:  # a bug must not stop the outbox: say it, go on
                    logger.exception("the outbox worker's loop failed; going on")
                    claimed = 0
                if claimed and len(self._tasks) < self.settings.concurrency:
                    continue  # there may be more due right now
                await self._pause()
        finally:
            await self._finish_in_flight()

    async def run_until_idle(self) -> int:
        """Send every item that is due now, then return how many were handled (tests, and
        one-off runs): housekeeping once, claims until nothing is claimable and nothing is in
        flight."""
        await self.apply_rates()
        await self.housekeeping()
        handled = 0
        while True:
            claimed = await self._claim()
            handled += claimed
            if not claimed and not self._tasks:
                return handled
            if self._tasks:
                await asyncio.wait(set(self._tasks), return_when=asyncio.FIRST_COMPLETED)

    async def apply_rates(self) -> None:
        """Give every sender in ``[outbox] rates`` its configured pace."""
        for sender, rate in self.settings.rates.items():
            await self.store.set_pace(sender, rate=rate)
            self._paced.add(sender)

    async def housekeeping(self) -> None:
        """Leases of dead workers, unknown items, paces of new senders, the metrics
        snapshot. A database error is logged and tried again next time."""
        try:
            now = self._now()
            expired = await self.store.expire_leases(now=now)
            for item in expired:
                logger.warning(
                    "%s (%s to %s) was in flight when its worker stopped answering: unknown "
                    "until reconciled",
                    item.id,
                    item.kind,
                    item.to,
                )
            if self.reconciler is not None:
                await self.reconciler.run_once()
            if self.overflow is not None:
                for sender in await self.overflow.check(now):
                    logger.warning("%s: Twilio's queue overflowed (30001): slowed down", sender)
            depth = await self.store.depth()
            for sender in depth.keys() - self._paced:
                await self.store.set_pace(sender, rate=self.settings.rate_for(sender))
                self._paced.add(sender)
            self.snapshot = WorkerSnapshot(
                depth=depth, paces=await self.store.paces(), finished=dict(self.finished)
            )
        except StorageError as exc:
            logger.warning("outbox housekeeping failed, trying again soon: %s", exc.message)

    def _housekeeping_every(self) -> timedelta:
        return timedelta(seconds=min(5.0, self.settings.lease_seconds / 4))

    async def _claim(self) -> int:
        free = self.settings.concurrency - len(self._tasks)
        if free <= 0 or not self.kinds:
            return 0
        try:
            claimed = await self.store.claim_due(
                owner=self.owner,
                now=self._now(),
                lease=self.lease,
                limit=free,
                horizon=CLAIM_HORIZON,
                max_in_flight=self.settings.max_in_flight,
                kinds=self.kinds,
                default_rate=FALLBACK_RATE,
            )
        except StorageError as exc:
            logger.warning("cannot claim outbox items, trying again soon: %s", exc.message)
            return 0
        for claim in claimed:
            task = asyncio.create_task(self._handle(claim), name=f"outbox-{claim.item.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def _pause(self) -> None:
        """Until the poll interval passes, an item finishes, or the worker is stopped."""
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait(
                {stopping, *self._tasks},
                timeout=POLL_INTERVAL,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            stopping.cancel()

    async def _finish_in_flight(self) -> None:
        self._stop.set()  # items still waiting for their slot give their claim back
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- one item ----------------------------------------------------------------------------

    async def _handle(self, claim: ClaimedItem) -> None:
        item = claim.item
        try:
            if await self._refused_or_deferred(item):
                return
            leave_at = await self._slot_in_time(item, claim.leave_at)
            if leave_at is None:
                await self._finish(item, self._released("the worker stopped before it left"))
                return
            if not await self.store.mark_started(item.id, owner=self.owner, at=self._now()):
                logger.info("%s: lease lost before it left; another worker has it", item.id)
                return
            if not await self._wait_for_slot(leave_at):
                # Marked, but this worker knows nothing left: the item goes back, not unknown.
                await self._finish(item, self._released("the worker stopped before it left"))
                return
            outcome = await self._send(item)
            await self._finish(item, outcome)
        except StorageError as exc:
            # The lease runs out and another worker (or reconciliation) takes it from there.
            logger.warning("%s: the outbox database failed: %s", item.id, exc.message)
        except Exception:  # a bug must not kill the worker; the lease decides what follows
            logger.exception("%s: unexpected failure while sending", item.id)

    async def _refused_or_deferred(self, item: OutboxItem) -> bool:
        """Compliance again, now that it leaves: refused (finished) or deferred (requeued)."""
        if self.check is None or item.kind == OutboxKind.FORWARD:
            return False
        refusal = await self.check.refusal(item)
        if refusal is None:
            return False
        now = self._now()
        resume = self.check.resume_at(item, refusal)
        if resume is not None:
            outcome = OutboxOutcome(
                kind=OutcomeKind.RETRY,
                at=now,
                retry_at=resume,
                reason=f"deferred to the end of quiet hours: {refusal.message}"[:500],
            )
        else:
            outcome = OutboxOutcome(
                kind=OutcomeKind.REFUSED, at=now, reason=_refused_reason(refusal)[:500]
            )
        await self._finish(item, outcome)
        return True

    async def _slot_in_time(self, item: OutboxItem, leave_at: datetime) -> datetime | None:
        """Wait until just before the item's slot; the slot to send at (``None``: the worker
        stopped). A worker that got there more than one interval late (a busy event loop)
        takes a fresh slot instead of sending at once, so the items it reached late do not
        leave together, over the sender's rate."""
        while True:
            if not await self._wait_for_slot(leave_at - MARK_AHEAD):
                return None
            rate = self.settings.rate_for(item.sender)
            now = self._now()
            if item.kind == OutboxKind.FORWARD or now - leave_at <= timedelta(seconds=1 / rate):
                return leave_at
            leave_at = await self.store.take_slot(item.sender, now=now, default_rate=rate)

    async def _wait_for_slot(self, leave_at: datetime) -> bool:
        """Sleep until the item's pacing slot; ``False`` when the worker stops first."""
        delay = (leave_at - self._now()).total_seconds()
        if delay <= 0:
            return not self._stop.is_set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), delay)
            return False
        return True

    async def _send(self, item: OutboxItem) -> OutboxOutcome:
        """The request, with the lease renewed while it is out; its outcome."""
        renewing = asyncio.create_task(self._renew_lease(item.id))
        try:
            if item.kind == OutboxKind.FORWARD:
                assert self.deliver_forward is not None
                return await self.deliver_forward(item, self._now())
            assert self.execute is not None
            try:
                answer = await self.execute(str(item.kind), dict(item.request))
            except (TwiliokitError, OSError) as error:
                verdict = outcome_of_error(error, now=self._now(), attempts=item.attempts + 1)
                if self.check is not None:
                    await self.check.failed(item, error)
            else:
                verdict = outcome_of_answer(answer, now=self._now())
                if self.check is not None:
                    await self.check.sent(item, answer)
            if verdict.slow_until is not None:
                next_at = verdict.outcome.retry_at or self._now()
                await self.store.slow_sender(item.sender, until=verdict.slow_until, next_at=next_at)
                logger.warning("%s slowed down until %s", item.sender, f"{verdict.slow_until:%T}")
            return verdict.outcome
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _renew_lease(self, item_id: str) -> None:
        every = self.settings.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            until = self._now() + self.lease
            if not await self.store.extend_lease(item_id, owner=self.owner, until=until):
                logger.warning("%s: lease lost while its request was out", item_id)
                return

    def _released(self, why: str) -> OutboxOutcome:
        now = self._now()
        return OutboxOutcome(kind=OutcomeKind.RETRY, at=now, retry_at=now, reason=why)

    async def _finish(self, item: OutboxItem, outcome: OutboxOutcome) -> None:
        recorded = await self.store.finish(item.id, outcome, owner=self.owner)
        if not recorded:
            logger.warning("%s: finished as %s but its lease was lost", item.id, outcome.kind)
            return
        self.finished[str(outcome.kind)] += 1
        async with self._finishing:
            self._finishing.notify_all()
        if self._observe is not None:
            self._observe(outcome.kind)
        logger.info(
            "%s %s from %s to %s: %s%s%s",
            item.id,
            item.kind,
            item.sender,
            item.to,
            outcome.kind,
            f" {outcome.sid}" if outcome.sid else "",
            f" ({outcome.reason})" if outcome.reason else "",
        )


def _refused_reason(refusal: rules.Refusal) -> str:
    """Why an item was refused when it left, starting with what changed while it waited."""
    if refusal.rule == "opted_out":
        return f"opted out after it was queued: {refusal.message}"
    if refusal.rule == "whatsapp_window":
        return f"WhatsApp window closed after it was queued: {refusal.message}"
    return f"refused when it left: {refusal.message}"
