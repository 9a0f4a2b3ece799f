"""The pure compliance rules: opt-out, WhatsApp window, quiet hours, countries, daily cap."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from twiliokit.compliance.rules import (
    WHATSAPP_WINDOW,
    Refusal,
    Rule,
    country_refusal,
    daily_cap_refusal,
    in_quiet_hours,
    next_allowed,
    opt_out_refusal,
    quiet_hours_refusal,
    recipient_timezone,
    whatsapp_window_refusal,
    window_open,
)
from twiliokit.compliance.settings import QuietHours
from twiliokit.errors import OptedOutError, PolicyError, WhatsAppWindowError

LA = "+14155552671"  # San Francisco: America/Los_Angeles only
LONDON = "+442071838750"  # Europe/London only
TOLL_FREE = "+18005550100"  # every North American zone
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NIGHT = QuietHours(start=time(21), end=time(8))


# --- opt-out ---------------------------------------------------------------------------------


def test_opt_out_refuses_with_stop_and_start_in_the_words() -> None:
    """An opted-out recipient is refused with OptedOutError saying STOP and START."""
    refusal = opt_out_refusal(opted_out=True, sender_key="+15005550006", recipient=LA)
    assert refusal is not None
    error = refusal.error()
    assert isinstance(error, OptedOutError)
    assert "STOP" in error.message
    assert "nothing was sent" in error.message
    assert "START" in (error.hint or "")
    assert error.field == "to"


def test_opt_out_through_a_messaging_service_names_the_service() -> None:
    """A STOP kept per Messaging Service says so, since any of its numbers is blocked."""
    service = "MG" + "0" * 32
    refusal = opt_out_refusal(opted_out=True, sender_key=service, recipient=LA)
    assert refusal is not None
    assert f"Messaging Service {service}" in refusal.message


def test_no_opt_out_no_refusal() -> None:
    """A recipient who has not opted out passes."""
    assert opt_out_refusal(opted_out=False, sender_key="+15005550006", recipient=LA) is None


# --- WhatsApp window -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since_inbound", "is_open"),
    [
        (timedelta(0), True),
        (timedelta(hours=23, minutes=59, seconds=59), True),
        (WHATSAPP_WINDOW, False),
        (WHATSAPP_WINDOW + timedelta(seconds=1), False),
    ],
)
def test_window_is_open_for_less_than_24_hours(since_inbound: timedelta, is_open: bool) -> None:
    """The window is open strictly less than 24 hours after the last inbound message."""
    assert window_open(NOW - since_inbound, NOW) is is_open


def test_free_form_without_any_inbound_is_refused_with_the_template_route() -> None:
    """No inbound message at all: WhatsAppWindowError naming content_sid and 63016."""
    refusal = whatsapp_window_refusal(
        last_inbound=None, now=NOW, template=False, recipient="whatsapp:" + LA
    )
    assert refusal is not None
    error = refusal.error()
    assert isinstance(error, WhatsAppWindowError)
    assert "63016" in error.message
    assert "content_sid" in (error.hint or "")
    assert "list_whatsapp_templates" in (error.hint or "")


def test_closed_window_says_when_it_closed() -> None:
    """After 24 hours the refusal gives the last inbound time and when the window closed."""
    last = NOW - timedelta(hours=30)
    refusal = whatsapp_window_refusal(
        last_inbound=last, now=NOW, template=False, recipient="whatsapp:" + LA
    )
    assert refusal is not None
    assert "2026-03-01T06:00:00Z" in refusal.message
    assert "closed at 2026-03-02T06:00:00Z" in refusal.message
    assert "30 h 0 min ago" in refusal.message


def test_a_template_is_allowed_outside_the_window() -> None:
    """A template send (content_sid) is never refused by the window."""
    assert (
        whatsapp_window_refusal(last_inbound=None, now=NOW, template=True, recipient="whatsapp:+1")
        is None
    )


def test_free_form_inside_the_window_passes() -> None:
    """A user who wrote an hour ago can get free-form messages."""
    last = NOW - timedelta(hours=1)
    assert whatsapp_window_refusal(last_inbound=last, now=NOW, template=False, recipient=LA) is None


# --- time zones ------------------------------------------------------------------------------


def test_a_number_with_one_zone_uses_it_without_a_note() -> None:
    """A San Francisco number is in America/Los_Angeles, with nothing to explain."""
    choice = recipient_timezone(LA, "UTC")
    assert (choice.name, choice.from_number, choice.note) == ("America/Los_Angeles", True, None)


def test_whatsapp_addresses_use_the_number() -> None:
    """whatsapp:+44... is in London like +44..."""
    assert recipient_timezone("whatsapp:" + LONDON, "UTC").name == "Europe/London"


def test_a_number_with_several_zones_takes_the_first_and_says_so() -> None:
    """A US toll-free number spans many zones: the first is used and the note says so."""
    choice = recipient_timezone(TOLL_FREE, "UTC")
    assert choice.name == choice.candidates[0]
    assert len(choice.candidates) > 1
    assert choice.note is not None
    assert f"spans {len(choice.candidates)} time zones" in choice.note
    assert f"the first, {choice.name}, was used" in choice.note


@pytest.mark.parametrize("recipient", ["12345", "not a number", "+999123"])
def test_unknown_zones_use_the_fallback_and_say_so(recipient: str) -> None:
    """Short codes and unknown numbers get the configured fallback zone, noted."""
    choice = recipient_timezone(recipient, "Europe/Berlin")
    assert (choice.name, choice.from_number) == ("Europe/Berlin", False)
    assert "fallback Europe/Berlin" in (choice.note or "")


# --- quiet hours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (time(20, 59, 59), False),
        (time(21, 0), True),
        (time(23, 59), True),
        (time(0, 0), True),
        (time(7, 59, 59), True),
        (time(8, 0), False),
        (time(12, 0), False),
    ],
)
def test_quiet_hours_spanning_midnight(local: time, quiet: bool) -> None:
    """21:00-08:00: the start is quiet, the end is not, midnight is."""
    assert in_quiet_hours(local, time(21), time(8)) is quiet


@pytest.mark.parametrize(
    ("local", "quiet"),
    [(time(11, 59), False), (time(12, 0), True), (time(13, 29), True), (time(13, 30), False)],
)
def test_quiet_hours_within_one_day(local: time, quiet: bool) -> None:
    """12:00-13:30 (a lunch break) does not wrap."""
    assert in_quiet_hours(local, time(12), time(13, 30)) is quiet


def test_quiet_hours_refuse_at_night_in_the_recipients_zone() -> None:
    """06:30 UTC is 22:30 in San Francisco (PST): refused, with when to send instead."""
    at = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    refusal = quiet_hours_refusal(recipient=LA, at=at, quiet=NIGHT)
    assert refusal is not None
    error = refusal.error()
    assert isinstance(error, PolicyError)
    assert "22:30" in error.message
    assert "America/Los_Angeles" in error.message
    assert "21:00-08:00" in error.message
    # 08:00 PST on 2 March is 16:00 UTC.
    assert "2026-03-02T16:00:00Z" in (error.hint or "")


def test_the_same_moment_is_daytime_elsewhere() -> None:
    """12:00 UTC is noon in London (allowed) and 04:00 in San Francisco (quiet)."""
    assert quiet_hours_refusal(recipient=LONDON, at=NOW, quiet=NIGHT) is None
    assert quiet_hours_refusal(recipient=LA, at=NOW, quiet=NIGHT) is not None


def test_quiet_hours_follow_daylight_saving_time() -> None:
    """After the US switch to PDT (8 March 2026), 15:30 UTC is 08:30 local: allowed; before
    it, 15:30 UTC is 07:30 PST: refused."""
    assert (
        quiet_hours_refusal(recipient=LA, at=datetime(2026, 3, 9, 15, 30, tzinfo=UTC), quiet=NIGHT)
        is None
    )
    assert (
        quiet_hours_refusal(recipient=LA, at=datetime(2026, 3, 2, 15, 30, tzinfo=UTC), quiet=NIGHT)
        is not None
    )


def test_quiet_hours_refusal_names_the_zone_choice_for_multi_zone_numbers() -> None:
    """For a number spanning zones the refusal says the first one was used."""
    at = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 02:00 in America/Adak (UTC-10)
    refusal = quiet_hours_refusal(recipient=TOLL_FREE, at=at, quiet=NIGHT)
    assert refusal is not None
    assert "the first, America/Adak, was used" in refusal.message


def test_a_scheduled_send_is_judged_at_its_send_at() -> None:
    """A send_at during quiet hours is refused on field send_at."""
    at = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    refusal = quiet_hours_refusal(recipient=LA, at=at, quiet=NIGHT, scheduled=True)
    assert refusal is not None
    assert refusal.field == "send_at"
    assert "send_at" in refusal.message


def test_next_allowed_is_today_or_tomorrow() -> None:
    """Before the end time it is today's end; after it, tomorrow's."""
    zone = recipient_timezone(LONDON, "UTC").zone
    early = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)  # 06:00 BST
    late = datetime(2026, 6, 1, 21, 0, tzinfo=UTC)  # 22:00 BST
    assert next_allowed(early, time(8), zone) == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    assert next_allowed(late, time(8), zone) == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)


# --- countries -------------------------------------------------------------------------------


def test_an_allowed_country_passes() -> None:
    """A US number passes an allowlist with US, also as a WhatsApp address."""
    assert country_refusal(recipient=LA, allowed=frozenset({"US", "CA"})) is None
    assert country_refusal(recipient="whatsapp:" + LA, allowed=frozenset({"US"})) is None


def test_another_country_is_refused_naming_both() -> None:
    """A GB number against a US/CA allowlist: PolicyError naming GB and the allowed list."""
    refusal = country_refusal(recipient=LONDON, allowed=frozenset({"US", "CA"}))
    assert refusal is not None
    assert isinstance(refusal.error(), PolicyError)
    assert "in GB" in refusal.message
    assert "CA, US" in refusal.message
    assert "allowed_countries" in refusal.hint


def test_an_unknown_country_is_refused_when_an_allowlist_is_set() -> None:
    """A short code's country cannot be told, so an allowlist refuses it."""
    refusal = country_refusal(recipient="12345", allowed=frozenset({"US"}))
    assert refusal is not None
    assert "cannot be told" in refusal.message


# --- daily cap -------------------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "refused"), [(0, False), (2, False), (3, True), (4, True)])
def test_daily_cap_refuses_at_the_cap(sent: int, refused: bool) -> None:
    """With a cap of 3, the fourth message (3 already sent) is refused."""
    refusal = daily_cap_refusal(sent=sent, cap=3, recipient=LA)
    assert (refusal is not None) is refused
    if refusal is not None:
        assert isinstance(refusal.error(), PolicyError)
        assert f"{sent} messages" in refusal.message


def test_refusals_map_to_the_error_tree() -> None:
    """Each rule raises its documented exception class."""
    assert isinstance(Refusal("opted_out", "m", "h").error(), OptedOutError)
    assert isinstance(Refusal("whatsapp_window", "m", "h").error(), WhatsAppWindowError)
    rules: tuple[Rule, ...] = ("quiet_hours", "country", "daily_cap")
    for rule in rules:
        error = Refusal(rule, "m", "h").error()
        assert type(error) is PolicyError
