"""Small frozen settings for talking to Twilio: :class:`Timeout` and :class:`RetryPolicy`.

Both have named defaults and validate themselves, so a bad value fails where it is written,
naming the field, instead of deep inside a request. Nothing here reads the environment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from twiliokit.errors import ValidationError
from twiliokit.http.retry_notice import RetryListener

__all__ = [
    "DEFAULT_RETRY_STATUSES",
    "RetryPolicy",
    "Timeout",
]

#: Statuses Twilio uses for "not processed, try again later": 429 (20429, too many concurrent
#: requests) and 503 (service unavailable).
DEFAULT_RETRY_STATUSES: frozenset[int] = frozenset({429, 503})


def _seconds(name: str, value: float | None, *, allow_none: bool = True) -> None:
    if value is None:
        if not allow_none:
            raise ValidationError(f"{name} is required", field=name)
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{name} must be a number of seconds, not {value!r}", field=name)
    if not math.isfinite(value) or value < 0:
        raise ValidationError(
            f"{name} must be a finite number of seconds >= 0, not {value!r}", field=name
        )


@dataclass(frozen=True, slots=True)
class Timeout:
    """How long each phase of one HTTP attempt may take, in seconds (``None``: no limit).

    The defaults suit Twilio's REST API: connecting should take well under a second, while a
    create can take a few seconds on a busy account. Every attempt of a retried request gets
    the full budget again.
    """

    #: Opening the TCP connection and the TLS handshake.
    connect: float | None = 5.0
    #: Waiting for each chunk of the answer (the first byte included).
    read: float | None = 30.0
    #: Sending each chunk of the request.
    write: float | None = 30.0
    #: Waiting for a free connection from the pool.
    pool: float | None = 10.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "write", "pool"):
            _seconds(f"timeout.{name}", getattr(self, name))

    @classmethod
    def of(cls, value: Timeout | float | None) -> Timeout:
        """``value`` as a :class:`Timeout`: a number applies to every phase; ``None`` keeps the
        defaults."""
        if value is None:
            return cls()
        if isinstance(value, Timeout):
            return value
        _seconds("timeout", value)
        return cls(connect=value, read=value, write=value, pool=value)

    def as_dict(self) -> dict[str, float | None]:
        """The four limits by name (the form ``httpx.Timeout`` takes)."""
        return {"connect": self.connect, "read": self.read, "write": self.write, "pool": self.pool}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how a failed request is tried again.

    Retried by default: connection failures (the request never left, so any method is safe),
    ``statuses`` (429 and 503: Twilio did not process the request), and, for idempotent
    requests only (reads, deletes, updates that set fields), timeouts and connections dropped
    after the request was sent.

    Never retried, whatever the policy says: a create (POST) whose outcome is unknown because
    the request was sent and no answer came back (timeout, dropped connection, 500/502/504).
    That raises :class:`twiliokit.errors.UnknownOutcomeError` with a hint on how to check
    whether it happened, because sending it again could send a second SMS.

    The delay before retry ``n`` (0-based) is ``initial_delay * multiplier**n`` (or
    ``initial_delay`` when ``exponential`` is false), capped at ``max_delay``, of which the
    fraction ``jitter`` is random so that many clients do not retry in step. A ``Retry-After``
    header (seconds or an HTTP date) replaces the computed delay when ``respect_retry_after``
    is true; one longer than ``max_retry_after`` is not waited for: the error is raised with
    ``retry_after`` set, so the caller can schedule the retry itself.
    """

    #: Retries after the first attempt (0 disables retrying).
    max_retries: int = 3
    #: Delay before the first retry, in seconds.
    initial_delay: float = 0.5
    #: No computed delay exceeds this, in seconds.
    max_delay: float = 30.0
    #: Grow the delay by ``multiplier`` each retry (false: always ``initial_delay``).
    exponential: bool = True
    multiplier: float = 2.0
    #: Fraction of each computed delay that is random: 0 = fixed delays, 1 = "full jitter".
    jitter: float = 0.5
    #: HTTP statuses that are retried (for every method: they mean "not processed").
    statuses: frozenset[int] = field(default=DEFAULT_RETRY_STATUSES)
    #: Retry every error answer (any 4xx or 5xx), not just ``statuses``; for raw requests.
    #: Still never re-sends a create whose outcome is unknown.
    retry_all_errors: bool = False
    #: Wait what ``Retry-After`` asks instead of the computed delay.
    respect_retry_after: bool = True
    #: Longest ``Retry-After`` waited for, in seconds.
    max_retry_after: float = 60.0
    #: Told about each retry before its wait (the CLI prints it on stderr); it does not take
    #: part in the decision, nor in comparing policies.
    on_retry: RetryListener | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_retries, bool)
            or not isinstance(self.max_retries, int)
            or not 0 <= self.max_retries <= 100
        ):
            raise ValidationError(
                f"retry.max_retries must be a whole number from 0 to 100, not {self.max_retries!r}",
                field="retry.max_retries",
            )
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            _seconds(f"retry.{name}", getattr(self, name), allow_none=False)
        _seconds("retry.multiplier", self.multiplier, allow_none=False)
        if self.multiplier < 1:
            raise ValidationError("retry.multiplier must be at least 1", field="retry.multiplier")
        _seconds("retry.jitter", self.jitter, allow_none=False)
        if self.jitter > 1:
            raise ValidationError(
                f"retry.jitter is a fraction from 0 to 1, not {self.jitter!r}",
                field="retry.jitter",
            )
        statuses = frozenset(self.statuses)
        if any(
            isinstance(s, bool) or not isinstance(s, int) or not 400 <= s <= 599 for s in statuses
        ):
            raise ValidationError(
                "retry.statuses must be HTTP error statuses (400-599)", field="retry.statuses"
            )
        object.__setattr__(self, "statuses", statuses)

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_retries=0)
