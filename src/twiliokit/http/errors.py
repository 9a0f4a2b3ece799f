"""From what came back (or did not) to the :mod:`twiliokit.errors` tree. Pure functions.

Twilio's error bodies come in three shapes, all handled:

- the classic one, used by the 2010 API and most v1/v2 APIs:
  ``{"code": 21211, "message": "...", "more_info": "https://www.twilio.com/docs/errors/21211",
  "status": 400}`` (sometimes with ``details``);
- RFC 9457 problem details on newer services:
  ``{"type", "title", "status", "code", "detail", "instance", "errors": [...]}``;
- ``{"errors": [{"code", "message", "infoUrl"}]}`` on bulk-messaging style APIs.

Anything else (an HTML page from a proxy, an empty body) still becomes a :class:`TwilioError`
with the HTTP status. The request id comes from the ``Twilio-Request-Id`` header.
"""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

from twiliokit.errors import (
    REMEDIATION,
    AuthenticationError,
    ConnectError,
    NotFoundError,
    RateLimitError,
    TimeoutError,
    TransportError,
    TwilioError,
    UnknownOutcomeError,
)
from twiliokit.http.retry import (
    AMBIGUOUS_STATUSES,
    NOT_RETRYABLE_CODES,
    FailureKind,
    parse_retry_after,
)

__all__ = [
    "Reply",
    "error_from_response",
    "failure_kind",
    "network_reason",
    "request_id",
    "transport_error",
    "unknown_outcome",
]

_DOCS = "https://www.twilio.com/docs/errors/"
_BODY_SNIPPET = 200

#: Hints by HTTP status, for answers whose code has none of its own.
_STATUS_HINTS: dict[int, str] = {
    401: REMEDIATION[20003],
    403: "The credentials are valid but may not do this (test credentials reach only the "
    "Messages, Calls and IncomingPhoneNumbers creates; a subaccount cannot see its parent).",
    429: REMEDIATION[20429],
    500: "Twilio failed while handling the request; try again later.",
    502: "A gateway in front of Twilio failed; try again later.",
    503: "Twilio is temporarily unavailable; try again later.",
    504: "A gateway in front of Twilio timed out; try again later.",
}
_CODE_HINTS: dict[int, str] = {
    20008: "Test credentials only work with the Messages, Calls and IncomingPhoneNumbers "
    "creates: use the live credentials (or the emulator) for everything else.",
    60202: "Too many wrong codes for this verification: start a new verification.",
    60203: "Too many sends for this verification: wait for it to expire (10 minutes) first.",
}


class Reply(Protocol):
    """What the parsing code needs from an HTTP response (``httpx.Response`` has it).

    ``headers`` must look names up without regard to case, as ``httpx.Headers`` does.
    """

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...


