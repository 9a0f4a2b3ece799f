"""`twiliokit calls make|get|list|end` against the emulator."""

from __future__ import annotations

from tests.acceptance.cli.conftest import Twiliokit, json_of
from twiliokit.emulator.testing import RunningEmulator

HANDSET = "+14155550199"


def _call(twiliokit: Twiliokit) -> str:
    made = json_of(twiliokit("calls", "make", HANDSET, "--say", "Your order shipped", "--json"))
    sid: str = made["sid"]
    return sid


def test_calls_make_places_a_call_from_the_default_number(
    twiliokit: Twiliokit, emulator: RunningEmulator
) -> None:
    """`calls make TO --say TEXT` queues a call from TWILIO_PHONE_NUMBER and shows it."""
    result = twiliokit("calls", "make", HANDSET, "--say", "Hello", "--timeout", "20")
    assert result.exit_code == 0, result.output
    assert "CA" in result.stdout
    assert "queued" in result.stdout
    made = json_of(twiliokit("calls", "make", HANDSET, "--say", "Hello", "--json"))
    assert made["from"] == emulator.phone_number
    assert made["to"] == HANDSET


def test_calls_make_needs_exactly_one_instruction(twiliokit: Twiliokit) -> None:
    """Without --url, --twiml or --say the action refuses: one line, exit 2."""
    result = twiliokit("calls", "make", HANDSET)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "say" in result.stderr


def test_calls_get_fetches_the_call(twiliokit: Twiliokit) -> None:
    """`calls get SID` shows the call that was made."""
    sid = _call(twiliokit)
    fetched = json_of(twiliokit("calls", "get", sid, "--json"))
    assert fetched["sid"] == sid
    table = twiliokit("calls", "get", sid)
    assert table.exit_code == 0, table.output
    assert sid in table.stdout


def test_calls_list_shows_calls_to_a_number(twiliokit: Twiliokit) -> None:
    """`calls list --to` lists the calls made to that number, in a table too."""
    sid = _call(twiliokit)
    listed = json_of(twiliokit("calls", "list", "--to", HANDSET, "--json"))
    assert [call["sid"] for call in listed["calls"]] == [sid]
    table = twiliokit("calls", "list", "--to", HANDSET)
    assert table.exit_code == 0, table.output
    assert sid in table.stdout


def test_calls_end_hangs_up(twiliokit: Twiliokit) -> None:
    """`calls end SID` leaves the call finished (canceled while queued, or completed)."""
    sid = _call(twiliokit)
    ended = json_of(twiliokit("calls", "end", sid, "--json"))
    assert ended["sid"] == sid
    assert ended["status"] in {"canceled", "completed"}
