"""The console's pure parts: session and CSRF tokens, the server-drawn chart, the SSE frame."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from twiliokit.errors import ConfigurationError
from twiliokit.server.console import ConsoleSettings
from twiliokit.server.console.chart_svg import hour_range, render_chart
from twiliokit.server.console.events import ConsoleEvent, sse_frame
from twiliokit.server.console.session import SESSION_SECONDS, ConsoleKeys

TOKEN = "unit-test-api-token-0123456789"
NOW = 1_800_000_000.0


def test_a_session_holds_until_it_expires_and_only_under_its_key() -> None:
    """A session cookie checks under the key of the token that issued it, until it expires;
    another token's key, a changed character or junk is no session (never an exception)."""
    keys = ConsoleKeys(TOKEN)
    cookie = keys.issue_session(now=NOW)
    assert keys.check_session(cookie, now=NOW + SESSION_SECONDS - 1) is not None
    assert keys.check_session(cookie, now=NOW + SESSION_SECONDS) is None
    assert ConsoleKeys(TOKEN + "x").check_session(cookie, now=NOW) is None
    expires, nonce, mac = cookie.split(".")
    assert keys.check_session(f"{int(expires) + 9999}.{nonce}.{mac}", now=NOW) is None
    for junk in ("", "a.b", "a.b.c", "...", "x" * 500, "1.2.3.4"):
        assert keys.check_session(junk, now=NOW) is None
    assert TOKEN not in cookie


def test_sign_out_revokes_the_session() -> None:
    """A revoked session no longer checks while another still does; revoked sessions are
    forgotten once they would have expired."""
    keys = ConsoleKeys(TOKEN)
    first, second = keys.issue_session(now=NOW), keys.issue_session(now=NOW)
    session = keys.check_session(first, now=NOW)
    assert session is not None
    keys.revoke(session)
    assert keys.check_session(first, now=NOW) is None
    later = keys.check_session(second, now=NOW)
    assert later is not None
    keys.revoke(later, now=NOW + SESSION_SECONDS)  # the first one has expired by then
    assert list(keys.revoked) == [later.nonce]


def test_a_csrf_token_belongs_to_its_cookie() -> None:
    """A form's token matches the CSRF cookie it was made for, and no other cookie, key or
    missing value."""
    keys = ConsoleKeys(TOKEN)
    cookie = keys.new_csrf_cookie()
    token = keys.csrf_token(cookie)
    assert keys.csrf_ok(cookie, token)
    assert not keys.csrf_ok(keys.new_csrf_cookie(), token)
    assert not ConsoleKeys(TOKEN + "x").csrf_ok(cookie, token)
    assert not keys.csrf_ok(None, token)
    assert not keys.csrf_ok(cookie, None)
    assert not keys.csrf_ok(cookie, "")


def test_the_api_token_is_compared_exactly() -> None:
    """Only the API token itself signs in."""
    keys = ConsoleKeys(TOKEN)
    assert keys.token_matches(TOKEN)
    assert not keys.token_matches(TOKEN[:-1])
    assert not keys.token_matches("")


def test_the_chart_stacks_statuses_per_hour_and_escapes_labels() -> None:
    """Each hour is a stack of rects, one per status with its count; an odd status name is
    escaped; an empty period says so instead of drawing bars."""
    svg = render_chart(
        {"2026-03-10 12": {"delivered": 3, "failed": 1}, "2026-03-10 13": {"<b>": 2}},
        title="Messages & statuses",
    )
    assert svg.startswith('<svg id="chart-statuses"')
    assert 'data-status="delivered" data-hour="2026-03-10 12" data-count="3"' in svg
    assert 'data-status="failed" data-hour="2026-03-10 12" data-count="1"' in svg
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    assert "Messages &amp; statuses" in svg
    empty = render_chart({}, title="Nothing")
    assert "No messages in this period" in empty
    assert "<rect" not in empty


def test_an_event_is_one_sse_frame_of_json() -> None:
    """An event is its name and one line of JSON data, ended by a blank line."""
    frame = sse_frame(ConsoleEvent("status", {"sid": "SM1", "status": "delivered\nx"}))
    kind, data, end = frame.split("\n", 2)
    assert kind == "event: status"
    assert json.loads(data.removeprefix("data: ")) == {"sid": "SM1", "status": "delivered\nx"}
    assert end == "\n"


def test_the_chart_axis_has_every_hour_of_the_period() -> None:
    """The hours a period touches, in order, the partial first and last ones included."""
    since = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)
    until = datetime(2026, 3, 11, 1, 0, tzinfo=UTC)
    assert hour_range(since, until) == [
        "2026-03-10 22",
        "2026-03-10 23",
        "2026-03-11 00",
    ]
    assert hour_range(until, until) == []


def test_console_settings_refuse_a_bad_page_size_or_half_a_handset() -> None:
    """A page size outside 1..999, or an emulator URL without the number to text (or the
    reverse), is a configuration error naming the field."""
    for size in (0, 1000, True):
        with pytest.raises(ConfigurationError) as caught:
            ConsoleSettings(page_size=size)
        assert caught.value.field == "page_size"
    with pytest.raises(ConfigurationError, match="both"):
        ConsoleSettings(emulator_url="http://127.0.0.1:1")
    assert ConsoleSettings(emulator_url="http://127.0.0.1:1", twilio_number="+15005550006").handset
