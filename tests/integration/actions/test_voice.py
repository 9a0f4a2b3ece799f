"""Voice actions end to end against the emulator, through invoke and as Python calls."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.actions.conftest import Run
from tests.integration.actions.helpers import FAST_RETRY, OTHER, TO, emulator_now, iso
from twiliokit.actions import ActionContext, invoke
from twiliokit.actions.voice import (
    CallSidInput,
    ListCallsInput,
    MakeCallInput,
    end_call,
    get_call,
    list_calls,
    make_call,
)
from twiliokit.client import AsyncClient
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import ValidationError

pytestmark = pytest.mark.anyio


def count_calls(emulator: RunningEmulator) -> int:
    """How many calls the emulator holds (read without the client under test)."""
    auth = (emulator.account_sid, emulator.auth_token)
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/Calls.json"
    response = httpx.get(emulator.base_url + path, params={"PageSize": 1000}, auth=auth)
    response.raise_for_status()
    return len(response.json()["calls"])


def instructions(emulator: RunningEmulator, sid: str) -> dict[str, Any]:
    """What the emulator recorded about a call (the TwiML it ran)."""
    result: dict[str, Any] = emulator.control.request("GET", f"/_emulator/calls/{sid}")
    return result


async def test_make_call_says_a_text_and_completes(run: Run, emulator: RunningEmulator) -> None:
    """make_call with say places a queued call that speaks the text and completes."""
    call = await run(
        "make_call", {"to": TO, "say": "Your order is ready", "voice": "alice", "language": "en-US"}
    )
    assert call["sid"].startswith("CA")
    assert (call["status"], call["from"], call["to"]) == ("queued", "+15005550006", TO)
    assert call["raw"]["sid"] == call["sid"]
    emulator.control.advance(120)
    done = await run("getCallStatus", {"callSid": call["sid"]})
    assert done["status"] == "completed"
    assert done["duration"] is not None
    recorded = str(instructions(emulator, call["sid"]))
    assert "Your order is ready" in recorded


async def test_make_call_with_inline_twiml(run: Run, emulator: RunningEmulator) -> None:
    """make_call with twiml runs that TwiML when answered."""
    twiml = "<Response><Say>Press one</Say><Hangup/></Response>"
    call = await run("makeCall", {"to": TO, "twiml": twiml, "timeout": 30, "record": False})
    emulator.control.advance(120)
    assert (await run("get_call", {"sid": call["sid"]}))["status"] == "completed"
    assert "Press one" in str(instructions(emulator, call["sid"]))


async def test_make_call_with_url_and_status_callback_events(run: Run) -> None:
    """make_call with url and status events is accepted as a queued call."""
    call = await run(
        "make_call",
        {
            "to": TO,
            "url": "https://example.com/voice",
            "status_callback": "https://example.com/status",
            "status_callback_events": ["initiated", "answered", "completed"],
            "machine_detection": "enable",
            "time_limit": 300,
        },
    )
    assert call["status"] == "queued"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"to": TO}, "say"),
        ({"to": TO, "say": "hi", "url": "https://example.com/v"}, "url"),
        ({"to": TO, "twiml": "<Response><Say>x</Say>", "say": None}, "twiml"),
        ({"to": TO, "url": "https://example.com/v", "voice": "alice"}, "voice"),
        ({"to": TO, "say": "hi", "status_callback_events": ["answered"]}, "status_callback_events"),
        ({"to": TO, "say": "hi", "status_callback_events": ["hungup"]}, "status_callback_events.0"),
        ({"to": "whatsapp:" + TO, "say": "hi"}, "to"),
        ({"to": "12345", "say": "hi"}, "to"),
        ({"to": TO, "say": "hi", "timeout": 601}, "timeout"),
        ({"to": TO, "say": "hi", "machine_detection": "maybe"}, "machine_detection"),
        ({"to": TO, "say": "hi", "from": "MyBrand"}, "from"),
    ],
)
async def test_bad_call_input_never_reaches_twilio(
    run: Run, emulator: RunningEmulator, arguments: dict[str, Any], field: str
) -> None:
    """Each bad argument fails naming its field; no call is placed."""
    with pytest.raises(ValidationError) as caught:
        await run("make_call", arguments)
    assert caught.value.field == field
    assert count_calls(emulator) == 0


async def test_missing_caller_id_names_from(emulator: RunningEmulator) -> None:
    """With no 'from' and no default number the error names 'from' and TWILIO_PHONE_NUMBER."""
    connection = emulator.connection(default_from=None)
    async with AsyncClient(connection, retry=FAST_RETRY) as client:
        context = ActionContext(client=client, connection=connection)
        with pytest.raises(ValidationError) as caught:
            await invoke("make_call", {"to": TO, "say": "hi"}, context=context)
    assert caught.value.field == "from"
    assert "TWILIO_PHONE_NUMBER" in (caught.value.hint or "")
    assert count_calls(emulator) == 0


async def test_end_call_cancels_a_ringing_call_and_hangs_up_a_live_one(
    run: Run, emulator: RunningEmulator
) -> None:
    """end_call cancels a call not yet answered and completes one in progress."""
    queued = await run("make_call", {"to": TO, "say": "hi"})
    ended = await run("end_call", {"sid": queued["sid"]})
    assert ended["status"] == "canceled"

    emulator.control.request(
        "POST",
        "/_emulator/call-handsets",
        {"number": OTHER, "outcome": "answered", "ring_seconds": 1, "talk_seconds": 600},
    )
    twiml = '<Response><Pause length="600"/></Response>'
    live = await run("make_call", {"to": OTHER, "twiml": twiml})
    emulator.control.advance(5)
    assert (await run("get_call", {"sid": live["sid"]}))["status"] == "in-progress"
    hung_up = await run("end_call", {"sid": live["sid"]})
    assert hung_up["status"] == "completed"
    again = await run("end_call", {"sid": live["sid"]})
    assert again["status"] == "completed"


async def test_list_calls_filters_and_pages(run: Run, emulator: RunningEmulator) -> None:
    """list_calls filters by number, status and start time and pages with a token."""
    first = await run("make_call", {"to": TO, "say": "one"})
    await run("make_call", {"to": OTHER, "say": "two"})
    emulator.control.advance(120)
    middle = emulator_now(emulator)
    emulator.control.advance(600)
    third = await run("make_call", {"to": TO, "say": "three"})

    to_number = await run("list_calls", {"to": TO, "limit": 1})
    assert [c["sid"] for c in to_number["calls"]] == [third["sid"]]
    following = await run(
        "list_calls", {"to": TO, "limit": 1, "page_token": to_number["next_page_token"]}
    )
    assert [c["sid"] for c in following["calls"]] == [first["sid"]]
    assert following["next_page_token"] is None

    completed = await run("list_calls", {"status": "completed"})
    assert len(completed["calls"]) == 2
    before = await run("list_calls", {"started_before": iso(middle)})
    assert {c["sid"] for c in before["calls"]} >= {first["sid"]}
    assert third["sid"] not in {c["sid"] for c in before["calls"]}

    with pytest.raises(ValidationError) as caught:
        await run("list_calls", {"started_after": "2999-01-01"})
    assert caught.value.field == "started_after"


async def test_voice_actions_as_python_calls(
    context: ActionContext, emulator: RunningEmulator
) -> None:
    """make_call, get_call, list_calls and end_call called directly with typed inputs."""
    call = await make_call(context, MakeCallInput(to=TO, say="direct"))
    assert call.status == "queued"
    fetched = await get_call(context, CallSidInput(sid=call.sid))
    assert fetched.to == TO
    listed = await list_calls(context, ListCallsInput(to=TO))
    assert [c.sid for c in listed.calls] == [call.sid]
    ended = await end_call(context, CallSidInput(sid=call.sid))
    assert ended.status == "canceled"
