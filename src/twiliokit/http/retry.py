"""Retry decisions, as pure functions of the policy, the attempt and what went wrong.

Three kinds of network failure matter, because they say whether the request reached Twilio:

- ``connect``: the request never left (connection refused, DNS, TLS, no free connection in
  the pool). Safe to retry for every method.
- ``timeout``: the request was sent and no answer came in time.
- ``dropped``: the request was (at least partly) sent and the connection broke before the
  whole answer arrived.

After ``timeout`` or ``dropped`` only idempotent requests are retried; a create raises
:class:`~twiliokit.errors.UnknownOutcomeError` instead (decided by the caller of these
functions, which knows the request).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Literal

from twiliokit.http.policies import RetryPolicy

__all__ = [
    "AMBIGUOUS_STATUSES",
    "NOT_RETRYABLE_CODES",
    "TOO_MANY_REQUESTS",
    "FailureKind",
    "backoff_delay",
    "delay_after_failure",
    "delay_after_status",
    "parse_retry_after",
    "sends_service_rate_limits",
]

FailureKind = Literal["connect", "timeout", "dropped"]

#: Error answers after which a create may or may not have happened: a gateway gave up
#: waiting (502, 504) or the server failed mid-way (500).
AMBIGUOUS_STATUSES = frozenset({500, 502, 504})

#: Twilio codes sent with 429 that waiting a few seconds does not fix: too many wrong codes
#: (60202) or sends (60203) for one verification.
NOT_RETRYABLE_CODES = frozenset({60202, 60203})

#: Twilio's "Too many requests": the account's REST concurrency (gone in a moment), and also
#: a Verify service's own rate limit buckets refusing a start (gone after the bucket's
#: interval, a minute to a day): Twilio answers both with this code.
TOO_MANY_REQUESTS = 20429


def sends_service_rate_limits(
    method: str, url: str, form: Iterable[tuple[str, str]] | None
) -> bool:
    """Whether a request is a Verify start that names service rate limits (``RateLimits``),
    so that a 429 to it most likely comes from one of their buckets."""
    path = url.split("?", 1)[0].rstrip("/")
    if method != "POST" or not path.endswith("/Verifications") or form is None:
        return False
    return any(name == "RateLimits" and value not in ("", "{}") for name, value in form)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or
    ``None`` if absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    # email.utils is imported only here, for the rare HTTP-date form: it is slow to import.
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max((when - current).total_seconds(), 0.0)


def backoff_delay(policy: RetryPolicy, retry: int, rng: Callable[[], float]) -> float:
    """The delay before retry number ``retry`` (0-based): exponential or constant, capped,
    with the policy's share of jitter taken off at random (never above the cap)."""
    if policy.exponential:
        # Cap the exponent first: 2.0**2000 overflows a float.
        nominal = policy.initial_delay * policy.multiplier ** min(retry, 64)
    else:
        nominal = policy.initial_delay
    nominal = min(nominal, policy.max_delay)
    return nominal * (1 - policy.jitter * rng())


def delay_after_failure(
    policy: RetryPolicy,
    retry: int,
    kind: FailureKind,
    *,
    idempotent: bool,
    rng: Callable[[], float],
) -> float | None:
    """How long to wait before retrying after a network failure, or ``None`` to give up."""
    if retry >= policy.max_retries:
        return None
    if kind != "connect" and not idempotent:
        return None
    return backoff_delay(policy, retry, rng)


def delay_after_status(
    policy: RetryPolicy,
    retry: int,
    status: int,
    *,
    code: int | None,
    headers: Mapping[str, str],
    idempotent: bool,
    rng: Callable[[], float],
    now: datetime | None = None,
    service_rate_limited: bool = False,
) -> float | None:
    """How long to wait before retrying after an error answer, or ``None`` to give up.

    An ambiguous status (500/502/504) on a non-idempotent request is never retried: the
    caller reports an unknown outcome instead. Nor is a refusal that waiting a few seconds
    cannot fix: 60202/60203 (a verification's attempts are used up), and a 429 without a
    more precise code to a Verify start that named service rate limits
    (``service_rate_limited``, see :func:`sends_service_rate_limits`), since a full bucket
    refills over its interval, not within a retry's seconds.
    """
    if retry >= policy.max_retries:
        return None
    if status in AMBIGUOUS_STATUSES and not idempotent:
        return None
    if status == 429 and service_rate_limited and code in (None, TOO_MANY_REQUESTS):
        return None
    if policy.retry_all_errors:
        wanted = status >= 400
    else:
        wanted = status in policy.statuses and code not in NOT_RETRYABLE_CODES
    if not wanted:
        return None
    if policy.respect_retry_after:
        retry_after = parse_retry_after(headers.get("retry-after"), now=now)
        if retry_after is not None:
            return retry_after if retry_after <= policy.max_retry_after else None
    return backoff_delay(policy, retry, rng)
