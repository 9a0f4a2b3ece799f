"""One request/response exchange with retries, written once for sync and async callers.

:func:`exchange` is a generator that does no I/O. It yields what it wants done and is sent
back what happened:

- it yields :class:`Send` and is sent the response, or the network exception raised while
  sending;
- it yields :class:`Sleep` and is sent ``None`` once the time has passed;
- it returns the successful response, or raises the error to report.

The sync and async transports each drive it with a few lines (``send``/``sleep`` in a loop),
so retries, ``Retry-After``, unknown-outcome detection and error mapping cannot drift apart
between them, and unit tests drive it by hand with no network or clock.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime

from twiliokit.errors import UnknownOutcomeError
from twiliokit.http.errors import (
    Reply,
    error_from_response,
    failure_kind,
    transport_error,
    unknown_outcome,
)
from twiliokit.http.request import PreparedRequest
from twiliokit.http.retry import (
    AMBIGUOUS_STATUSES,
    delay_after_failure,
    delay_after_status,
    sends_service_rate_limits,
)
from twiliokit.http.retry_notice import RetryNotice

__all__ = ["Exchange", "Send", "Sleep", "Step", "advance", "exchange"]

logger = logging.getLogger("twiliokit.http")


@dataclass(frozen=True, slots=True)
class Send:
    """Send this request; answer with the response or the network exception."""

    request: PreparedRequest


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait this many seconds; answer with ``None``."""

    seconds: float


Step = Send | Sleep
Exchange = Generator[Step, Reply | BaseException | None, Reply]


def advance(steps: Exchange, answer: Reply | BaseException | None) -> Step | Reply:
    """Give ``answer`` to the exchange (``None`` to start it): its next step, or its reply once
    it is done. The two drivers (async and sync, in :mod:`twiliokit.http.transport`) only do
    what a step says."""
    try:
        return steps.send(answer)
    except StopIteration as done:
        result: Reply = done.value
        return result


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unknown(request: PreparedRequest, sent_at: datetime, reason: str) -> UnknownOutcomeError:
    """The error for a create whose outcome is unknown (sent at ``sent_at``; ``reason``)."""
    return unknown_outcome(
        method=request.method,
        url=request.url,
        params=request.params_for_errors(),
        sent_at=_stamp(sent_at),
        check=request.check,
        reason=reason,
    )


def exchange(
    request: PreparedRequest,
    *,
    rng: Callable[[], float] = random.random,
    now: Callable[[], datetime] = _utc_now,
) -> Exchange:
    """Send ``request`` until it succeeds, fails for good, or its outcome is unknown.

    ``rng`` (uniform in [0, 1)) and ``now`` are injectable for tests.
    """
    policy = request.retry
    retries = 0
    while True:
        sent_at = now()
        outcome = yield Send(request)
        if isinstance(outcome, BaseException):
            kind = failure_kind(outcome)
            if kind != "connect" and not request.idempotent:
                reason = "no answer came in time" if kind == "timeout" else "the connection broke"
                raise _unknown(request, sent_at, f"{reason} before Twilio answered") from outcome
            delay = delay_after_failure(
                policy, retries, kind, idempotent=request.idempotent, rng=rng
            )
            if delay is None:
                raise transport_error(
                    kind, outcome, method=request.method, url=request.url, attempts=retries + 1
                ) from outcome
            what = f"{kind} failure ({type(outcome).__name__})"
            status_seen: int | None = None
            code_seen: int | None = None
            failure: str | None = kind
        elif outcome is None:  # pragma: no cover - a driver bug, not a runtime condition
            raise RuntimeError("the transport answered Send with None")
        else:
            status = outcome.status_code
            if status < 400:
                return outcome
            error = error_from_response(
                status=status,
                headers=outcome.headers,
                content=outcome.content,
                method=request.method,
                url=request.url,
                idempotent=request.idempotent,
            )
            if status in AMBIGUOUS_STATUSES and not request.idempotent:
                reason = f"Twilio answered {status} ({error.message})"
                raise _unknown(request, sent_at, reason) from error
            delay = delay_after_status(
                policy,
                retries,
                status,
                code=error.code,
                headers=outcome.headers,
                idempotent=request.idempotent,
                rng=rng,
                now=now(),
                service_rate_limited=sends_service_rate_limits(
                    request.method, request.url, request.form
                ),
            )
            if delay is None:
                raise error
            what = f"HTTP {status}" + (f" (code {error.code})" if error.code else "")
            status_seen, code_seen, failure = status, error.code, None
        retries += 1
        if policy.on_retry is not None:
            policy.on_retry(
                RetryNotice(
                    target=request.target,
                    status=status_seen,
                    code=code_seen,
                    failure=failure,
                    delay=delay,
                    attempt=retries + 1,
                    attempts=policy.max_retries + 1,
                )
            )
        logger.info(
            "retrying %s after %s in %.2fs (retry %d of %d)",
            request.target,
            what,
            delay,
            retries,
            policy.max_retries,
        )
        yield Sleep(delay)