def request_id(headers: Mapping[str, str]) -> str | None:
    """Twilio's id for the request (``RQ...``), for support tickets and logs."""
    return headers.get("twilio-request-id") or None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _decode(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def _link(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith("http") else None


def _fields(status: int, body: Any, content: bytes) -> tuple[str, int | None, str | None, Any]:
    """(message, code, more_info, details) from an error body of any known shape."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if "message" not in body and isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            message = first.get("message") or first.get("detail") or f"HTTP {status}"
            more_info = _link(first.get("infoUrl")) or _link(first.get("more_info"))
            return str(message), _int(first.get("code")), more_info, errors
        message = body.get("message") or body.get("detail") or body.get("title") or f"HTTP {status}"
        more_info = _link(body.get("more_info")) or _link(body.get("type"))
        details = body.get("details")
        if details is None and "message" in body:
            details = body.get("detail")
        if details is None and isinstance(errors, list):
            details = errors
        return str(message), _int(body.get("code")), more_info, details
    text = content.decode("utf-8", errors="replace").strip()
    snippet = " ".join(text.split())[:_BODY_SNIPPET]
    return f"HTTP {status}" + (f": {snippet}" if snippet else ""), None, None, None


def error_from_response(
    *,
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    method: str,
    url: str,
    idempotent: bool,
) -> TwilioError:
    """The exception for an error answer (status 400 or more)."""
    message, code, more_info, details = _fields(status, _decode(content), content)
    if more_info is None and code is not None and code >= 10000:
        more_info = f"{_DOCS}{code}"
    hint = REMEDIATION.get(code) if code is not None else None
    hint = (
        hint or (_CODE_HINTS.get(code) if code is not None else None) or _STATUS_HINTS.get(status)
    )
    retryable = (status == 429 and code not in NOT_RETRYABLE_CODES) or status == 503
    retryable = retryable or (status in AMBIGUOUS_STATUSES and idempotent)
    common: dict[str, Any] = {
        "status": status,
        "code": code,
        "more_info": more_info,
        "request_id": request_id(headers),
        "method": method,
        "url": url.split("?", 1)[0],
        "details": details,
        "retryable": retryable,
        "hint": hint,
    }
    if status == 401 or code == 20003:
        return AuthenticationError(message, **common)
    if status == 404:
        return NotFoundError(message, **common)
    if status == 429:
        return RateLimitError(
            message, retry_after=parse_retry_after(headers.get("retry-after")), **common
        )
    return TwilioError(message, **common)


def failure_kind(exc: BaseException) -> FailureKind:
    """Whether a network exception happened before the request left (``connect``), while
    waiting for the answer (``timeout``) or as a broken connection after sending
    (``dropped``)."""
    import httpx

    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return "connect"
    if isinstance(exc, httpx.ProxyError | httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        # Refused before anything reached Twilio.
        return "connect"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    return "dropped"


def transport_error(
    kind: FailureKind, exc: BaseException, *, method: str, url: str, attempts: int
) -> TransportError:
    """The exception for a network failure that was safe to retry but kept failing."""
    where = f"{method} {url.split('?', 1)[0]}"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    reason = network_reason(exc)
    if kind == "connect":
        parts = urlsplit(url)
        return ConnectError(
            f"Could not connect to {parts.scheme}://{parts.netloc} ({reason}) for {method} "
            f"{parts.path or '/'}{tries}",
            hint="Check the network, proxy and DNS, and that the base URL is right; the "
            "request was never sent, so it is safe to try again.",
        )
    if kind == "timeout":
        return TimeoutError(f"{where} timed out{tries}: {reason}")
    return TransportError(f"The connection broke during {where}{tries}: {reason}")


def unknown_outcome(
    *,
    method: str,
    url: str,
    params: dict[str, Any],
    sent_at: str,
    check: str | None,
    reason: str,
) -> UnknownOutcomeError:
    """The exception for a non-idempotent request that was sent but got no usable answer."""
    where = f"{method} {url.split('?', 1)[0]}"
    hint = (check or "").replace("{sent_at}", sent_at) or (
        "Check whether it took effect (for example by listing the resource) before sending "
        "it again."
    )
    return UnknownOutcomeError(
        f"{where} was sent at {sent_at} but {reason}: it may or may not have taken effect, "
        "so it was not sent again",
        method=method,
        url=url.split("?", 1)[0],
        params=params,
        sent_at=sent_at,
        check=hint,
    )


#: What a failed socket call means, in words, by errno (no "[Errno 111]").
_ERRNO_WORDS: Final = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset by the server",
    errno.ECONNABORTED: "connection aborted",
    errno.EPIPE: "the server closed the connection",
    errno.ETIMEDOUT: "the connection timed out",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ENETDOWN: "network down",
    errno.EADDRNOTAVAIL: "address not available",
}
#: httpx's exceptions that carry no text of their own, in words.
_SILENT_FAILURES: Final = {
    "ConnectTimeout": "connecting took too long",
    "ReadTimeout": "no answer within the read timeout",
    "WriteTimeout": "sending took too long",
    "PoolTimeout": "no connection came free in time",
}


def network_reason(exc: BaseException) -> str:
    """Why a network call failed, in plain words ("connection refused", "the host name could
    not be resolved"): no errno numbers, no exception names."""
    import socket
    import ssl

    for error in _causes(exc):
        if isinstance(error, ssl.SSLCertVerificationError):
            detail = error.verify_message or "not trusted"
            return f"the server's TLS certificate could not be verified: {detail}"
        if isinstance(error, ssl.SSLError):
            return f"TLS failed: {(error.reason or 'handshake failed').lower().replace('_', ' ')}"
        if isinstance(error, socket.gaierror):
            if error.errno == socket.EAI_AGAIN:
                return "the host name could not be resolved (DNS is not answering)"
            return "the host name could not be resolved"
        if isinstance(error, OSError) and error.errno in _ERRNO_WORDS:
            return _ERRNO_WORDS[error.errno]
        if isinstance(error, OSError) and error.errno and error.strerror:
            return error.strerror[0].lower() + error.strerror[1:]
    text = re.sub(r"\[Errno -?\d+\]\s*", "", str(exc)).strip()
    return text or _SILENT_FAILURES.get(type(exc).__name__, "no details")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: causes, contexts, exceptions held as arguments (httpcore's)
    and the members of an exception group, each once, outermost first."""
    pending = [exc]
    seen: set[int] = set()
    while pending:
        error = pending.pop(0)
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        pending.extend(arg for arg in error.args if isinstance(arg, BaseException))
        pending.extend(getattr(error, "exceptions", ()) or ())
        pending.extend(e for e in (error.__cause__, error.__context__) if e is not None)
