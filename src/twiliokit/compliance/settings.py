"""``ComplianceSettings``: which checks run before a message or call leaves, from the config
file's ``[compliance]`` table.

::

    [compliance]
    opt_outs = true                     # refuse recipients who replied STOP (default: on)
    whatsapp_window = true              # refuse free-form WhatsApp outside 24 h (default: on)
    quiet_hours_start = "21:00"         # no sends between these local times of the recipient
    quiet_hours_end = "08:00"
    fallback_timezone = "America/New_York"   # when a number's time zone is unknown (default UTC)
    allowed_countries = ["US", "CA"]    # destination countries (ISO 3166); default: any
    daily_cap = 10                      # messages per recipient in any 24 hours; default: none

A small frozen object with named defaults; parsing the table is pure (it takes the parsed
mapping, never reads a file or the environment).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any, ClassVar, Final

import phonenumbers

from twiliokit.config_file import SectionSettings
from twiliokit.errors import ConfigurationError

__all__ = ["SECTION", "SECTION_KEYS", "ComplianceSettings", "QuietHours"]

#: The config file table these settings come from.
SECTION: Final = "compliance"
#: Keys the ``[compliance]`` table may hold (a typo is an error, not a silently ignored key).
SECTION_KEYS: Final = frozenset(
    {
        "opt_outs",
        "whatsapp_window",
        "quiet_hours_start",
        "quiet_hours_end",
        "fallback_timezone",
        "allowed_countries",
        "daily_cap",
    }
)
_COMMON_MISTAKES: Final = {"UK": "GB", "EN": "GB", "USA": "US"}


def _zone(name: object, key: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError(
            f"{key} must be an IANA time zone name",
            field=key,
            hint='Write it like "America/New_York", "Europe/London" or "UTC".',
        )
    try:
        zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"{key} {name!r} is not a known time zone",
            field=key,
            hint='Use an IANA name such as "America/New_York", "Europe/London" or "UTC".',
        ) from None
    return name.strip()


def _clock_time(value: object, key: str) -> time:
    """``"21:00"``, ``"21:00:30"`` or a TOML local time (``21:00:00``)."""
    problem = ConfigurationError(
        f"{key} must be a time of day as HH:MM, not {str(value)[:40]!r}",
        field=key,
        hint='Write it on the 24-hour clock, e.g. "21:00" or "08:30".',
    )
    if isinstance(value, time):
        parsed = value
    elif isinstance(value, str) and len(value.strip()) in (5, 8):  # HH:MM or HH:MM:SS
        try:
            parsed = time.fromisoformat(value.strip())
        except ValueError:
            raise problem from None
    else:
        raise problem
    if parsed.tzinfo is not None:
        raise ConfigurationError(
            f"{key} must not carry a time zone: it is the recipient's local time",
            field=key,
            hint='Write it as "21:00"; the recipient\'s time zone comes from their number.',
        )
    return parsed.replace(microsecond=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class QuietHours:
    """No sends from ``start`` (inclusive) to ``end`` (exclusive), in the recipient's local time.

    ``start`` after ``end`` (``21:00``-``08:00``) spans midnight. The time zone comes from the
    recipient's number; ``fallback_timezone`` is used when the number does not tell (short
    codes, unknown numbering plans).
    """

    start: time
    end: time
    fallback_timezone: str = "UTC"

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _clock_time(self.start, "quiet_hours_start"))
        object.__setattr__(self, "end", _clock_time(self.end, "quiet_hours_end"))
        object.__setattr__(
            self, "fallback_timezone", _zone(self.fallback_timezone, "fallback_timezone")
        )
        if self.start == self.end:
            raise ConfigurationError(
                f"quiet_hours_start and quiet_hours_end are both {self.start:%H:%M}: "
                "that window is empty",
                field="quiet_hours_start",
                hint="Give two different times (e.g. 21:00 and 08:00), or leave both out to "
                "allow sends at any hour.",
            )

    def describe(self) -> str:
        """``21:00-08:00``."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _countries(value: object) -> frozenset[str]:
    items: Iterable[object]
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigurationError(
            "allowed_countries must be a list of ISO 3166 country codes",
            field="allowed_countries",
            hint='Write it as allowed_countries = ["US", "CA"].',
        )
    items = list(value)
    if not items:
        raise ConfigurationError(
            "allowed_countries is empty, which would refuse every send",
            field="allowed_countries",
            hint="List the countries you send to, or leave the key out to allow any.",
        )
    codes = set()
    for item in items:
        code = item.strip().upper() if isinstance(item, str) else ""
        if code not in phonenumbers.SUPPORTED_REGIONS:
            better = _COMMON_MISTAKES.get(code)
            hint = f"Did you mean {better}? " if better else ""
            raise ConfigurationError(
                f"allowed_countries has {item!r}, which is not an ISO 3166 country code",
                field="allowed_countries",
                hint=f"{hint}Use two-letter codes such as US, CA, GB, DE.",
            )
        codes.add(code)
    return frozenset(codes)


