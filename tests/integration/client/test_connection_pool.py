"""The clients' own connection pool: `max_connections` caps requests in flight, connections are
reused, and a full pool times out clearly."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from twiliokit.client import AsyncClient, Client
from twiliokit.connections import Connection
from twiliokit.errors import ConfigurationError, ConnectError, ValidationError
from twiliokit.http.policies import RetryPolicy, Timeout
from twiliokit.serving import serve_in_thread

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "0" * 32


class Recorder:
    """An ASGI app that answers ``{}`` after ``delay`` seconds and records how many requests
    it held at once and from which client ports (one port per connection)."""

    def __init__(self, delay: float, gate: threading.Event | None = None) -> None:
        self.delay = delay
        #: When given, each request is held until it is set (instead of ``delay``).
        self.gate = gate
        self.in_flight = 0
        self.most_in_flight = 0
        self.ports: set[int] = set()
        self.requests = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self.ports.add(scope["client"][1])
        self.requests += 1
        try:
            if self.gate is not None:
                await asyncio.to_thread(self.gate.wait, 30)
            else:
                await asyncio.sleep(self.delay)  # simulated latency: the server answering slowly
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": b"{}"})
        finally:
            self.in_flight -= 1


def _connection(base_url: str) -> Connection:
    return Connection(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, base_url=base_url)


@pytest.fixture
def slow_server() -> Iterator[tuple[str, Recorder]]:
    """A loopback server that answers each request after 0.1 s."""
    recorder = Recorder(delay=0.1)
    with serve_in_thread(recorder) as base_url:
        yield base_url, recorder


@pytest.mark.anyio
async def test_async_client_keeps_in_flight_requests_to_max_connections(
    slow_server: tuple[str, Recorder],
) -> None:
    """With max_connections=3, twelve concurrent calls all succeed, never more than 3 at once."""
    base_url, recorder = slow_server
    async with AsyncClient(_connection(base_url), max_connections=3) as client:
        results = await asyncio.gather(*(client.request("GET", "/probe") for _ in range(12)))
    assert [result.status_code for result in results] == [200] * 12
    assert recorder.most_in_flight == 3
    assert len(recorder.ports) == 3  # each connection carried several requests


def test_sync_client_keeps_in_flight_requests_to_max_connections(
    slow_server: tuple[str, Recorder],
) -> None:
    """A Client shared by eight threads with max_connections=2 holds 2 requests at most."""
    base_url, recorder = slow_server
    with Client(_connection(base_url), max_connections=2) as client, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: client.request("GET", "/probe"), range(8)))
    assert [result.status_code for result in results] == [200] * 8
    assert recorder.most_in_flight == 2
    assert len(recorder.ports) == 2


@pytest.mark.anyio
async def test_sequential_calls_reuse_one_connection(slow_server: tuple[str, Recorder]) -> None:
    """Calls one after another travel over one kept-alive connection."""
    base_url, recorder = slow_server
    recorder.delay = 0
    async with AsyncClient(_connection(base_url)) as client:
        for _ in range(5):
            await client.request("GET", "/probe")
    assert recorder.requests == 5
    assert len(recorder.ports) == 1


@pytest.mark.anyio
async def test_a_full_pool_times_out_with_a_connect_error() -> None:
    """A call that finds no free connection within timeout.pool fails as a ConnectError
    (never sent, so safe to retry) that names max_connections."""
    gate = threading.Event()
    recorder = Recorder(delay=0, gate=gate)  # holds the first request until the test is done
    with serve_in_thread(recorder) as base_url:
        client = AsyncClient(
            _connection(base_url),
            max_connections=1,
            timeout=Timeout(pool=0.05),
            retry=RetryPolicy.disabled(),
        )
        async with client:
            calls = {asyncio.create_task(client.request("GET", "/slow")) for _ in range(2)}
            try:
                done, waiting = await asyncio.wait(calls, return_when=asyncio.FIRST_COMPLETED)
            finally:
                gate.set()
            assert len(done) == 1
            (refused,) = done
            (held,) = waiting
            await held  # answered once let go
    error = refused.exception()
    assert isinstance(error, ConnectError)
    assert "max_connections" in str(error)
    assert recorder.requests == 1


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "10"])
def test_max_connections_must_be_a_positive_whole_number(value: Any) -> None:
    """A bad max_connections fails at construction, naming the field."""
    with pytest.raises(ValidationError) as caught:
        Client(_connection("http://127.0.0.1:9"), max_connections=value)
    assert caught.value.field == "max_connections"


def test_max_connections_with_a_transport_is_refused() -> None:
    """max_connections cannot size a transport the caller built; the hint says where to."""
    import httpx

    with pytest.raises(ConfigurationError) as caught:
        Client(
            _connection("http://127.0.0.1:9"),
            transport=httpx.MockTransport(lambda request: httpx.Response(200)),
            max_connections=5,
        )
    assert "limits" in (caught.value.hint or "")
