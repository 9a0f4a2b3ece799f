"""Forward webhook events as signed JSON to other services (n8n, a queue, another agent).

Every event the receiver handles is POSTed to each configured URL as::

    {"id": "<uuid, the same on retries>", "type": "message.received",
     "created_at": "2025-01-01T12:00:00+00:00", "event": {...the event's fields...}}

with ``X-Twiliokit-Signature: sha256=<hex HMAC-SHA256 of the body, keyed by the secret>``,
``X-Twiliokit-Event`` (the type) and ``X-Twiliokit-Delivery`` (the id). Check it with
:func:`verify_forward_signature`, and drop ids you have seen: a delivery may repeat.

Delivery runs in the background and never slows the webhook answer. Failures (network
errors, 408, 425, 429, 5xx) are retried with exponential backoff and jitter, up to
``max_attempts``; other answers are final.

Where the deliveries wait:

- **the outbox** (``twiliokit serve``, or :meth:`Forwarder.use_outbox`): each delivery is an
  outbox item of kind ``forward`` in the ledger, delivered by the outbox workers
  (:class:`ForwardDelivery`) with the same retries. Nothing is dropped: a delivery waits out
  restarts and a dead endpoint, and one that gives up is kept as ``failed`` with the reason.
- **memory** (a ``Forwarder`` on its own): at most ``queue_size`` deliveries wait, and more
  are dropped with a warning.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import logging
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, Final, Protocol, Self
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from twiliokit.ledger.outbox_store import OutboxStore

from twiliokit._closing import AsyncClosing
from twiliokit.errors import ConfigurationError, TwiliokitError
from twiliokit.ledger.outbox_records import (
    NewOutboxItem,
    OutboxItem,
    OutboxKind,
    OutboxOutcome,
    OutcomeKind,
)
from twiliokit.redaction import shown_url
from twiliokit.webhooks.events import Event

__all__ = [
    "SIGNATURE_HEADER",
    "ForwardDelivery",
    "ForwardSettings",
    "Forwarder",
    "event_document",
    "forward_items",
    "retry_delay",
    "should_retry",
    "sign_body",
    "verify_forward_signature",
]

logger = logging.getLogger("twiliokit.webhooks.forward")

SIGNATURE_HEADER: Final = "X-Twiliokit-Signature"
_RETRY_STATUSES: Final = frozenset({408, 425, 429})


@dataclass(frozen=True, slots=True, kw_only=True)
class ForwardSettings:
    """Where to forward events and how hard to try. ``secret`` never shows in ``repr``."""

    urls: tuple[str, ...]
    secret: str = field(repr=False)
    max_attempts: int = 6
    first_delay: float = 0.5
    """Seconds before the first retry; each later one waits twice as long (with jitter)."""
    max_delay: float = 30.0
    timeout: float = 10.0
    queue_size: int = 1000
    workers: int = 4

    def __post_init__(self) -> None:
        given: object = self.urls  # a lone string is one URL, not characters
        urls = (given,) if isinstance(given, str) else tuple(self.urls)
        object.__setattr__(self, "urls", urls)
        for url in urls:
            parts = urlsplit(url) if isinstance(url, str) else None
            if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ConfigurationError(
                    "each forward URL must be an http(s) URL",
                    field="forward_urls",
                    hint="e.g. https://n8n.example.com/webhook/twilio",
                )
        if not isinstance(self.secret, str) or len(self.secret) < 16:
            raise ConfigurationError(
                "the forward secret must be at least 16 characters",
                field="forward_secret",
                hint="Generate one: python -c 'import secrets; print(secrets.token_hex(32))'",
            )
        for name, minimum in (("max_attempts", 1), ("queue_size", 1), ("workers", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ConfigurationError(f"{name} must be an integer >= {minimum}", field=name)
        for name in ("first_delay", "max_delay", "timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigurationError(f"{name} must be a positive number", field=name)


def sign_body(body: bytes, secret: str) -> str:
    """The ``X-Twiliokit-Signature`` value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_forward_signature(body: bytes, signature: str | None, secret: str) -> bool:
    """Whether ``signature`` (the header) is the HMAC of ``body`` with ``secret``. Never raises."""
    if not isinstance(signature, str) or not isinstance(body, bytes | bytearray):
        return False
    try:
        expected = sign_body(bytes(body), secret).encode()
        return hmac.compare_digest(expected, signature.strip().encode())
    except (TypeError, ValueError, UnicodeError):
        return False


