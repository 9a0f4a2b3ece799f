"""Idle, half-sent and slow connections are bounded, and a client that leaves mid-request is
not an error: the service app served by uvicorn with short limits, driven by raw sockets."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from twiliokit.connections import Connection
from twiliokit.errors import ConfigurationError
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import serve_in_thread
from twiliokit.serving.limits import ConnectionLimits

TOKEN = "limits-token-0123456789abcdef"
BOUND = 0.5  # seconds: short, so the tests stay fast
#: How long a test waits for the server to act on a bound (generous for a loaded machine).
PATIENCE = 10.0
SLOW_BODY = (
    b"POST /v1/actions/search_ledger HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
    b"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
    b"Content-Length: 1000\r\n\r\n{"
)


class Recorded(logging.Handler):
    """Keeps the records that reach the root logger; ``seen`` is set by the first."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.seen.set()


@pytest.fixture
def log() -> Iterator[Recorded]:
    """What the twiliokit loggers say at DEBUG and above, and any library's warnings and
    errors (they reach the root logger)."""
    handler = Recorded()
    logger = logging.getLogger("twiliokit")
    previous = logger.level
    logging.getLogger().addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        logger.setLevel(previous)


@contextlib.contextmanager
def service(limits: ConnectionLimits) -> Iterator[tuple[str, int]]:
    """The service app (memory ledger, no calls to Twilio) on a free loopback port."""
    settings = ServiceSettings(
        connection=Connection.from_auth_token("AC" + "0" * 32, "0" * 32),
        api_token=TOKEN,
        ledger_url="memory://",
    )
    with serve_in_thread(create_service_app(settings), limits=limits) as url:
        host, _, port = url.removeprefix("http://").rpartition(":")
        yield host, int(port)


def connect(address: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(address, timeout=PATIENCE)
    sock.settimeout(PATIENCE)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout fails)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_a_connection_that_sends_nothing_is_closed() -> None:
    """A new connection that never sends a request is closed after the keep-alive bound,
    with nothing written to it."""
    with service(ConnectionLimits(keep_alive_timeout=BOUND)) as address, connect(address) as sock:
        started = time.monotonic()
        assert read_until_closed(sock) == b""
        assert time.monotonic() - started < PATIENCE


def test_a_kept_alive_connection_is_closed_when_idle() -> None:
    """After a response, an idle kept-alive connection is closed after the bound."""
    with service(ConnectionLimits(keep_alive_timeout=BOUND)) as address, connect(address) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_half_a_header_is_answered_408_and_closed() -> None:
    """A request whose headers do not all arrive in time is answered 408 (the JSON error
    object) and the connection closed."""
    limits = ConnectionLimits(request_timeout=BOUND, keep_alive_timeout=PATIENCE * 2)
    with service(limits) as address, connect(address) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0")
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in answer.lower()
    assert b'"type": "request_timeout"' in answer


def test_a_slow_body_is_answered_408_and_closed_without_an_error_logged(log: Recorded) -> None:
    """A request whose body does not arrive in time is answered 408 and closed; the API
    sees a client that left, which is logged at debug level, not as an error."""
    limits = ConnectionLimits(request_timeout=BOUND, keep_alive_timeout=PATIENCE * 2)
    with service(limits) as address, connect(address) as sock:
        sock.sendall(SLOW_BODY)
        answer = read_until_closed(sock)
        assert log.seen.wait(PATIENCE)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert [r.levelno for r in log.records] == [logging.DEBUG]
    assert "disconnected" in log.records[0].getMessage()


@pytest.mark.parametrize("path", ["/v1/actions/search_ledger", "/mcp"])
def test_a_client_leaving_mid_body_is_one_debug_line(log: Recorded, path: str) -> None:
    """A client that sends half a body to the HTTP API or to MCP and disconnects gets one
    debug line, no error and no traceback."""
    request = SLOW_BODY.replace(b"/v1/actions/search_ledger", path.encode())
    with service(ConnectionLimits()) as address:
        with connect(address) as sock:
            sock.sendall(
                request.replace(b"Host: 127.0.0.1", f"Host: 127.0.0.1:{address[1]}".encode())
            )
        assert log.seen.wait(PATIENCE)
    assert [(r.levelno, r.exc_info) for r in log.records] == [(logging.DEBUG, None)]
    assert "disconnected" in log.records[0].getMessage()


def test_requests_beyond_the_connection_cap_are_answered_503() -> None:
    """A request on a connection of its own is served; with max_connections other
    connections open, it is answered 503 with the JSON error object."""
    limits = ConnectionLimits(max_connections=2, keep_alive_timeout=PATIENCE * 2)
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with service(limits) as address:
        with connect(address) as alone:
            alone.sendall(request)
            assert read_until_closed(alone).startswith(b"HTTP/1.1 200 ")
        with connect(address), connect(address), connect(address) as third:
            third.sendall(request)
            answer = read_until_closed(third)
    assert answer.startswith(b"HTTP/1.1 503 ")
    assert b'"type": "over_capacity"' in answer  # the JSON error object, not plain text


@pytest.mark.parametrize("complete", [True, False])
def test_headers_over_the_limit_are_answered_431_and_closed(complete: bool) -> None:
    """A request whose headers run past max_header_bytes is answered 431 (the JSON error
    object) and closed, whether its headers end or the client keeps sending more."""
    limits = ConnectionLimits(max_header_bytes=2048, keep_alive_timeout=PATIENCE * 2)
    padding = b"".join(b"X-Padding-%d: %s\r\n" % (n, b"y" * 100) for n in range(40))
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + padding
    with service(limits) as address, connect(address) as sock:
        sock.sendall(request + (b"\r\n" if complete else b""))
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"type": "headers_too_large"' in answer


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"keep_alive_timeout": 0}, "keep_alive_timeout"),
        ({"request_timeout": -1.0}, "request_timeout"),
        ({"max_connections": 0}, "max_connections"),
        ({"max_header_bytes": 10}, "max_header_bytes"),
    ],
)
def test_unusable_limits_are_refused_naming_the_field(
    options: dict[str, float], field: str
) -> None:
    """A bound that would close every connection, or cap them at none, is a clear error."""
    with pytest.raises(ConfigurationError) as caught:
        ConnectionLimits(**options)  # type: ignore[arg-type]
    assert caught.value.field == field