@dataclass(frozen=True, slots=True, kw_only=True)
class ComplianceSettings(SectionSettings):
    """What :class:`~twiliokit.compliance.LedgerHooks` checks before a request leaves.

    ``opt_outs`` (on by default) refuses a recipient whose latest STOP/START for the sender
    (or Messaging Service) in the ledger is a STOP: Twilio would refuse it with 21610 anyway.
    Turn it off only when opt-outs are enforced elsewhere.

    ``whatsapp_window`` (on by default) refuses a free-form WhatsApp message when the ledger
    has no inbound message from the user in the last 24 hours: Twilio would accept it and fail
    it with 63016. It relies on the webhook receiver recording inbound messages into the same
    ledger; turn it off only when inbound messages reach Twilio but not this ledger.

    ``quiet_hours``: no sends between these local times of the recipient. ``allowed_countries``:
    destination countries (ISO 3166 codes); ``None`` allows any. ``daily_cap``: at most this
    many messages to one recipient in any 24 hours (calls are not counted); ``None`` is no cap.
    """

    opt_outs: bool = True
    whatsapp_window: bool = True
    quiet_hours: QuietHours | None = None
    allowed_countries: frozenset[str] | None = None
    daily_cap: int | None = None
    #: The table these settings were read from, for error messages.
    source: str = field(default="settings", compare=False)

    table: ClassVar[str] = SECTION
    table_keys: ClassVar[frozenset[str]] = SECTION_KEYS

    def __post_init__(self) -> None:
        for name in ("opt_outs", "whatsapp_window"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigurationError(
                    f"{name} must be true or false", field=name, hint=f"Write {name} = true."
                )
        if self.quiet_hours is not None and not isinstance(self.quiet_hours, QuietHours):
            raise ConfigurationError(
                "quiet_hours must be a QuietHours(start=..., end=...)", field="quiet_hours"
            )
        if self.allowed_countries is not None:
            object.__setattr__(self, "allowed_countries", _countries(self.allowed_countries))
        cap = self.daily_cap
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise ConfigurationError(
                f"daily_cap must be a whole number of at least 1, not {cap!r}",
                field="daily_cap",
                hint="Write daily_cap = 10, or leave it out for no cap.",
            )

    @classmethod
    def _from_table(cls, section: Mapping[str, Any], *, where: str) -> ComplianceSettings:
        start, end = section.get("quiet_hours_start"), section.get("quiet_hours_end")
        if (start is None) != (end is None):
            missing = "quiet_hours_end" if end is None else "quiet_hours_start"
            raise ConfigurationError(
                f"[{SECTION}] of {where} sets one end of the quiet hours but not {missing}",
                field=f"{SECTION}.{missing}",
                hint='Give both, e.g. quiet_hours_start = "21:00" and quiet_hours_end = "08:00".',
            )
        fallback = section.get("fallback_timezone", "UTC")
        quiet = None
        if start is not None and end is not None:
            quiet = QuietHours(start=start, end=end, fallback_timezone=fallback)
        elif "fallback_timezone" in section:
            _zone(fallback, "fallback_timezone")
        return cls(
            opt_outs=section.get("opt_outs", True),
            whatsapp_window=section.get("whatsapp_window", True),
            quiet_hours=quiet,
            allowed_countries=section.get("allowed_countries"),
            daily_cap=section.get("daily_cap"),
            source=f"[{SECTION}] of {where}",
        )
