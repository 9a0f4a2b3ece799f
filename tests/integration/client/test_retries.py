"""Retries and unknown outcomes, with faults injected by the emulator over real HTTP."""

from __future__ import annotations

import socket
import time

import pytest

from twiliokit.client import AsyncClient, Client
from twiliokit.connections import Connection
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import (
    ConnectError,
    RateLimitError,
    TwilioError,
    UnknownOutcomeError,
)
from twiliokit.http.policies import RetryPolicy, Timeout

pytestmark = pytest.mark.anyio

TO = "+14155550123"
MESSAGES = r"/Messages\.json$"


async def _count(client: AsyncClient) -> int:
    return len((await client.list_messages(to=TO)).items)


async def test_429_is_retried_after_retry_after(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """A create answered 429 + Retry-After: 1 waits a second, is re-sent, and sends once."""
    emulator.control.add_fault(
        method="POST", path=MESSAGES, status=429, code=20429, retry_after=1, times=1
    )
    started = time.monotonic()
    message = await client.create_message(to=TO, body="after the rate limit")
    assert time.monotonic() - started >= 1.0
    assert message.status == "queued"
    assert await _count(client) == 1


async def test_503_is_retried(client: AsyncClient, emulator: RunningEmulator) -> None:
    """Two 503s in a row are retried with backoff and the call still succeeds."""
    emulator.control.add_fault(method="GET", path=MESSAGES, status=503, code=20503, times=2)
    page = await client.list_messages()
    assert page.items == ()
    assert emulator.control.request("GET", "/_emulator/faults")["faults"] == []


async def test_persistent_429_raises_rate_limit_error(
    emulator_connection: Connection, emulator: RunningEmulator
) -> None:
    """When 429s outlast the retries, RateLimitError reports Retry-After to the caller."""
    emulator.control.add_fault(method="GET", path=MESSAGES, status=429, code=20429, retry_after=0)
    policy = RetryPolicy(max_retries=2, initial_delay=0.01)
    async with AsyncClient(emulator_connection, retry=policy) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.list_messages()
    assert (caught.value.code, caught.value.retry_after, caught.value.retryable) == (20429, 0, True)


@pytest.mark.parametrize("mode", ["drop_before", "drop_after"])
async def test_a_dropped_create_is_never_resent(
    client: AsyncClient, emulator: RunningEmulator, mode: str
) -> None:
    """A create whose connection drops after sending raises UnknownOutcomeError, sent once."""
    emulator.control.add_fault(method="POST", path=MESSAGES, mode=mode, times=1)
    with pytest.raises(UnknownOutcomeError) as caught:
        await client.create_message(to=TO, body="did it go?")
    error = caught.value
    assert error.method == "POST"
    assert error.params["To"] == TO
    assert error.params["Body"] == "did it go?"
    assert error.sent_at is not None
    assert error.check is not None
    assert f"list_messages(to='{TO}'" in error.check
    assert error.sent_at in error.check
    # drop_after processed the request once; drop_before never did; neither was re-sent.
    assert await _count(client) == (1 if mode == "drop_after" else 0)


async def test_a_dropped_read_is_retried(client: AsyncClient, emulator: RunningEmulator) -> None:
    """A GET whose connection drops is simply sent again and succeeds."""
    sent = await client.create_message(to=TO, body="read me")
    emulator.control.add_fault(
        method="GET", path=r"/Messages/SM[0-9a-f]+\.json$", mode="drop_after", times=2
    )
    fetched = await client.fetch_message(sent.sid or "")
    assert fetched.sid == sent.sid


async def test_a_redact_is_retried_after_a_drop(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """Redacting sets a field, so it is safe to resend after a drop."""
    sent = await client.create_message(to=TO, body="erase me")
    emulator.control.advance(30)
    emulator.control.add_fault(
        method="POST", path=r"/Messages/SM[0-9a-f]+\.json$", mode="drop_after", times=1
    )
    assert (await client.redact_message(sent.sid or "")).body == ""


async def test_a_slow_create_times_out_with_an_unknown_outcome(
    emulator_connection: Connection, emulator: RunningEmulator
) -> None:
    """A create whose answer takes longer than the read timeout is not re-sent."""
    emulator.control.add_fault(method="POST", path=MESSAGES, delay_ms=1500, times=1)
    async with AsyncClient(emulator_connection, timeout=Timeout(read=0.3)) as client:
        with pytest.raises(UnknownOutcomeError) as caught:
            await client.create_message(to=TO, body="slow")
        assert "no answer came in time" in caught.value.message
        # The fault delays only the first POST: a re-sent create would have been answered at
        # once and be listed now, while the original is still held by the emulator.
        assert await _count(client) == 0


async def test_a_slow_read_is_retried_after_a_timeout(
    emulator_connection: Connection, emulator: RunningEmulator
) -> None:
    """A GET that times out once is retried and succeeds."""
    # The delayed answer is far past the read timeout; the retried one has a whole second,
    # which a loaded machine still meets.
    emulator.control.add_fault(method="GET", path=MESSAGES, delay_ms=4_000, times=1)
    policy = RetryPolicy(initial_delay=0.01)
    async with AsyncClient(emulator_connection, timeout=Timeout(read=1.0), retry=policy) as client:
        assert (await client.list_messages()).items == ()


async def test_a_create_answered_500_has_an_unknown_outcome(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """A 500 after a create may hide a created message, so it is reported, not retried."""
    emulator.control.add_fault(method="POST", path=MESSAGES, status=500, code=20500, times=1)
    with pytest.raises(UnknownOutcomeError) as caught:
        await client.create_message(to=TO, body="x")
    assert isinstance(caught.value.__cause__, TwilioError)
    assert caught.value.__cause__.status == 500


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connect_failures_are_retried_then_reported(emulator: RunningEmulator) -> None:
    """Against a port nobody listens on, the create is retried, then ConnectError is raised."""
    connection = emulator.connection(base_url=f"http://127.0.0.1:{_closed_port()}")
    policy = RetryPolicy(max_retries=2, initial_delay=0.01)
    with Client(connection, retry=policy) as client, pytest.raises(ConnectError) as caught:
        client.create_message(to=TO, body="nobody home")
    assert "after 3 attempts" in caught.value.message
    assert caught.value.retryable is True


def test_sync_client_retries_the_same_way(sync_client: Client, emulator: RunningEmulator) -> None:
    """The blocking client shares the retry logic: 503 retried, dropped create unknown."""
    emulator.control.add_fault(method="GET", path=MESSAGES, status=503, times=1)
    assert sync_client.list_messages().items == ()
    emulator.control.add_fault(method="POST", path=MESSAGES, mode="drop_after", times=1)
    with pytest.raises(UnknownOutcomeError):
        sync_client.create_message(to=TO, body="once")
    assert len(sync_client.list_messages(to=TO).items) == 1
