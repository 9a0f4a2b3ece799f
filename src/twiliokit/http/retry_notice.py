"""What a retry is about to do, told to whoever wants to know (the CLI prints it on stderr).

:class:`RetryNotice` is built by the exchange (``twiliokit.http.exchange``) just before it
waits to try again, and passed to :attr:`RetryPolicy.on_retry
<twiliokit.http.policies.RetryPolicy.on_retry>`; the decision whether and how long to wait
stays in the pure functions of ``twiliokit.http.retry``. :meth:`RetryNotice.describe` is the
sentence a person reads. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RetryListener", "RetryNotice"]


@dataclass(frozen=True, slots=True)
class RetryNotice:
    """A retry about to happen: why, after how long, and which attempt it will be."""

    #: ``METHOD host/path`` of the request (no query string, no credentials).
    target: str
    #: The HTTP status that was answered, or ``None`` after a network failure.
    status: int | None
    #: Twilio's error code, when the answer carried one.
    code: int | None
    #: ``connect``, ``timeout`` or ``dropped`` after a network failure, else ``None``.
    failure: str | None
    #: Seconds until the next attempt.
    delay: float
    #: The attempt that follows the wait (the first request was attempt 1).
    attempt: int
    #: Attempts in all, when every retry is used.
    attempts: int

    def describe(self) -> str:
        """One line for people: ``Twilio answered 429; retrying in 2 s, attempt 2 of 4``."""
        if self.status is not None:
            code = f" (error {self.code})" if self.code else ""
            why = f"Twilio answered {self.status}{code}"
        elif self.failure == "connect":
            why = "Could not connect to Twilio"
        elif self.failure == "timeout":
            why = "Twilio did not answer in time"
        else:
            why = "The connection to Twilio broke"
        wait = f"{self.delay:.0f} s" if self.delay >= 1 else f"{self.delay:.1f} s"
        return f"{why}; retrying in {wait}, attempt {self.attempt} of {self.attempts}"


#: A callable told about each retry before its wait.
RetryListener = Callable[[RetryNotice], None]
