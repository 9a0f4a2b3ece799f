"""The shared retry loop, driven by hand: no network, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from twiliokit.errors import (
    ConnectError,
    RateLimitError,
    TimeoutError,
    TwilioError,
    UnknownOutcomeError,
)
from twiliokit.http.errors import Reply
from twiliokit.http.exchange import Send, Sleep, exchange
from twiliokit.http.policies import RetryPolicy, Timeout
from twiliokit.http.request import PreparedRequest, RequestSpec, encode_params, prepare

SENT_AT = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Routing:
    region: str | None = None
    edge: str | None = None
    base_url: str | None = None


def _request(
    method: str = "GET", *, idempotent: bool | None = None, **policy: object
) -> PreparedRequest:
    spec = RequestSpec(
        method,
        "api",
        "/2010-04-01/Accounts/AC1/Messages.json",
        form=encode_params({"To": "+14155550100", "Body": "hi"}) if method == "POST" else None,
        idempotent=idempotent,
        check="List messages since {sent_at}.",
    )
    return prepare(
        spec,
        Routing(),
        timeout=Timeout(),
        retry=RetryPolicy(jitter=0.0, **policy),  # type: ignore[arg-type]
    )


def drive(
    request: PreparedRequest, outcomes: Sequence[httpx.Response | Exception]
) -> tuple[Reply, list[float], int]:
    """Run the exchange against scripted outcomes; return the reply, sleeps and sends."""
    steps = exchange(request, rng=lambda: 0.0, now=lambda: SENT_AT)
    remaining = list(outcomes)
    sleeps: list[float] = []
    sends = 0
    step = next(steps)
    while True:
        if isinstance(step, Send):
            assert step.request is request
            sends += 1
            answer: object = remaining.pop(0)
        else:
            assert isinstance(step, Sleep)
            sleeps.append(step.seconds)
            answer = None
        try:
            step = steps.send(answer)  # type: ignore[arg-type]
        except StopIteration as done:
            assert not remaining, "the exchange stopped before using every scripted outcome"
            return done.value, sleeps, sends


def _twilio(status: int, code: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, json={"code": code, "message": f"error {code}", "status": status}, headers=headers
    )


def test_a_success_is_returned_without_retrying() -> None:
    """A 2xx answer ends the exchange after one send."""
    reply, sleeps, sends = drive(_request(), [httpx.Response(200, json={})])
    assert (reply.status_code, sleeps, sends) == (200, [], 1)


def test_429_is_retried_after_retry_after_then_succeeds() -> None:
    """A rate-limited create waits Retry-After and is sent again (it was not processed)."""
    reply, sleeps, sends = drive(
        _request("POST"),
        [_twilio(429, 20429, {"Retry-After": "2"}), httpx.Response(201, json={"sid": "SM1"})],
    )
    assert (reply.status_code, sleeps, sends) == (201, [2.0], 2)


def test_503_is_retried_with_exponential_backoff() -> None:
    """503s are retried with growing delays until an answer comes."""
    reply, sleeps, _ = drive(
        _request("POST"),
        [_twilio(503, 20503), _twilio(503, 20503), httpx.Response(201, json={})],
    )
    assert (reply.status_code, sleeps) == (201, [0.5, 1.0])


def test_exhausted_rate_limit_raises_the_last_error() -> None:
    """After max_retries the RateLimitError reaches the caller, retry_after included."""
    outcomes = [_twilio(429, 20429, {"Retry-After": "1"})] * 3
    with pytest.raises(RateLimitError) as caught:
        drive(_request(max_retries=2), outcomes)
    assert caught.value.retry_after == 1.0


def test_client_errors_are_raised_at_once() -> None:
    """A 400 is not retried: the same request would fail the same way."""
    with pytest.raises(TwilioError) as caught:
        drive(_request("POST"), [_twilio(400, 21211)])
    assert caught.value.code == 21211


@pytest.mark.parametrize(
    "failure",
    [httpx.RemoteProtocolError("Server disconnected"), httpx.ReadTimeout("timed out")],
)
def test_a_create_whose_answer_is_lost_is_never_resent(failure: Exception) -> None:
    """A dropped or timed-out create raises UnknownOutcomeError after exactly one send."""
    request = _request("POST")
    with pytest.raises(UnknownOutcomeError) as caught:
        drive(request, [failure])
    error = caught.value
    assert error.__cause__ is failure
    assert error.sent_at == "2024-03-01T12:00:00Z"
    assert error.check == "List messages since 2024-03-01T12:00:00Z."
    assert error.method == "POST"
    assert error.params == {"To": "+14155550100", "Body": "hi"}


def test_a_create_answered_502_has_an_unknown_outcome() -> None:
    """A gateway error after a create may hide a created message: unknown outcome."""
    with pytest.raises(UnknownOutcomeError) as caught:
        drive(_request("POST"), [_twilio(502, 20502)])
    assert isinstance(caught.value.__cause__, TwilioError)


def test_a_create_that_never_connected_is_retried() -> None:
    """Connection refused means nothing was sent: the create is retried safely."""
    reply, _sleeps, sends = drive(
        _request("POST"), [httpx.ConnectError("refused"), httpx.Response(201, json={})]
    )
    assert (reply.status_code, sends) == (201, 2)


def test_idempotent_reads_are_retried_after_a_drop() -> None:
    """A GET whose connection broke is simply sent again."""
    reply, _, sends = drive(
        _request("GET"), [httpx.RemoteProtocolError("Server disconnected"), httpx.Response(200)]
    )
    assert (reply.status_code, sends) == (200, 2)


def test_updates_marked_idempotent_are_retried_after_a_drop() -> None:
    """An update that only sets fields (redact) is retried even though it is a POST."""
    reply, _, sends = drive(
        _request("POST", idempotent=True),
        [httpx.ReadError("reset"), httpx.Response(200, json={})],
    )
    assert (reply.status_code, sends) == (200, 2)


def test_repeated_timeouts_raise_timeout_error() -> None:
    """A read that keeps timing out raises twiliokit's TimeoutError after the retries."""
    with pytest.raises(TimeoutError):
        drive(_request("GET", max_retries=1), [httpx.ReadTimeout("t"), httpx.ReadTimeout("t")])


def test_repeated_connect_failures_raise_connect_error() -> None:
    """A host that refuses every connection raises ConnectError."""
    with pytest.raises(ConnectError) as caught:
        drive(_request("POST", max_retries=2), [httpx.ConnectError("refused")] * 3)
    assert caught.value.retryable is True