def should_retry(status: int | None) -> bool:
    """Whether a delivery that got ``status`` (``None``: no answer) is worth trying again."""
    return status is None or status >= 500 or status in _RETRY_STATUSES


class _Backoff(Protocol):
    @property
    def first_delay(self) -> float: ...
    @property
    def max_delay(self) -> float: ...


def retry_delay(attempt: int, settings: _Backoff, jitter: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    ``first_delay * 2**(attempt-1)`` capped at ``max_delay``, times ``jitter`` (0.9 to 1.1 is
    what the forwarder passes: ±10 %, so retries of many failed deliveries spread out).
    """
    base = min(settings.max_delay, settings.first_delay * 2 ** max(0, attempt - 1))
    return float(base * jitter)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name.rstrip("_"): _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def event_document(event: Event, *, delivery_id: str, created_at: datetime) -> dict[str, Any]:
    """The JSON document forwarded for ``event`` (``from_`` is spelt ``from``)."""
    return {
        "id": delivery_id,
        "type": event.kind,
        "created_at": created_at.isoformat(),
        "event": _jsonable(event),
    }


def _encoded(event: Event, created_at: datetime) -> tuple[str, bytes]:
    """A new delivery id and the JSON body forwarded for ``event``."""
    delivery_id = str(uuid.uuid4())
    document = event_document(event, delivery_id=delivery_id, created_at=created_at)
    return delivery_id, json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _headers(body: bytes, secret: str, kind: str, delivery_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign_body(body, secret),
        "X-Twiliokit-Event": kind,
        "X-Twiliokit-Delivery": delivery_id,
        "User-Agent": "twiliokit-forwarder",
    }


def forward_items(event: Event, settings: ForwardSettings, *, now: datetime) -> list[NewOutboxItem]:
    """The outbox items that forward ``event``: one per URL, signed now (the secret is not
    stored, only the signature), with the retry policy they are delivered under."""
    delivery_id, body = _encoded(event, now)
    headers = _headers(body, settings.secret, event.kind, delivery_id)
    return [
        NewOutboxItem(
            id="OB" + uuid.uuid4().hex,
            kind=OutboxKind.FORWARD,
            action="forward",
            sender=urlsplit(url).hostname or url,
            to=shown_url(url),
            request={
                "url": url,
                "headers": headers,
                "body": body.decode(),
                "max_attempts": settings.max_attempts,
                "first_delay": settings.first_delay,
                "max_delay": settings.max_delay,
                "timeout": settings.timeout,
            },
            created_at=now,
            not_before=now,
        )
        for url in settings.urls
    ]


@dataclass(frozen=True, slots=True)
class _StoredPolicy:
    """The retry policy a stored delivery carries (``ForwardSettings`` when it was queued)."""

    max_attempts: int
    first_delay: float
    max_delay: float
    timeout: float

    @classmethod
    def of(cls, request: Mapping[str, Any]) -> _StoredPolicy:
        defaults = _DEFAULT_POLICY
        return cls(
            max_attempts=int(request.get("max_attempts", defaults.max_attempts)),
            first_delay=float(request.get("first_delay", defaults.first_delay)),
            max_delay=float(request.get("max_delay", defaults.max_delay)),
            timeout=float(request.get("timeout", defaults.timeout)),
        )


# ForwardSettings' own defaults (its fields), for a stored delivery that names none.
_DEFAULTS: Final[dict[str, Any]] = {
    spec.name: spec.default for spec in dataclasses.fields(ForwardSettings)
}
_DEFAULT_POLICY: Final = _StoredPolicy(
    max_attempts=_DEFAULTS["max_attempts"],
    first_delay=_DEFAULTS["first_delay"],
    max_delay=_DEFAULTS["max_delay"],
    timeout=_DEFAULTS["timeout"],
)


class ForwardDelivery(AsyncClosing):
    """Delivers the outbox's ``forward`` items (what an outbox worker calls): one POST each;
    2xx is ``sent``, a failure worth retrying is tried again later (backoff with jitter) up
    to the item's ``max_attempts``, anything else ``failed`` with the reason. Use
    ``async with`` (or ``aclose``)."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = httpx.AsyncClient(transport=transport, follow_redirects=False)
        self._random = random.Random()  # noqa: S311 - jitter, not security

    def __repr__(self) -> str:
        return "ForwardDelivery()"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def deliver(self, item: OutboxItem, now: datetime) -> OutboxOutcome:
        """POST the stored delivery once; its outcome (``now``: when it was started)."""
        request = item.request
        policy = _StoredPolicy.of(request)
        attempt = item.attempts + 1
        url = str(request["url"])
        status: int | None = None
        try:
            response = await self._client.post(
                url,
                content=str(request["body"]).encode(),
                headers=dict(request.get("headers") or {}),
                timeout=policy.timeout,
            )
            status = response.status_code
            problem = f"HTTP {status}"
        except httpx.HTTPError as exc:
            problem = type(exc).__name__
        if status is not None and status < 300:
            return OutboxOutcome(kind=OutcomeKind.SENT, at=now, twilio_status=str(status))
        if should_retry(status) and attempt < policy.max_attempts:
            delay = retry_delay(attempt, policy, self._random.uniform(0.9, 1.1))
            return OutboxOutcome(
                kind=OutcomeKind.RETRY,
                at=now,
                retry_at=now + timedelta(seconds=delay),
                reason=f"forwarding to {shown_url(url)} failed ({problem}); attempt {attempt}",
            )
        return OutboxOutcome(
            kind=OutcomeKind.FAILED,
            at=now,
            reason=f"gave up forwarding to {shown_url(url)} after {attempt} attempt(s): {problem}",
        )


@dataclass(slots=True)
class _Job:
    url: str
    body: bytes
    delivery_id: str
    kind: str
    attempt: int = 0


class Forwarder(AsyncClosing):
    """Delivers events in the background; use ``async with`` (or ``start``/``aclose``)."""

    def __init__(
        self,
        settings: ForwardSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._queue: asyncio.Queue[_Job] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._unfinished = 0
        self._idle: asyncio.Event | None = None
        self._random = random.Random()  # noqa: S311 - jitter, not security
        self._store: OutboxStore | None = None
        self._enqueueing: set[asyncio.Task[None]] = set()
        self.delivered = 0
        self.failed = 0
        self.dropped = 0

    def __repr__(self) -> str:
        urls = ", ".join(shown_url(u) for u in self.settings.urls)
        return f"Forwarder([{urls}], delivered={self.delivered}, failed={self.failed})"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def start(self) -> None:
        """Start the delivery workers (on the running event loop)."""
        if self._queue is not None:
            return
        self._client = httpx.AsyncClient(
            transport=self._transport, timeout=self.settings.timeout, follow_redirects=False
        )
        self._queue = asyncio.Queue(self.settings.queue_size)
        self._idle = asyncio.Event()
        self._idle.set()
        self._workers = [
            asyncio.create_task(self._work(), name=f"twiliokit-forward-{n}")
            for n in range(self.settings.workers)
        ]

    def use_outbox(self, store: OutboxStore) -> None:
        """Queue deliveries in the outbox of ``store`` (the ledger) from now on: durable,
        delivered by the outbox workers, never dropped (see the module docstring)."""
        self._store = store

    def submit(self, event: Event) -> bool:
        """Queue ``event`` for every URL; ``False`` (and a warning) when the in-memory queue
        is full (the outbox is never full)."""
        if self._queue is None and self._store is None:
            raise RuntimeError("the forwarder is not started: use 'async with Forwarder(...)'")
        if self._store is not None:
            return self._submit_to_outbox(event, self._store)
        delivery_id, body = _encoded(event, datetime.now(UTC))
        accepted = True
        for url in self.settings.urls:
            accepted = self._enqueue(_Job(url, body, delivery_id, event.kind)) and accepted
        return accepted

    async def join(self) -> None:
        """Wait until every queued delivery has succeeded or been given up (with the outbox:
        until every delivery is recorded in it)."""
        while self._enqueueing:
            await asyncio.gather(*list(self._enqueueing), return_exceptions=True)
        if self._idle is not None:
            await self._idle.wait()

    def _submit_to_outbox(self, event: Event, store: OutboxStore) -> bool:
        items = forward_items(event, self.settings, now=datetime.now(UTC))
        # The receiver calls this from synchronous code after the event is recorded; the
        # write is awaited by join()/aclose(), so a clean shutdown loses none.
        task = asyncio.get_running_loop().create_task(self._record(store, items))
        self._enqueueing.add(task)
        task.add_done_callback(self._enqueueing.discard)
        return True

    async def _record(self, store: OutboxStore, items: list[NewOutboxItem]) -> None:
        try:
            await store.enqueue(items)
        except TwiliokitError as exc:
            self.dropped += len(items)
            logger.warning(
                "could not queue %d event deliveries in the outbox: %s", len(items), exc.message
            )

    async def aclose(self, *, drain_timeout: float = 5.0) -> None:
        """Finish what is queued (up to ``drain_timeout`` seconds), then stop. Deliveries in
        the outbox stay there for the workers."""
        while self._enqueueing:
            await asyncio.gather(*list(self._enqueueing), return_exceptions=True)
        if self._queue is None:
            return
        try:
            await asyncio.wait_for(self.join(), drain_timeout)
        except TimeoutError:
            logger.warning(
                "stopping with %d event deliveries unfinished; they are dropped",
                self._unfinished,
            )
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        self._queue = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _enqueue(self, job: _Job) -> bool:
        assert self._queue is not None
        assert self._idle is not None
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            self.dropped += 1
            logger.warning(
                "forward queue full (%d waiting): dropped %s %s to %s",
                self.settings.queue_size,
                job.kind,
                job.delivery_id,
                shown_url(job.url),
            )
            return False
        self._unfinished += 1
        self._idle.clear()
        return True

    def _finished(self) -> None:
        assert self._idle is not None
        self._unfinished -= 1
        if self._unfinished == 0:
            self._idle.set()

    async def _work(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            job = await queue.get()
            try:
                await self._attempt(job)
            finally:
                queue.task_done()

    async def _attempt(self, job: _Job) -> None:
        assert self._client is not None
        job.attempt += 1
        status: int | None = None
        try:
            response = await self._client.post(
                job.url,
                content=job.body,
                headers=_headers(job.body, self.settings.secret, job.kind, job.delivery_id),
            )
            status = response.status_code
            problem = f"HTTP {status}"
        except httpx.HTTPError as exc:
            problem = type(exc).__name__
        if status is not None and status < 300:
            self.delivered += 1
            self._finished()
            return
        if not should_retry(status) or job.attempt >= self.settings.max_attempts:
            self.failed += 1
            logger.warning(
                "gave up forwarding %s %s to %s after %d attempt(s): %s",
                job.kind,
                job.delivery_id,
                shown_url(job.url),
                job.attempt,
                problem,
            )
            self._finished()
            return
        delay = retry_delay(job.attempt, self.settings, self._random.uniform(0.9, 1.1))
        logger.info(
            "forwarding %s to %s failed (%s); retry %d in %.1fs",
            job.kind,
            shown_url(job.url),
            problem,
            job.attempt,
            delay,
        )
        self._schedule(job, delay)

    def _schedule(self, job: _Job, delay: float) -> None:
        # A timer, not a sleeping worker: a dead endpoint must not hold up the others.
        loop = asyncio.get_running_loop()

        def requeue() -> None:
            self._timers.discard(handle)
            assert self._queue is not None
            try:
                self._queue.put_nowait(job)
            except asyncio.QueueFull:
                self.dropped += 1
                logger.warning("forward queue full: dropped a retry of %s", job.delivery_id)
                self._finished()

        handle = loop.call_later(delay, requeue)
        self._timers.add(handle)
