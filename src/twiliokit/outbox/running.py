"""A worker assembled from its parts, and run for as long as a ``with`` block lasts.

::

    async with AsyncClient(connection) as client:
        ledger = await open_ledger(url)
        async with running_worker(ledger, client, settings=OutboxSettings()) as worker:
            ...                                   # the worker sends in the background

What ``twiliokit worker`` runs on its own and ``twiliokit serve`` runs beside the service: the
executor (:func:`twiliokit.actions.outbox_requests.execute`) on the client, compliance when
an item leaves (:class:`~twiliokit.compliance.LedgerHooks` on the same ledger), the
reconciler on the client, and the forwarded-webhook delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from twiliokit.actions.outbox_requests import execute
from twiliokit.compliance import ComplianceSettings, LedgerHooks
from twiliokit.http.policies import DEFAULT_RETRY_STATUSES, RetryPolicy
from twiliokit.http.transport import preload_async
from twiliokit.outbox.checks import ComplianceAtLeave
from twiliokit.outbox.overflow import QueueOverflowWatch
from twiliokit.outbox.reconcile import Reconciler
from twiliokit.outbox.settings import OutboxSettings
from twiliokit.outbox.worker import OutboxWorker
from twiliokit.webhooks.forward import ForwardDelivery

if TYPE_CHECKING:
    import httpx

    from twiliokit.client import AsyncClient
    from twiliokit.connections import Connection
    from twiliokit.ledger.outbox_records import OutcomeKind

__all__ = ["WORKER_RETRY", "build_worker", "running_worker", "worker_client"]

#: The worker's client retries what never reached Twilio and 503s, briefly; a 429 comes back
#: to the worker at once, which queues the item again and slows its sender for every worker,
#: rather than holding a concurrency slot through Twilio's Retry-After.
WORKER_RETRY: Final = RetryPolicy(
    statuses=DEFAULT_RETRY_STATUSES - {429}, max_retry_after=2.0, max_delay=5.0
)


def worker_client(
    connection: Connection, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncClient:
    """An ``AsyncClient`` with the worker's retry policy (:data:`WORKER_RETRY`)."""
    from twiliokit.client import AsyncClient

    return AsyncClient(connection, transport=transport, retry=WORKER_RETRY)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@contextlib.asynccontextmanager
async def build_worker(
    ledger: Any,
    client: AsyncClient,
    *,
    settings: OutboxSettings | None = None,
    compliance: ComplianceSettings | None = None,
    status_callback_url: str | None = None,
    forward_transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] = _utcnow,
    owner: str | None = None,
    observe: Callable[[OutcomeKind], None] | None = None,
) -> AsyncIterator[OutboxWorker]:
    """A worker on ``ledger`` (a store that is both a ``LedgerStore`` and an
    ``OutboxStore``, as :func:`twiliokit.ledger.open_ledger` returns) sending with ``client``,
    not started (``run``/``run_until_idle`` it). ``compliance``: the ``[compliance]`` checks
    made again when an item leaves (``None``: the defaults, opt-outs and the WhatsApp window).
    ``now``: the clock for leases, pacing and the rules."""
    settings = settings if settings is not None else OutboxSettings()
    await preload_async()  # its first sends leave on timers: no imports then
    hooks = LedgerHooks(ledger, compliance, status_callback_url=status_callback_url, now=now)
    async with ForwardDelivery(transport=forward_transport) as forwards:
        yield OutboxWorker(
            ledger,
            settings=settings,
            execute=functools.partial(execute, client),
            deliver_forward=forwards.deliver,
            check=ComplianceAtLeave(hooks, now=now),
            reconciler=Reconciler(
                ledger,
                client,
                grace=timedelta(seconds=settings.reconcile_grace_seconds),
                now=now,
            ),
            overflow=QueueOverflowWatch(ledger, ledger),
            now=now,
            owner=owner,
            observe=observe,
        )


@contextlib.asynccontextmanager
async def running_worker(
    ledger: Any, client: AsyncClient, **options: Any
) -> AsyncIterator[OutboxWorker]:
    """:func:`build_worker`, running in the background until the block ends; then it stops
    cleanly (requests in flight finish, unstarted claims are given back)."""
    async with build_worker(ledger, client, **options) as worker:
        task = asyncio.create_task(worker.run(), name=f"outbox-worker-{worker.owner}")
        try:
            yield worker
        finally:
            worker.stop()
            await task
