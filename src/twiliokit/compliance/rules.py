"""The compliance rules, as pure decisions: each takes what the ledger and the settings say and
returns a :class:`Refusal` (what was refused, why, and what to do) or ``None``.

- **Opt-out**: the recipient replied STOP to this sender (or Messaging Service).
- **WhatsApp window**: free-form WhatsApp only within 24 hours of the user's last message;
  templates (``content_sid``) at any time.
- **Quiet hours**: no sends between two local times of the recipient, whose time zone comes
  from the number (``phonenumbers``' time zone metadata).
- **Countries**: only to the allowed destination countries.
- **Daily cap**: at most N messages to one recipient in any 24 hours.

No I/O here: :class:`~twiliokit.compliance.LedgerHooks` reads the ledger and calls these.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final, Literal

from twiliokit.compliance.settings import QuietHours
from twiliokit.errors import ComplianceError, OptedOutError, PolicyError, WhatsAppWindowError
from twiliokit.number_ranges import number_facts

__all__ = [
    "DAILY_CAP_PERIOD",
    "WHATSAPP_WINDOW",
    "Refusal",
    "Rule",
    "TimeZoneChoice",
    "country_refusal",
    "daily_cap_refusal",
    "in_quiet_hours",
    "next_allowed",
    "opt_out_refusal",
    "quiet_hours_end",
    "quiet_hours_refusal",
    "recipient_timezone",
    "whatsapp_window_refusal",
    "window_open",
]

#: WhatsApp's customer-service window: free-form messages within this long of the user's last.
WHATSAPP_WINDOW: Final = timedelta(hours=24)
#: The daily cap counts messages over this rolling period.
DAILY_CAP_PERIOD: Final = timedelta(hours=24)
_WHATSAPP = "whatsapp:"
_SHOWN_ZONES = 3

Rule = Literal["opted_out", "whatsapp_window", "quiet_hours", "country", "daily_cap"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a send was refused before any request: ``rule``, a ``message`` saying what and why,
    and a ``hint`` saying what to do instead."""

    rule: Rule
    message: str
    hint: str
    field: str = "to"

    def error(self) -> ComplianceError:
        """The exception to raise: ``OptedOutError``, ``WhatsAppWindowError`` or
        ``PolicyError``."""
        kind: type[ComplianceError]
        if self.rule == "opted_out":
            kind = OptedOutError
        elif self.rule == "whatsapp_window":
            kind = WhatsAppWindowError
        else:
            kind = PolicyError
        return kind(self.message, hint=self.hint, field=self.field)


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(address: str) -> str:
    """The phone number of an address (``whatsapp:+1...`` -> ``+1...``)."""
    return address.removeprefix(_WHATSAPP)


# --- opt-out ---------------------------------------------------------------------------------


def opt_out_refusal(*, opted_out: bool, sender_key: str, recipient: str) -> Refusal | None:
    """Refuse a recipient whose latest consent event for this sender key is a STOP."""
    if not opted_out:
        return None
    if sender_key.startswith("MG"):
        sender = f"your Messaging Service {sender_key}"
        where = "any number of that Messaging Service"
    else:
        sender = sender_key
        where = sender_key
    return Refusal(
        "opted_out",
        f"{recipient} replied STOP to {sender}, so Twilio refuses further messages from it "
        "(error 21610): nothing was sent.",
        f"They must text START (or YES, UNSTOP) to {where} to receive messages again. Do not "
        "message them from another sender to get around it.",
    )


# --- WhatsApp window -------------------------------------------------------------------------


