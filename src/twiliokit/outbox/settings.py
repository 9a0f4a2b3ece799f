"""``OutboxSettings``: how workers send what the outbox holds, from the config file's
``[outbox]`` table.

::

    [outbox]
    rates = { "+15005550006" = 5, "MG0123456789abcdef0123456789abcdef" = 30 }   # per second
    max_in_flight = 20        # requests in flight across every worker sharing the database
    lease_seconds = 60        # how long a claim holds before another worker may judge it
    concurrency = 8           # requests one worker has out at the same time

A small frozen object with named defaults; parsing the table is pure (it takes the parsed
mapping, never reads a file or the environment).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from twiliokit.config_file import SectionSettings
from twiliokit.errors import ConfigurationError
from twiliokit.outbox.pacing import default_rate

__all__ = ["MAX_CONCURRENCY", "SECTION", "SECTION_KEYS", "OutboxSettings"]

#: The config file table these settings come from.
SECTION: Final = "outbox"
#: Keys the ``[outbox]`` table may hold (a typo is an error, not a silently ignored key).
SECTION_KEYS: Final = frozenset(
    {"rates", "max_in_flight", "lease_seconds", "concurrency", "reconcile_grace_seconds"}
)


#: The most requests one worker has out at once (``concurrency``, ``twiliokit worker
#: --concurrency``): more is more workers' work, and each holds a connection.
MAX_CONCURRENCY: Final = 1000


def _number(
    value: object, name: str, *, minimum: float, maximum: float | None = None, whole: bool = False
) -> None:
    kind = "a whole number" if whole else "a number"
    wrong = isinstance(value, bool) or not isinstance(value, int if whole else int | float)
    number = math.nan if wrong else float(value)  # type: ignore[arg-type]
    if not math.isfinite(number) or number < minimum or (maximum is not None and number > maximum):
        span = (
            f"of at least {minimum:g}" if maximum is None else f"from {minimum:g} to {maximum:,g}"
        )
        shown = str(value).lower() if isinstance(value, bool) else repr(str(value)[:40])
        raise ConfigurationError(
            f"{name} must be {kind} {span}, not {shown}",
            field=name,
            hint=f"Write {name} = {minimum:g} or more"
            + (f" (at most {maximum:,g})" if maximum is not None else "")
            + ", or leave it out for the default.",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxSettings(SectionSettings):
    """How a worker sends (see the module docstring).

    ``rates``: messages per second per sender key (a number, short code, alphanumeric ID,
    ``whatsapp:+1...``, ``MG...``); senders not listed get :func:`~twiliokit.outbox.pacing.
    default_rate`. ``max_in_flight``: requests in flight at once across every worker on the
    database (Twilio's account concurrency limit is not published; 100 is often quoted).
    ``lease_seconds``: how long a claimed item stays a worker's without word from it; a worker
    renews the lease of a long request. ``concurrency``: requests one worker has out at once.
    ``reconcile_grace_seconds``: how long after its request started an item whose outcome is
    unknown must be absent from Twilio's list before it may be sent again.
    """

    rates: Mapping[str, float] = field(default_factory=dict)
    max_in_flight: int | None = 20
    lease_seconds: float = 60.0
    concurrency: int = 8
    reconcile_grace_seconds: float = 300.0
    source: str = field(default="settings", compare=False)

    table: ClassVar[str] = SECTION
    table_keys: ClassVar[frozenset[str]] = SECTION_KEYS

    def __post_init__(self) -> None:
        if not isinstance(self.rates, Mapping):
            raise ConfigurationError(
                "rates must be a table of sender = messages per second",
                field="rates",
                hint='Write rates = { "+14155550100" = 1, "MG..." = 30 }.',
            )
        for sender, rate in self.rates.items():
            _number(rate, f"rates.{sender}", minimum=0.001)
        # A copy of its own, as a dict: the settings travel to `serve --workers` processes
        # by pickle, which a MappingProxyType cannot.
        object.__setattr__(self, "rates", {str(k): float(v) for k, v in self.rates.items()})
        if self.max_in_flight is not None:
            _number(self.max_in_flight, "max_in_flight", minimum=1, whole=True)
        _number(self.lease_seconds, "lease_seconds", minimum=5)
        _number(self.concurrency, "concurrency", minimum=1, maximum=MAX_CONCURRENCY, whole=True)
        _number(self.reconcile_grace_seconds, "reconcile_grace_seconds", minimum=0)

    def rate_for(self, sender: str) -> float:
        """``sender``'s messages per second: the configured rate, else its kind's default."""
        return self.rates.get(sender, default_rate(sender))

    @classmethod
    def _from_table(cls, section: Mapping[str, Any], *, where: str) -> OutboxSettings:
        known = {key: section[key] for key in SECTION_KEYS if key in section}
        try:
            return cls(**known, source=f"[{SECTION}] of {where}")
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"[{SECTION}] of {where}: {exc.message}",
                field=f"{SECTION}.{exc.field}" if exc.field else SECTION,
                hint=exc.hint,
            ) from None
