"""Mapping Twilio's answers and network failures onto the twiliokit.errors tree."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
import pytest

from twiliokit.errors import (
    AuthenticationError,
    ConnectError,
    NotFoundError,
    RateLimitError,
    TimeoutError,
    TransportError,
    TwilioError,
)
from twiliokit.http.errors import (
    error_from_response,
    failure_kind,
    network_reason,
    transport_error,
    unknown_outcome,
)

URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=%2B1"


def _error(
    status: int,
    body: Any,
    headers: dict[str, str] | None = None,
    *,
    idempotent: bool = False,
) -> TwilioError:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return error_from_response(
        status=status,
        headers=httpx.Headers(headers or {}),
        content=content,
        method="POST",
        url=URL,
        idempotent=idempotent,
    )


def test_classic_error_body_keeps_every_field() -> None:
    """code, message, more_info, status and the request id all reach the exception."""
    error = _error(
        400,
        {
            "code": 21211,
            "message": "The 'To' number +1555 is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400,
        },
        {"Twilio-Request-Id": "RQ123"},
    )
    assert type(error) is TwilioError
    assert (error.status, error.code, error.request_id) == (400, 21211, "RQ123")
    assert error.message == "The 'To' number +1555 is not a valid phone number."
    assert error.more_info == "https://www.twilio.com/docs/errors/21211"
    assert error.retryable is False
    assert error.hint is not None
    assert "E.164" in error.hint
    assert error.url == URL.split("?", maxsplit=1)[0], (
        "the query (phone numbers) stays out of errors"
    )
    assert error.to_dict()["request_id"] == "RQ123"


def test_401_is_an_authentication_error_with_a_hint() -> None:
    """Bad credentials raise AuthenticationError saying what to check."""
    error = _error(401, {"code": 20003, "message": "Authenticate", "status": 401})
    assert isinstance(error, AuthenticationError)
    assert error.hint is not None
    assert "auth token" in error.hint


def test_404_is_not_found() -> None:
    """A missing resource raises NotFoundError."""
    error = _error(404, {"code": 20404, "message": "The requested resource was not found"})
    assert isinstance(error, NotFoundError)


def test_429_is_a_retryable_rate_limit_with_retry_after() -> None:
    """429 carries Retry-After as retry_after and is marked retryable."""
    error = _error(429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": "3"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 3.0
    assert error.retryable is True
    assert error.to_dict()["retry_after"] == 3.0


def test_verify_attempt_limit_is_a_rate_limit_that_is_not_retryable() -> None:
    """60202 (max check attempts) is a 429 that waiting will not fix."""
    error = _error(429, {"code": 60202, "message": "Max check attempts reached"})
    assert isinstance(error, RateLimitError)
    assert error.retryable is False
    assert error.hint is not None
    assert "new verification" in error.hint


def test_problem_details_bodies_are_understood() -> None:
    """RFC 9457 problem+json gives the message, code and documentation link."""
    error = _error(
        400,
        {
            "type": "https://www.twilio.com/docs/api/errors/20001",
            "title": "Invalid parameter",
            "status": 400,
            "code": 20001,
            "detail": "PageSize is out of range",
        },
    )
    assert (error.code, error.message) == (20001, "PageSize is out of range")
    assert error.more_info == "https://www.twilio.com/docs/api/errors/20001"


def test_errors_array_bodies_are_understood() -> None:
    """{"errors": [...]} (bulk-messaging style) uses the first error."""
    error = _error(
        400,
        {
            "errors": [
                {"code": 21610, "message": "Unsubscribed", "infoUrl": "https://x.twilio.com/21610"}
            ]
        },
    )
    assert (error.code, error.message, error.more_info) == (
        21610,
        "Unsubscribed",
        "https://x.twilio.com/21610",
    )


def test_non_json_bodies_still_give_a_useful_error() -> None:
    """An HTML error page from a proxy becomes a TwilioError with the status and a snippet."""
    error = _error(503, b"<html><body>Service   Unavailable</body></html>")
    assert error.status == 503
    assert error.code is None
    assert "Service Unavailable" in error.message
    assert error.retryable is True


def test_missing_more_info_is_derived_from_the_code() -> None:
    """A body with a code but no link still points at Twilio's error page."""
    error = _error(400, {"code": 21610, "message": "Unsubscribed recipient"})
    assert error.more_info == "https://www.twilio.com/docs/errors/21610"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("refused"), "connect"),
        (httpx.ConnectTimeout("slow connect"), "connect"),
        (httpx.PoolTimeout("no connection"), "connect"),
        (httpx.ReadTimeout("slow answer"), "timeout"),
        (httpx.WriteTimeout("slow send"), "timeout"),
        (httpx.RemoteProtocolError("Server disconnected"), "dropped"),
        (httpx.ReadError("reset by peer"), "dropped"),
    ],
)
def test_network_failures_are_classified_by_whether_the_request_left(
    exc: Exception, kind: str
) -> None:
    """Only failures before sending count as "connect" (safe to resend a create)."""
    assert failure_kind(exc) == kind


def test_exhausted_transport_failures_map_to_the_tree() -> None:
    """Connect failures raise ConnectError, timeouts TimeoutError, the rest TransportError."""
    args: dict[str, Any] = {"method": "GET", "url": URL, "attempts": 4}
    assert isinstance(transport_error("connect", httpx.ConnectError("x"), **args), ConnectError)
    timeout = transport_error("timeout", httpx.ReadTimeout("x"), **args)
    assert isinstance(timeout, TimeoutError)
    assert "after 4 attempts" in timeout.message
    assert "To=" not in timeout.message
    dropped = transport_error("dropped", httpx.ReadError("x"), **args)
    assert type(dropped) is TransportError


def _wrapped(cause: OSError) -> httpx.ConnectError:
    """``cause`` as httpx reports it: inside httpcore's error, inside httpx's."""
    try:
        try:
            raise OSError("All connection attempts failed") from cause
        except OSError as inner:
            raise httpx.ConnectError(str(inner)) from inner
    except httpx.ConnectError as outer:
        return outer


@pytest.mark.parametrize(
    ("cause", "words"),
    [
        (ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 1)"), "connection refused"),
        (socket.gaierror(-2, "Name or service not known"), "the host name could not be resolved"),
        (ConnectionResetError(104, "Connection reset by peer"), "connection reset by the server"),
    ],
)
def test_network_failures_are_said_in_words_without_errno(cause: OSError, words: str) -> None:
    """The socket error under httpx's wrappers becomes plain words; no errno, no class name."""
    assert network_reason(_wrapped(cause)) == words
    error = transport_error("connect", _wrapped(cause), method="GET", url=URL, attempts=4)
    assert error.message == (
        f"Could not connect to https://api.twilio.com ({words}) for GET "
        "/2010-04-01/Accounts/AC1/Messages.json after 4 attempts"
    )
    assert network_reason(httpx.ConnectError("[Errno 99] odd")) == "odd"
    assert network_reason(httpx.ReadTimeout("")) == "no answer within the read timeout"


def test_unknown_outcome_fills_the_check_with_the_send_time() -> None:
    """The check hint says when the request was sent, so the caller can look for it."""
    error = unknown_outcome(
        method="POST",
        url=URL,
        params={"To": "+1"},
        sent_at="2024-03-01T12:00:00Z",
        check="List messages created since {sent_at}.",
        reason="the connection broke",
    )
    assert error.check == "List messages created since 2024-03-01T12:00:00Z."
    assert error.hint == error.check
    assert error.retryable is False
    assert error.params == {"To": "+1"}
    assert error.to_dict()["sent_at"] == "2024-03-01T12:00:00Z"
