"""Retries told to a listener before each wait, in words a person reads."""

from __future__ import annotations

import httpx

from tests.unit.http.test_exchange import _request, _twilio, drive
from twiliokit.http.retry_notice import RetryNotice


def test_each_retry_is_told_before_its_wait() -> None:
    """The policy's on_retry hears every retry: why, how long, which attempt of how many."""
    heard: list[RetryNotice] = []
    request = _request("POST", on_retry=heard.append)
    reply, sleeps, _ = drive(
        request,
        [
            _twilio(429, 20429, {"Retry-After": "2"}),
            httpx.ConnectError("refused"),
            httpx.Response(201, json={"sid": "SM1"}),
        ],
    )
    assert reply.status_code == 201
    assert [notice.delay for notice in heard] == sleeps
    assert [notice.describe() for notice in heard] == [
        "Twilio answered 429 (error 20429); retrying in 2 s, attempt 2 of 4",
        "Could not connect to Twilio; retrying in 1 s, attempt 3 of 4",
    ]


def test_a_listener_does_not_change_the_policy_or_its_equality() -> None:
    """Two policies differing only by listener compare equal: it takes no part in deciding."""
    assert _request(on_retry=print).retry == _request().retry


def test_network_failures_are_described_by_kind() -> None:
    """Timeouts and dropped connections say what happened, without a status."""
    notice = RetryNotice("GET x", None, None, "timeout", 0.25, 2, 4)
    assert notice.describe() == "Twilio did not answer in time; retrying in 0.2 s, attempt 2 of 4"
    dropped = RetryNotice("GET x", None, None, "dropped", 3.0, 3, 4)
    assert dropped.describe().startswith("The connection to Twilio broke; retrying in 3 s")
