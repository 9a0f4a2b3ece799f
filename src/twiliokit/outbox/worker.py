"""``OutboxWorker``: sends what the outbox holds, at each sender's pace, and reconciles what a
crash left in doubt.

One loop, on asyncio::

    claim_due (leases + pacing slots, decided by the database), up to three items per
    request slot (``concurrency``): one out, two ready, so a slot that frees is refilled at
    once
      -> compliance again, once for all the items claimed (one ledger read per rule): a STOP
         or a closed WhatsApp window since it was queued refuses an item; quiet hours defer
         it to their end
      -> for each item, in its own task, a quarter of a second before its slot (less while
         the account's request slots run short: ``MarkLead``): start_request (counted
         against ``max_in_flight`` across every worker, in the database; all taken: in this
         worker's ``AccountLine``, handed a slot by the next of its requests to end) -> wait
         for the slot (an item reached late takes a fresh slot instead) -> a request lane of
         this worker (``concurrency``) -> the request -> the lane freed -> the answer
         recorded, finish (sent / failed / retry / unknown); a 429, 20429 or 30001 slows its
         sender for every worker. An item whose slot has already come takes its lane before
         start_request instead. The lease is renewed while the worker holds the item.
    every few seconds: expire_leases (claims of dead workers: back to queued, or unknown if
    their request had started), reconcile unknown items against Twilio, slow senders whose
    messages failed with 30001 since, give new senders their pace.

Only the request holds a lane: the waits and the ledger writes before and after it run beside
the other requests, so ``concurrency`` requests are out nearly all the time.

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
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from twiliokit.compliance import rules
from twiliokit.errors import StorageError, TwiliokitError
from twiliokit.ledger.outbox_records import (
    ClaimedItem,
    OutboxClaim,
    OutboxItem,
    OutboxKind,
    OutboxOutcome,
    OutcomeKind,
    SenderPace,
)
from twiliokit.ledger.outbox_store import OutboxStore, StartMark
from twiliokit.outbox import lead
from twiliokit.outbox.account_line import AccountLine
from twiliokit.outbox.lanes import RequestLanes
from twiliokit.outbox.outcomes import Verdict, outcome_of_answer, outcome_of_error
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
#: The most an item is marked started before its slot (``MarkLead`` judges how long): the
#: ledger write then never delays the request (80-90 ms median on a loaded machine, more at
#: p99), which would bunch late items. A worker killed in between leaves it unknown, and
#: reconciliation finds it absent. Also how far ahead an idle sender's schedule may start.
MARK_AHEAD: Final = lead.MOST
#: The shortest interval of a sender whose late items take a fresh slot
#: (``OutboxWorker._too_late``).
LATE_FLOOR: Final = timedelta(milliseconds=10)
#: How often an idle worker looks for due items.
POLL_INTERVAL: Final = 0.25
#: How long an item waits before asking again when ``max_in_flight`` requests are out (unless
#: one of this worker's own requests hands its slot over first).
FULL_RETRY: Final = 0.02
#: Items a worker holds claimed per request slot: the one out and two ready to leave (a
#: claim costs about as much for one item as for eight, so claims wait until one per slot
#: can be taken, while those ready keep every slot busy).
CLAIMS_PER_SLOT: Final = 3
#: The rate of a sender the worker has not paced yet (the slowest default: never too fast).
FALLBACK_RATE: Final = 1.0

#: Sends one Twilio request: ``(kind, request)`` -> Twilio's answer (raises ``twiliokit.errors``).
Execute = Callable[[str, dict[str, Any]], Awaitable[Any]]
#: Delivers one forwarded webhook item; its outcome.
DeliverForward = Callable[[OutboxItem, datetime], Awaitable[OutboxOutcome]]


class LeaveCheck(Protocol):
    """Compliance when an item leaves, and the ledger told how it went
    (:class:`twiliokit.outbox.checks.ComplianceAtLeave`)."""

    async def refusals(self, items: Sequence[OutboxItem]) -> list[rules.Refusal | None]: ...

    def resume_at(self, item: OutboxItem, refusal: rules.Refusal) -> datetime | None: ...

    async def sent(self, item: OutboxItem, answer: Any) -> None: ...

    async def failed(self, item: OutboxItem, error: Exception) -> None: ...


_NOT_SENT: Final = object()
"""What :meth:`OutboxWorker._leave` answers when no request left."""


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
        self._stopped: asyncio.Future[None] | None = None  # ``_stopping``
        self._tasks: set[asyncio.Task[None]] = set()
        self._lanes: RequestLanes[OutboxItem, StartMark] = RequestLanes(self.settings.concurrency)
        # This worker's items waiting for one of the account's request slots: each request
        # of this worker that ends hands its slot to the first (``hand_over``).
        self._account_line: AccountLine[OutboxItem, StartMark] = AccountLine()
        self._paced: set[str] = set()
        self._claims_short_until: datetime | None = None  # see ``_claims_rest``
        self._lead = lead.MarkLead()
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
        if self._stopped is not None and not self._stopped.done():
            self._stopped.set_result(None)

    @property
    def _stopping(self) -> asyncio.Future[None]:
        """Done once the worker is asked to stop: one future that every wait of the worker
        watches (``asyncio.wait`` takes it as it is), not a task per wait around
        ``Event.wait`` (each item waits two or three times, and one waiting for the account
        every 20 ms)."""
        if self._stopped is None:
            self._stopped = asyncio.get_running_loop().create_future()
            if self._stop.is_set():
                self._stopped.set_result(None)
        return self._stopped

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
                if claimed and len(self._tasks) < self._claim_room:
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

    @property
    def _claim_room(self) -> int:
        return CLAIMS_PER_SLOT * self.settings.concurrency

    async def _claim(self) -> int:
        free = self._claim_room - len(self._tasks)
        if free < self.settings.concurrency or not self.kinds or self._claims_rest():
            return 0
        cap = self.settings.max_in_flight
        try:
            claimed = await self.store.claim_due(
                OutboxClaim(
                    owner=self.owner,
                    now=self._now(),
                    lease=self.lease,
                    limit=free,
                    horizon=CLAIM_HORIZON,
                    # Claimed items of every worker: those out, and as many ready behind them.
                    max_in_flight=None if cap is None else CLAIMS_PER_SLOT * cap,
                    kinds=self.kinds,
                    default_rate=FALLBACK_RATE,
                    lead=MARK_AHEAD,
                )
            )
        except StorageError as exc:
            logger.warning("cannot claim outbox items, trying again soon: %s", exc.message)
            return 0
        self._claims_short_until = (
            self._now() + timedelta(seconds=POLL_INTERVAL) if len(claimed) < free else None
        )
        try:
            refusals = await self._refusals([claim.item for claim in claimed])
        except StorageError as exc:
            # Nothing leaves unchecked: the claims go back to the queue when their leases end.
            logger.warning("cannot check compliance again; claims left to expire: %s", exc.message)
            return 0
        for claim, refusal in zip(claimed, refusals, strict=True):
            task = asyncio.create_task(self._handle(claim, refusal), name=f"outbox-{claim.item.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    def _claims_rest(self) -> bool:
        """Whether claims wait for the poll interval: the last one came back short (nothing
        more due, or every worker's claimed items at their limit) and this worker holds more
        items than it has lanes. Tried again as each item ended instead, the claims of several
        workers raced for the one or two items freed: with four workers, 1,100 claims for 800
        items, half of them empty (docs/benchmarks.md)."""
        return (
            self._claims_short_until is not None
            and self._now() < self._claims_short_until
            and len(self._tasks) > self.settings.concurrency
        )

    async def _pause(self) -> None:
        """Until the poll interval passes, an item finishes, or the worker is stopped."""
        await asyncio.wait(
            {self._stopping, *self._tasks},
            timeout=POLL_INTERVAL,
            return_when=asyncio.FIRST_COMPLETED,
        )

    async def _finish_in_flight(self) -> None:
        self.stop()  # items still waiting for their slot give their claim back
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- one item ----------------------------------------------------------------------------

    async def _handle(self, claim: ClaimedItem, refusal: rules.Refusal | None) -> None:
        item = claim.item
        # The lease is renewed for as long as the worker holds the item, waits included: a
        # wait longer than the lease must not let another worker send it too.
        renewing = asyncio.create_task(self._renew_lease(item.id))
        try:
            if refusal is not None:
                await self._refuse_or_defer(item, refusal)
                return
            late = await self._wait_to_mark(claim.leave_at)
            if late is None:
                await self._finish(item, self._released("the worker stopped before it left"))
                return
            answer = await self._leave(item, claim.leave_at, renewing, late=late)
            if answer is _NOT_SENT:
                return
            outcome, record = self._judge(item, answer)
            # The finish and the ledger record go together, so that the runner commits them in
            # one transaction; with the lane and the request slot handed to the next item
            # when one waits to be started (see RequestLanes).
            waiting = self._account_line.pass_on(self._now())
            if waiting is not None:
                self._lanes.release()  # the item waiting for the account holds no lane
            else:
                waiting = self._lanes.pass_on()
            if waiting is None:
                await asyncio.gather(self._finish(item, outcome), *record)
            else:
                await asyncio.gather(self._hand_over(item, outcome, *waiting), *record)
        except StorageError as exc:
            # The lease runs out and another worker (or reconciliation) takes it from there.
            logger.warning("%s: the outbox database failed: %s", item.id, exc.message)
        except Exception:  # a bug must not kill the worker; the lease decides what follows
            logger.exception("%s: unexpected failure while sending", item.id)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _leave(
        self, item: OutboxItem, slot: datetime, renewing: asyncio.Task[None], *, late: float
    ) -> Any:
        """Started, at its slot, on a lane, the request: its answer (the lane still held), or
        ``_NOT_SENT`` (no lane held: the lease lost, or the item given back). ``late``: how
        long after its mark was due the worker got to it (seconds).

        An item whose slot is still ahead is marked started now, without a lane, and takes
        one at its slot: the lanes bound the requests out, not the waits before them (at
        100/s, a quarter of a second ahead is 25 items). One whose slot has come takes a lane
        first (:meth:`_ask_on_lane`). One marked too late (:meth:`_too_late`) takes a fresh
        slot and gives its mark and its lane back while it waits for it (``reslot``): held
        for the second or two until then, they kept requests of items on time waiting. It is
        marked again just before its fresh slot (``MarkLead.just_in_time``)."""
        on_lane = answered = reslotted = False
        try:
            while True:
                mark, on_lane = await self._mark(item, slot, late=late)
                if mark is not StartMark.STARTED or reslotted or not self._too_late(item, slot):
                    break
                if on_lane:
                    self._lanes.release()
                    on_lane = False
                fresh = await self.store.reslot(
                    item.id,
                    item.sender,
                    owner=self.owner,
                    now=self._now(),
                    default_rate=self.settings.rate_for(item.sender),
                )
                if fresh is None:
                    mark = StartMark.LOST
                    break
                slot, reslotted = fresh, True
                # Marked ahead as any item is, but only as long before its fresh slot as marks
                # take here: marked at the slot, it left late by its mark's commit (5-30 ms),
                # bunched with the items on time after it; marked the longest lead ahead, a
                # worker killed meanwhile left more items in doubt. It leaves however late
                # its mark is: judged late again, it could take slot after slot.
                rested = await self._wait_to_mark(slot, ahead=self._lead.just_in_time)
                if rested is None:
                    mark = None
                    break
                late = rested
            if mark is StartMark.LOST:
                logger.info(
                    "%s: no longer this worker's before it left (its batch was canceled, or "
                    "another worker has it)",
                    item.id,
                )
                return _NOT_SENT
            if mark is None or not await self._wait_for_slot(slot):
                # This worker knows nothing left: the item goes back, not unknown.
                await self._finish(item, self._released("the worker stopped before it left"))
                return _NOT_SENT
            if not on_lane:
                await self._lanes.take(item, started=True)
                on_lane = True
            if renewing.done():  # a lease lost while it waited: another worker has the item
                return _NOT_SENT
            answer = await self._send(item)
            answered = True
            return answer
        finally:
            if on_lane and not answered:
                self._lanes.release()

    async def _mark(
        self, item: OutboxItem, slot: datetime, *, late: float
    ) -> tuple[StartMark | None, bool]:
        """Mark the item started: ahead of its slot (:meth:`_start`), or on a lane once its
        slot has come (:meth:`_ask_on_lane`); the mark, and whether a lane is held."""
        if slot > self._now():
            return await self._start(item, late=late), False
        return await self._ask_on_lane(item)

    async def _wait_to_mark(
        self, slot: datetime, *, ahead: timedelta | None = None
    ) -> float | None:
        """Wait until the item is to be marked started, ``ahead`` of its slot (by default as
        ``MarkLead`` judges); how late the worker got there (seconds), or ``None`` when it
        stopped first. The lead is read at the longest lead before the slot, not when the item
        was claimed (up to two seconds earlier)."""
        began = self._now()
        if not await self._wait_for_slot(slot - MARK_AHEAD):
            return None
        mark_at = slot - (self._lead.ahead if ahead is None else ahead)
        if not await self._wait_for_slot(mark_at):
            return None
        return (self._now() - max(mark_at, began)).total_seconds()

    async def _ask_on_lane(self, item: OutboxItem) -> tuple[StartMark | None, bool]:
        """For an item whose slot has come: a lane, then the account's request slot (or both
        handed over by a request that ended), so that a worker never holds more of the
        account's slots than it has lanes to send on. The mark, and whether a lane is held:
        while the account's slots are all taken the item waits without its lane, since items
        started ahead hold account slots and wait for lanes (holding both ways, each would
        wait for the other for good)."""
        handed = await self._lanes.take(item)
        try:
            mark = handed if handed is not None else await self._ask(item)
        except BaseException:
            self._lanes.release()
            raise
        if mark is not StartMark.FULL:
            return mark, True
        self._lanes.release()
        return await self._wait_for_account(item), False

    async def _start(self, item: OutboxItem, *, late: float) -> StartMark | None:
        """Mark the item started, within ``max_in_flight``; ``None``: the worker stopped
        while every request slot of the account was taken. While they are, one item of this
        worker at a time asks again every ``FULL_RETRY``, unless the next request of this
        worker to end hands its slot over first (:meth:`_hand_over`). How long the first ask
        took, with ``late``, sets how far ahead the next items are marked (``MarkLead``)."""
        began = self._now()
        mark = await self._ask(item)
        self._lead.observe(late + (self._now() - began).total_seconds())
        if mark is not StartMark.FULL:
            return mark
        return await self._wait_for_account(item)

    async def _wait_for_account(self, item: OutboxItem) -> StartMark | None:
        """:meth:`_start` once the account's request slots were all taken: in this worker's
        line for them (``AccountLine``), never on a lane. A request of this worker that ends
        hands its slot to the first in line; the first in line also asks the database, every
        ``FULL_RETRY`` while this worker has no request out, five times less often while it
        has, and not while its requests keep handing slots over."""
        handed = self._account_line.join(item)
        try:
            while True:
                first = self._account_line.asks(handed)
                wakers: set[asyncio.Future[Any]] = {self._stopping, handed}
                await asyncio.wait(
                    wakers,
                    timeout=FULL_RETRY * (1 if first and not self._lanes.busy else 5),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if not handed.done() and not self._account_line.holds(handed):
                    await handed  # a request that ended is handing its slot over
                if handed.done():
                    mark = handed.result()
                    if mark is not None:
                        return mark
                    # The hand-over failed: it asks for itself.
                elif self._stop.is_set():
                    return None
                elif not self._account_line.asks(handed) or self._account_line.handed_lately(
                    self._now(), timedelta(seconds=FULL_RETRY * 5)
                ):
                    continue
                else:
                    self._account_line.leave(handed)  # no hand-over while it asks
                if self._stop.is_set():
                    return None
                mark = await self._ask(item)
                if mark is not StartMark.FULL:
                    return mark
                handed = self._account_line.join(item, first=True)
        finally:
            self._account_line.leave(handed)

    async def _ask(self, item: OutboxItem) -> StartMark:
        mark = await self.store.start_request(
            item.id, owner=self.owner, at=self._now(), max_in_flight=self.settings.max_in_flight
        )
        if mark is StartMark.FULL:
            self._lead.full()
        return mark

    async def _hand_over(
        self,
        item: OutboxItem,
        outcome: OutboxOutcome,
        waiting: OutboxItem,
        handed: asyncio.Future[StartMark | None],
    ) -> None:
        """Finish ``item`` and start ``waiting`` in one transaction (see ``hand_over``). If
        the ledger fails, ``waiting`` keeps the lane and asks for itself."""
        try:
            recorded, mark = await self.store.hand_over(
                item.id, outcome, owner=self.owner, to=waiting.id, at=self._now()
            )
        except BaseException:
            handed.set_result(None)
            raise
        handed.set_result(mark)
        await self._finished(item, outcome, recorded=recorded)

    async def _refusals(self, items: Sequence[OutboxItem]) -> list[rules.Refusal | None]:
        """Compliance again, now that they leave: one refusal (or ``None``) per item, decided
        for the whole claim at once."""
        found: list[rules.Refusal | None] = [None] * len(items)
        if self.check is None:
            return found
        checked = [i for i, item in enumerate(items) if item.kind != OutboxKind.FORWARD]
        if not checked:
            return found
        refusals = await self.check.refusals([items[i] for i in checked])
        for i, refusal in zip(checked, refusals, strict=True):
            found[i] = refusal
        return found

    async def _refuse_or_defer(self, item: OutboxItem, refusal: rules.Refusal) -> None:
        """Finish an item compliance refused when it left, or requeue it (quiet hours)."""
        assert self.check is not None
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

    def _too_late(self, item: OutboxItem, slot: datetime) -> bool:
        """Whether an item, once marked started, is more than one interval past its slot (a
        busy event loop, every request slot taken): it then takes a fresh slot instead of
        leaving at once, so the items reached late do not leave together, over the sender's
        rate. Lateness is judged before the wait for the slot only: judged again after it, a
        timer the event loop ran late costs the sender the slot it missed (docs/benchmarks.md).
        Never for a sender faster than 1 / ``LATE_FLOOR``: an event loop is not that precise,
        and a fresh slot would cost each item a ledger write."""
        if item.kind == OutboxKind.FORWARD:
            return False
        interval = 1 / self.settings.rate_for(item.sender)
        if interval < LATE_FLOOR.total_seconds():
            return False
        return self._now() - slot > timedelta(seconds=interval)

    async def _wait_for_slot(self, leave_at: datetime) -> bool:
        """Sleep until the item's pacing slot; ``False`` when the worker stops first."""
        delay = (leave_at - self._now()).total_seconds()
        if delay <= 0:
            return not self._stop.is_set()
        await asyncio.wait({self._stopping}, timeout=delay)
        return not self._stop.is_set()

    async def _send(self, item: OutboxItem) -> Any:
        """The request: Twilio's answer, the error it raised, or a forward's outcome.
        Nothing else holds the request slot."""
        if item.kind == OutboxKind.FORWARD:
            assert self.deliver_forward is not None
            return await self.deliver_forward(item, self._now())
        assert self.execute is not None
        try:
            return await self.execute(str(item.kind), dict(item.request))
        except (TwiliokitError, OSError) as error:
            return error

    def _judge(self, item: OutboxItem, answer: Any) -> tuple[OutboxOutcome, list[Awaitable[None]]]:
        """The outcome of a request's answer (or error), and what records it besides: the
        ledger told, a sender that Twilio said is too fast slowed down."""
        if isinstance(answer, OutboxOutcome):  # a forward's
            return answer, []
        if isinstance(answer, (TwiliokitError, OSError)):
            verdict = outcome_of_error(answer, now=self._now(), attempts=item.attempts + 1)
        else:
            verdict = outcome_of_answer(answer, now=self._now())
        return verdict.outcome, [self._record(item, answer, verdict)]

    async def _record(self, item: OutboxItem, answer: Any, verdict: Verdict) -> None:
        if self.check is not None:
            if isinstance(answer, Exception):
                await self.check.failed(item, answer)
            else:
                await self.check.sent(item, answer)
        if verdict.slow_until is not None:
            next_at = verdict.outcome.retry_at or self._now()
            await self.store.slow_sender(item.sender, until=verdict.slow_until, next_at=next_at)
            logger.warning("%s slowed down until %s", item.sender, f"{verdict.slow_until:%T}")

    async def _renew_lease(self, item_id: str) -> None:
        """Renew the item's lease every third of it; returns once it was lost."""
        every = self.settings.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            until = self._now() + self.lease
            try:
                kept = await self.store.extend_lease(item_id, owner=self.owner, until=until)
            except StorageError as exc:
                logger.warning("%s: cannot renew its lease, trying again: %s", item_id, exc.message)
                continue
            if not kept:
                logger.warning("%s: lease lost while this worker held it", item_id)
                return

    def _released(self, why: str) -> OutboxOutcome:
        now = self._now()
        return OutboxOutcome(kind=OutcomeKind.RETRY, at=now, retry_at=now, reason=why)

    async def _finish(self, item: OutboxItem, outcome: OutboxOutcome) -> None:
        recorded = await self.store.finish(item.id, outcome, owner=self.owner)
        await self._finished(item, outcome, recorded=recorded)

    async def _finished(self, item: OutboxItem, outcome: OutboxOutcome, *, recorded: bool) -> None:
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
