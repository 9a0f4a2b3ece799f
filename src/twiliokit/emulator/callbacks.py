"""Webhooks and callbacks the emulator sends, signed as Twilio signs them.

Form-encoded POST (or GET with the parameters in the query), ``X-Twilio-Signature`` over the URL
and the sorted parameters with the account's auth token, ``I-Twilio-Idempotency-Token``,
``User-Agent: TwilioProxy/1.1``. JSON-bodied webhooks (Verify) add ``bodySHA256`` to the URL and
sign the URL alone. Connection overrides in the URL fragment (``#rc=2&rp=5xx``) are honoured for
retries and never sent. Every delivery is recorded for ``GET /_emulator/webhooks``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from twiliokit.emulator.clock import VirtualClock
from twiliokit.emulator.config import EmulatorConfig
from twiliokit.webhooks.signature import body_sha256, compute_signature

USER_AGENT = "TwilioProxy/1.1"


@dataclass
class WebhookRecord:
    """One webhook or callback the emulator made, with what came back."""

    id: int
    kind: str
    method: str
    url: str
    params: list[tuple[str, str]]
    json_body: Any
    headers: dict[str, str]
    at: str
    status: int | None = None
    response_body: str | None = None
    error: str | None = None
    attempts: int = 0
    duration_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["params"] = [list(pair) for pair in self.params]
        return data


@dataclass(frozen=True)
class _Overrides:
    """Twilio's connection overrides from the URL fragment (``#ct=..&rt=..&rc=..&rp=..``)."""

    retries: int = 1
    policy: frozenset[str] = field(default_factory=lambda: frozenset({"ct"}))
    timeout: float | None = None

    @classmethod
    def parse(cls, fragment: str, default_timeout: float) -> _Overrides:
        values = dict(parse_qsl(fragment))
        try:
            retries = max(0, min(5, int(values.get("rc", "1"))))
            total_ms = values.get("tt") or values.get("rt")
            timeout = min(default_timeout, int(total_ms) / 1000) if total_ms else default_timeout
        except ValueError:
            return cls(timeout=default_timeout)
        policy = frozenset(p.strip() for p in values.get("rp", "ct").split(",") if p.strip())
        return cls(retries=retries, policy=policy, timeout=timeout)

    def retry_on(self, status: int | None, connect_failed: bool) -> bool:
        if "all" in self.policy:
            return True
        if connect_failed:
            return "ct" in self.policy
        if status is None:
            return "rt" in self.policy
        return (status >= 500 and "5xx" in self.policy) or (
            400 <= status < 500 and "4xx" in self.policy
        )


class WebhookDispatcher:
    """Sends signed webhooks and keeps a record of each."""

    def __init__(self, config: EmulatorConfig, clock: VirtualClock) -> None:
        self._config = config
        self._clock = clock
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[WebhookRecord]] = set()
        self.records: list[WebhookRecord] = []

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._config.webhook_transport,
                timeout=self._config.webhook_timeout,
                follow_redirects=False,
            )
        return self._client

    def reset(self) -> None:
        self.records = []

    async def send_form(
        self,
        *,
        kind: str,
        url: str,
        params: list[tuple[str, str]],
        auth_token: str,
        method: str = "POST",
    ) -> WebhookRecord:
        """Send a form-encoded (POST) or query-string (GET) webhook and wait for the answer."""
        target, fragment = _split_fragment(url)
        method = method.upper() if method.upper() in {"GET", "POST"} else "POST"
        if method == "GET":
            target = _append_query(target, params)
            signature = compute_signature(target, [], auth_token)
            content: bytes | None = None
        else:
            signature = compute_signature(target, params, auth_token)
            content = urlencode(params).encode()
        headers = self._headers(signature)
        if content is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        record = self._record(
            kind, method, target, params if method == "POST" else [], None, headers
        )
        await self._deliver(record, content, fragment)
        return record

    async def send_json(self, *, kind: str, url: str, body: Any, auth_token: str) -> WebhookRecord:
        """Send a JSON-bodied webhook: ``bodySHA256`` joins the URL and the URL alone is signed."""
        target, fragment = _split_fragment(url)
        content = json.dumps(body, separators=(",", ":")).encode()
        target = _append_query(target, [("bodySHA256", body_sha256(content))])
        headers = self._headers(compute_signature(target, [], auth_token))
        headers["Content-Type"] = "application/json"
        record = self._record(kind, "POST", target, [], body, headers)
        await self._deliver(record, content, fragment)
        return record

    def fire(self, coro: Any) -> None:
        """Run a delivery in the background (time running on its own); ``drain`` awaits them."""
        task: asyncio.Task[WebhookRecord] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def fire_after(
        self, previous: asyncio.Future[Any] | None, delivery: Callable[[], Awaitable[Any]]
    ) -> asyncio.Future[Any]:
        """Fire ``delivery`` once ``previous`` (the same resource's last callback) has ended,
        so that one message's or call's callbacks arrive in the order of its statuses.
        Returns the delivery's future: pass it as ``previous`` of the next one."""

        async def in_turn() -> Any:
            if previous is not None:
                await asyncio.wait([previous])
            return await delivery()

        task = asyncio.ensure_future(in_turn())
        self.fire(task)
        return task

    async def drain(self) -> None:
        """Wait for every background delivery started so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        await self.drain()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _headers(self, signature: str) -> dict[str, str]:
        return {
            "X-Twilio-Signature": signature,
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
            "User-Agent": USER_AGENT,
            "Accept": "*/*",
            "X-Home-Region": "us1",
        }

    def _record(
        self,
        kind: str,
        method: str,
        url: str,
        params: list[tuple[str, str]],
        json_body: Any,
        headers: dict[str, str],
    ) -> WebhookRecord:
        record = WebhookRecord(
            id=len(self.records) + 1,
            kind=kind,
            method=method,
            url=url,
            params=list(params),
            json_body=json_body,
            headers=dict(headers),
            at=self._clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        self.records.append(record)
        return record

    async def _deliver(self, record: WebhookRecord, content: bytes | None, fragment: str) -> None:
        overrides = _Overrides.parse(fragment, self._config.webhook_timeout)
        started = time.perf_counter()
        for attempt in range(overrides.retries + 1):
            record.attempts = attempt + 1
            connect_failed = False
            try:
                response = await self._http().request(
                    record.method,
                    record.url,
                    content=content,
                    headers=record.headers,
                    timeout=overrides.timeout,
                )
            except httpx.ConnectError as exc:
                connect_failed = True
                record.status, record.error = None, f"connection failed: {exc}"
            except httpx.HTTPError as exc:
                record.status, record.error = None, f"{type(exc).__name__}: {exc}"
            else:
                record.status, record.error = response.status_code, None
                record.response_body = response.text
                if response.status_code < 400:
                    break
            if attempt == overrides.retries or not overrides.retry_on(
                record.status, connect_failed
            ):
                break
        record.duration_ms = round((time.perf_counter() - started) * 1000, 3)


def _split_fragment(url: str) -> tuple[str, str]:
    target, _, fragment = url.partition("#")
    return target, fragment


def _append_query(url: str, params: list[tuple[str, str]]) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
