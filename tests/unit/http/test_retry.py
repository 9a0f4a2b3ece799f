"""Retry decisions: which failures are retried, and after how long."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from twiliokit.http.policies import RetryPolicy
from twiliokit.http.retry import (
    backoff_delay,
    delay_after_failure,
    delay_after_status,
    parse_retry_after,
    sends_service_rate_limits,
)

NOW = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


def never_random() -> float:
    return 0.0


def always_max_random() -> float:
    return 0.999999


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    """Retry-After may be delta-seconds or an HTTP date; junk is ignored."""
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("Fri, 01 Mar 2024 12:00:10 GMT", now=NOW) == 10.0
    assert parse_retry_after("Fri, 01 Mar 2024 11:00:00 GMT", now=NOW) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("inf") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    """Without jitter the delays are 0.5, 1, 2, 4, ... and never exceed max_delay."""
    policy = RetryPolicy(initial_delay=0.5, max_delay=3.0, jitter=0.0)
    delays = [backoff_delay(policy, n, never_random) for n in range(5)]
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff_delay(policy, 5000, never_random) == 3.0


def test_constant_backoff_when_not_exponential() -> None:
    """With exponential=False every retry waits initial_delay (a fixed "retry delay")."""
    policy = RetryPolicy(initial_delay=0.25, exponential=False, jitter=0.0)
    assert {backoff_delay(policy, n, never_random) for n in range(4)} == {0.25}


def test_jitter_takes_a_random_share_off_the_delay() -> None:
    """Jitter 0.5 spreads each delay between half and all of its nominal value."""
    policy = RetryPolicy(initial_delay=2.0, jitter=0.5)
    assert backoff_delay(policy, 0, never_random) == 2.0
    assert backoff_delay(policy, 0, always_max_random) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("idempotent", [True, False])
def test_connect_failures_are_retried_for_every_method(idempotent: bool) -> None:
    """A request that never left is safe to send again, even a create."""
    delay = delay_after_failure(
        RetryPolicy(), 0, "connect", idempotent=idempotent, rng=never_random
    )
    assert delay == 0.5


@pytest.mark.parametrize("kind", ["timeout", "dropped"])
def test_failures_after_sending_are_retried_only_when_idempotent(kind: str) -> None:
    """A timeout or dropped connection is retried for a GET, never for a create."""
    policy = RetryPolicy()
    assert delay_after_failure(policy, 0, kind, idempotent=True, rng=never_random) == 0.5  # type: ignore[arg-type]
    assert delay_after_failure(policy, 0, kind, idempotent=False, rng=never_random) is None  # type: ignore[arg-type]


def test_retries_stop_after_max_retries() -> None:
    """The retry count is bounded by the policy."""
    policy = RetryPolicy(max_retries=2)
    assert delay_after_failure(policy, 1, "connect", idempotent=True, rng=never_random)
    assert delay_after_failure(policy, 2, "connect", idempotent=True, rng=never_random) is None


def _status_delay(
    status: int,
    *,
    policy: RetryPolicy | None = None,
    code: int | None = None,
    headers: dict[str, str] | None = None,
    idempotent: bool = False,
    retry: int = 0,
) -> float | None:
    return delay_after_status(
        policy or RetryPolicy(),
        retry,
        status,
        code=code,
        headers=httpx.Headers(headers or {}),
        idempotent=idempotent,
        rng=never_random,
        now=NOW,
    )


def test_429_waits_what_retry_after_asks_even_for_creates() -> None:
    """A 429 was not processed: it is retried (POST included) after Retry-After seconds."""
    assert _status_delay(429, code=20429, headers={"Retry-After": "7"}) == 7.0
    assert _status_delay(429, code=20429) == 0.5


def test_retry_after_beyond_the_limit_is_not_waited_for() -> None:
    """A Retry-After longer than max_retry_after raises instead of sleeping for minutes."""
    policy = RetryPolicy(max_retry_after=10)
    assert _status_delay(429, policy=policy, headers={"Retry-After": "120"}) is None


def test_retry_after_can_be_ignored() -> None:
    """With respect_retry_after=False the computed backoff is used."""
    policy = RetryPolicy(respect_retry_after=False)
    assert _status_delay(429, policy=policy, headers={"Retry-After": "9"}) == 0.5


def test_verify_attempt_limits_are_not_retried() -> None:
    """429 with 60202/60203 (too many checks or sends) does not clear in seconds."""
    assert _status_delay(429, code=60202) is None
    assert _status_delay(429, code=60203) is None


def test_a_verify_start_refused_by_its_service_rate_limits_is_not_retried() -> None:
    """A 429 (20429) to a Verify start that named service rate limits comes from a bucket
    that refills over its interval: not retried; the same 429 elsewhere still is."""
    start = "https://verify.twilio.com/v2/Services/VA1/Verifications"
    limited = [("To", "+14155552671"), ("RateLimits", '{"ip": "203.0.113.7"}')]
    assert sends_service_rate_limits("POST", start, limited)
    assert not sends_service_rate_limits("POST", start, [("To", "+14155552671")])
    assert not sends_service_rate_limits("POST", start, [("RateLimits", "{}")])
    assert not sends_service_rate_limits("GET", start, None)
    assert not sends_service_rate_limits("POST", start.replace("Verifications", "Foo"), limited)

    def delay(code: int | None, *, service_rate_limited: bool) -> float | None:
        return delay_after_status(
            RetryPolicy(),
            0,
            429,
            code=code,
            headers=httpx.Headers(),
            idempotent=False,
            rng=never_random,
            now=NOW,
            service_rate_limited=service_rate_limited,
        )

    assert delay(20429, service_rate_limited=True) is None
    assert delay(None, service_rate_limited=True) is None
    assert delay(20429, service_rate_limited=False) == 0.5
    assert delay(60212, service_rate_limited=True) == 0.5  # concurrent starts: gone in a moment


def test_503_is_retried_and_400_is_not() -> None:
    """503 means "not processed"; a validation error will fail the same way again."""
    assert _status_delay(503) == 0.5
    assert _status_delay(400, code=21211) is None


def test_ambiguous_5xx_is_retried_only_when_idempotent() -> None:
    """502/504 after a create may have created it: never retried; a GET is retried if asked."""
    policy = RetryPolicy(statuses=frozenset({502, 503, 504}))
    assert _status_delay(502, policy=policy, idempotent=False) is None
    assert _status_delay(504, policy=policy, idempotent=True) == 0.5


def test_retry_all_errors_retries_client_errors_too() -> None:
    """retry_all_errors (raw requests) retries any 4xx/5xx, except ambiguous creates."""
    policy = RetryPolicy(retry_all_errors=True)
    assert _status_delay(400, policy=policy) == 0.5
    assert _status_delay(404, policy=policy, idempotent=True) == 0.5
    assert _status_delay(500, policy=policy, idempotent=False) is None