def window_open(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether free-form WhatsApp is allowed: the user wrote less than 24 hours ago."""
    return last_inbound is not None and now - last_inbound < WHATSAPP_WINDOW


def _ago(delta: timedelta) -> str:
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} h {rest // 60} min"


def whatsapp_window_refusal(
    *, last_inbound: datetime | None, now: datetime, template: bool, recipient: str
) -> Refusal | None:
    """Refuse free-form WhatsApp outside the window; a template (``content_sid``) always goes."""
    if template or window_open(last_inbound, now):
        return None
    hint = (
        "Send an approved template instead: pass content_sid (and content_variables) to "
        "send_whatsapp; list_whatsapp_templates shows the approved ones. The window opens "
        "again for 24 hours when they write to you."
    )
    if last_inbound is None:
        return Refusal(
            "whatsapp_window",
            f"{recipient} has not written to you (no inbound message from them in the ledger), "
            "so WhatsApp allows only a template: free-form messages go only within 24 hours "
            "of the user's last message. Twilio would accept this one and fail it with error "
            "63016; nothing was sent.",
            hint + " Inbound messages reach the ledger through the webhook receiver.",
            field="body",
        )
    closed = last_inbound + WHATSAPP_WINDOW
    return Refusal(
        "whatsapp_window",
        f"{recipient} last wrote {_ago(now - last_inbound)} ago ({_utc(last_inbound)}); "
        f"WhatsApp's 24-hour window closed at {_utc(closed)}, so free-form messages are no "
        "longer delivered (Twilio would fail it with error 63016): nothing was sent.",
        hint,
        field="body",
    )


# --- quiet hours -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeZoneChoice:
    """The time zone quiet hours use for a recipient, and how it was chosen.

    ``candidates`` are every zone the number's prefix covers; with several, the first is used
    (``phonenumbers`` gives no better guess) and :attr:`note` says so.
    """

    name: str
    candidates: tuple[str, ...]
    from_number: bool

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.name)

    @property
    def note(self) -> str | None:
        """What to tell the user about the choice, or ``None`` when the number has one zone."""
        if not self.from_number:
            return f"the number's time zone is unknown, so the fallback {self.name} was used"
        if len(self.candidates) > 1:
            shown = ", ".join(self.candidates[:_SHOWN_ZONES])
            more = ", ..." if len(self.candidates) > _SHOWN_ZONES else ""
            return (
                f"the number spans {len(self.candidates)} time zones ({shown}{more}); "
                f"the first, {self.name}, was used"
            )
        return None


def recipient_timezone(recipient: str, fallback: str) -> TimeZoneChoice:
    """The recipient's time zone from the number; ``fallback`` when the number does not say.
    (Read per numbering-plan range, cached: a bulk send judges 100,000 recipients.)"""
    zones = number_facts(_number(recipient)).time_zones
    if zones:
        return TimeZoneChoice(zones[0], zones, from_number=True)
    return TimeZoneChoice(fallback, (), from_number=False)


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether ``local`` falls in ``[start, end)``; ``start`` after ``end`` spans midnight."""
    local = local.replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_allowed(at: datetime, end: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The first moment at or after ``at`` whose local time in ``zone`` is ``end``."""
    local = at.astimezone(zone)
    candidate = datetime.combine(local.date(), end, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=zone)
    return candidate.astimezone(at.tzinfo)


def quiet_hours_end(*, recipient: str, at: datetime, quiet: QuietHours) -> datetime | None:
    """When quiet hours end for the recipient if ``at`` falls inside them (their local time),
    else ``None``: where a bulk send defers a recipient to, rather than refusing it."""
    zone = recipient_timezone(recipient, quiet.fallback_timezone).zone
    if not in_quiet_hours(at.astimezone(zone).time(), quiet.start, quiet.end):
        return None
    return next_allowed(at, quiet.end, zone)


def quiet_hours_refusal(
    *, recipient: str, at: datetime, quiet: QuietHours, scheduled: bool = False
) -> Refusal | None:
    """Refuse a send that would reach the recipient during quiet hours (their local time).

    ``at`` is when it would be sent: now, or the ``send_at`` of a scheduled message.
    """
    choice = recipient_timezone(recipient, quiet.fallback_timezone)
    local = at.astimezone(choice.zone)
    if not in_quiet_hours(local.time(), quiet.start, quiet.end):
        return None
    resume = next_allowed(at, quiet.end, choice.zone)
    when = f"At {_utc(at)} (its send_at)" if scheduled else "Now"
    note = f"; {choice.note}" if choice.note else ""
    return Refusal(
        "quiet_hours",
        f"{when} it is {local:%H:%M} for {recipient} ({choice.name}{note}), inside the quiet "
        f"hours {quiet.describe()} of the compliance settings: nothing was sent.",
        (
            f"Give it a send_at at or after {quiet.end:%H:%M} their time ({_utc(resume)})."
            if scheduled
            else f"Send it at or after {quiet.end:%H:%M} their time ({_utc(resume)}), or now "
            f'with send_at "{_utc(resume)}": the outbox holds it until then.'
        ),
        field="send_at" if scheduled else "to",
    )


# --- countries -------------------------------------------------------------------------------


def country_refusal(*, recipient: str, allowed: frozenset[str]) -> Refusal | None:
    """Refuse a destination outside the allowed countries (or one whose country is unknown)."""
    region = number_facts(_number(recipient)).region
    if region is not None and region in allowed:
        return None
    listed = ", ".join(sorted(allowed))
    hint = (
        f"Only send to numbers in {listed}. If this destination is intended, the operator "
        "adds its country to allowed_countries in the [compliance] table of the config file."
    )
    if region is None:
        return Refusal(
            "country",
            f"The country of {recipient} cannot be told (a short code or a number outside "
            f"every numbering plan), and the compliance settings allow only {listed}: nothing "
            "was sent.",
            hint,
        )
    return Refusal(
        "country",
        f"{recipient} is a number in {region}, and the compliance settings allow only "
        f"{listed}: nothing was sent.",
        hint,
    )


# --- daily cap -------------------------------------------------------------------------------


def daily_cap_refusal(*, sent: int, cap: int, recipient: str) -> Refusal | None:
    """Refuse when ``sent`` messages in the last 24 hours already reach the cap."""
    if sent < cap:
        return None
    return Refusal(
        "daily_cap",
        f"{sent} {'message' if sent == 1 else 'messages'} went to {recipient} in the last 24 "
        f"hours, and the compliance settings allow {cap} per recipient in any 24 hours: "
        "nothing was sent.",
        "Wait until the earlier messages are more than 24 hours old, or combine what you "
        "have to say into one message.",
    )
