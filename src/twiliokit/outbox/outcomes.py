"""How a request's answer becomes an item's outcome, as pure decisions.

- Twilio accepted it: ``sent`` with its SID and first status.
- Twilio refused it (a 4xx with an error code): ``failed`` with the code.
- Nothing left: the connection never opened, a safe timeout, a 429/20429 (the request was not
  processed): ``retry`` later; a 429 also slows the sender (:class:`Verdict` ``slow_until``).
- It may have left: the answer was lost (``UnknownOutcomeError``) or Twilio answered 5xx to a
  create: ``unknown``, for reconciliation. Never resent blindly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from twiliokit.actions.sending import outcome_of_error as pipeline_outcome
from twiliokit.errors import ConnectError, RateLimitError, TwilioError
from twiliokit.errors import TimeoutError as SafeTimeoutError
from twiliokit.ledger.outbox_records import OutboxOutcome, OutcomeKind

__all__ = [
    "QUEUE_OVERFLOW",
    "SLOW_DOWN_FOR",
    "TOO_MANY_REQUESTS",
    "Verdict",
    "outcome_of_answer",
    "outcome_of_error",
    "retry_backoff",
]

#: Twilio's "too many requests" (account concurrency): slow down and retry.
TOO_MANY_REQUESTS: Final = 20429
#: A Messaging Service's queue overflowed: the sender is sending faster than it can.
QUEUE_OVERFLOW: Final = 30001
#: How long a sender stays slowed (half its rate) after a 429/20429/30001.
SLOW_DOWN_FOR: Final = timedelta(minutes=1)
_MAX_BACKOFF: Final = 300.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """An item's outcome, and until when its sender should be slowed (``None``: not)."""

    outcome: OutboxOutcome
    slow_until: datetime | None = None


def retry_backoff(attempts: int) -> timedelta:
    """How long to wait before trying an item again after ``attempts`` tries: 2, 4, 8 ...
    seconds, at most five minutes."""
    return timedelta(seconds=min(_MAX_BACKOFF, 2.0 ** max(1, attempts)))


def outcome_of_answer(answer: Any, *, now: datetime) -> Verdict:
    """Twilio's answer (a Message, Call or Verification) as a ``sent`` outcome. A message that
    Twilio already reports failed with 30001 (queue overflow) slows its sender."""
    status = getattr(answer, "status", None)
    code = getattr(answer, "error_code", None)
    outcome = OutboxOutcome(
        kind=OutcomeKind.SENT,
        at=now,
        sid=getattr(answer, "sid", None),
        twilio_status=str(getattr(status, "value", status)) if status is not None else None,
        error_code=code if isinstance(code, int) else None,
    )
    slow = now + SLOW_DOWN_FOR if code == QUEUE_OVERFLOW else None
    return Verdict(outcome, slow)


def outcome_of_error(error: BaseException, *, now: datetime, attempts: int) -> Verdict:
    """What an error from a worker's request means for the item (see the module docstring).

    Beyond what the send pipeline decides (:func:`twiliokit.actions.sending.outcome_of_error`:
    refused, failed with Twilio's code, unknown after a lost answer, retried when nothing
    left), a worker retries a 429/20429 later and slows the sender, and takes a 5xx answer to
    a create as unknown: Twilio may have created it before failing.
    """
    if isinstance(error, RateLimitError) and error.code in (None, TOO_MANY_REQUESTS):
        wait = timedelta(seconds=error.retry_after) if error.retry_after else None
        retry_at = now + (wait or retry_backoff(attempts))
        outcome = OutboxOutcome(
            kind=OutcomeKind.RETRY,
            at=now,
            retry_at=retry_at,
            error_code=error.code,
            reason=f"Twilio asked to slow down (429): {error.message}"[:500],
        )
        return Verdict(outcome, slow_until=max(now + SLOW_DOWN_FOR, retry_at))
    if isinstance(error, TwilioError) and (error.status or 0) >= 500:
        return Verdict(
            OutboxOutcome(
                kind=OutcomeKind.UNKNOWN,
                at=now,
                error_code=error.code,
                reason=f"Twilio answered {error.status} ({error.message}); reconciliation "
                "will look for it at Twilio"[:500],
            )
        )
    if isinstance(error, SafeTimeoutError):
        error = ConnectError(error.message)  # a safe timeout: nothing left, as a refused connect
    return Verdict(
        pipeline_outcome(error, at=now, left=True, retry_at=now + retry_backoff(attempts))
    )
