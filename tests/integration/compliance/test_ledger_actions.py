"""The ledger actions end to end: conversations, status timelines, waiting for delivery
(callbacks in the ledger, or polling Twilio), opt-outs and search."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import anyio
import pytest

from tests.integration.compliance.conftest import SENDER, TO, Harness
from tests.integration.compliance.test_send_checks import inbound
from twiliokit.actions import ActionContext, invoke
from twiliokit.errors import ConfigurationError, TwilioError, ValidationError
from twiliokit.ledger import MessageStatus, StatusEvent, StatusSource

pytestmark = pytest.mark.anyio

OTHER = "+14155552672"


async def test_wait_for_delivery_polls_twilio_while_no_callback_arrives(
    harness: Harness,
) -> None:
    """Waiting on a queued message: once the emulator's clock moves on, the next poll finds
    delivered, records it (source poll) and returns."""
    sent = await harness.run("send_sms", {"to": TO, "body": "hi"})
    waiting = asyncio.create_task(
        harness.run("wait_for_delivery", {"sid": sent["sid"], "timeout_seconds": 60})
    )
    await harness.transport.next_request()  # its first poll: still queued
    await anyio.to_thread.run_sync(harness.emulator.control.advance, 5)
    result = await waiting

    assert (result["status"], result["final"], result["timed_out"]) == ("delivered", True, False)
    assert [(e["status"], e["source"]) for e in result["history"]] == [
        ("queued", "api"),
        ("delivered", "poll"),
    ]
    history = await harness.run("get_message_status_history", {"sid": sent["sid"]})
    assert history["status"] == "delivered"
    assert [e["status"] for e in history["events"]] == ["queued", "delivered"]


async def test_wait_for_delivery_returns_a_recorded_callback_without_asking_twilio(
    harness: Harness,
) -> None:
    """A delivered status already in the ledger (from the receiver) answers at once."""
    sent = await harness.run("send_sms", {"to": TO, "body": "hi"})
    await harness.ledger.apply_status(
        StatusEvent(sid=sent["sid"], status=MessageStatus.DELIVERED, at=harness.clock())
    )
    requests = harness.transport.requests
    result = await harness.run("wait_for_delivery", {"sid": sent["sid"]})
    assert (result["status"], result["final"]) == ("delivered", True)
    assert harness.transport.requests == requests


async def test_a_callback_arriving_while_waiting_ends_the_wait(harness: Harness) -> None:
    """The wait wakes when the receiver records a final status in the ledger."""
    sent = await harness.run("send_sms", {"to": TO, "body": "hi"})
    waiting = asyncio.create_task(
        harness.run("wait_for_delivery", {"sid": sent["sid"], "timeout_seconds": 60})
    )
    await harness.transport.next_request()
    await harness.ledger.apply_status(
        StatusEvent(
            sid=sent["sid"],
            status=MessageStatus.UNDELIVERED,
            at=harness.clock(),
            source=StatusSource.CALLBACK,
            error_code=30003,
        )
    )
    result = await waiting
    assert (result["status"], result["error_code"]) == ("undelivered", 30003)
    assert "callback" in [e["source"] for e in result["history"]]


async def test_wait_for_delivery_gives_up_after_the_timeout(harness: Harness) -> None:
    """With the emulator's clock stopped, a 1-second wait answers timed_out with queued."""
    sent = await harness.run("send_sms", {"to": TO, "body": "hi"})
    result = await harness.run("wait_for_delivery", {"sid": sent["sid"], "timeout_seconds": 1})
    assert (result["status"], result["final"], result["timed_out"]) == ("queued", False, True)
    assert result["waited_seconds"] >= 1


@pytest.mark.parametrize("seconds", [0, 301])
async def test_wait_for_delivery_timeout_is_bounded(harness: Harness, seconds: int) -> None:
    """timeout_seconds outside 1-300 is refused naming the field."""
    with pytest.raises(ValidationError) as caught:
        await harness.run("wait_for_delivery", {"sid": "SM" + "0" * 32, "timeout_seconds": seconds})
    assert caught.value.field == "timeout_seconds"


async def test_get_conversation_shows_both_directions_newest_first(harness: Harness) -> None:
    """Sent and received messages with one contact, newest first, with their histories;
    another contact's messages are not there; next_before pages back."""
    first = await harness.run("send_sms", {"to": TO, "body": "Table for two?"})
    harness.clock.advance(minutes=1)
    await harness.run("send_sms", {"to": OTHER, "body": "someone else"})
    await inbound(harness, "Yes please")
    harness.emulator.control.advance(5)
    await harness.run("wait_for_delivery", {"sid": first["sid"], "timeout_seconds": 5})

    page = await harness.run("get_conversation", {"contact": TO})
    assert [(m["direction"], m["body"]) for m in page["messages"]] == [
        ("inbound", "Yes please"),
        ("outbound-api", "Table for two?"),
    ]
    outbound = page["messages"][1]
    assert outbound["status"] == "delivered"
    assert [e["status"] for e in outbound["history"]] == ["queued", "delivered"]
    assert page["next_before"] is None

    newest = await harness.run("get_conversation", {"contact": TO, "limit": 1})
    assert newest["next_before"] is not None
    older = await harness.run(
        "get_conversation", {"contact": TO, "limit": 1, "before": newest["next_before"]}
    )
    assert [m["body"] for m in older["messages"]] == ["Table for two?"]


async def test_list_opt_outs_filters_by_sender_and_recipient(harness: Harness) -> None:
    """Current opt-outs, per sender; START removes one."""
    await inbound(harness, "STOP")
    await inbound(harness, "UNSUBSCRIBE", from_=OTHER)
    everyone = await harness.run("list_opt_outs")
    assert {(o["sender"], o["recipient"], o["keyword"]) for o in everyone["opt_outs"]} == {
        (SENDER, TO, "STOP"),
        (SENDER, OTHER, "UNSUBSCRIBE"),
    }
    assert [
        o["recipient"] for o in (await harness.run("list_opt_outs", {"to": OTHER}))["opt_outs"]
    ] == [OTHER]
    assert (await harness.run("list_opt_outs", {"sender": "+14155550100"}))["opt_outs"] == []
    harness.clock.advance(minutes=1)
    await inbound(harness, "start")
    remaining = await harness.run("list_opt_outs", {"sender": SENDER})
    assert [o["recipient"] for o in remaining["opt_outs"]] == [OTHER]


async def test_search_ledger_combines_filters(harness: Harness) -> None:
    """Search by text (any case), direction, contact, status and time range; a send Twilio
    refused left nothing to find."""
    await harness.run("send_sms", {"to": TO, "body": "Your code is 1234"})
    with pytest.raises(TwilioError):  # 21614: never created, so nothing to record
        await harness.run("send_sms", {"to": "+15005550009", "body": "Landline?"})
    harness.clock.advance(minutes=1)
    await inbound(harness, "what CODE?")
    found = await harness.run("search_ledger", {"text": "code"})
    assert [m["direction"] for m in found["messages"]] == ["inbound", "outbound-api"]
    sent = await harness.run("search_ledger", {"direction": "outbound-api", "contact": TO})
    assert [m["body"] for m in sent["messages"]] == ["Your code is 1234"]
    later = harness.clock() + timedelta(days=1)
    assert (await harness.run("search_ledger", {"since": later.strftime("%Y-%m-%dT%H:%M:%SZ")}))[
        "messages"
    ] == []
    assert (await harness.run("search_ledger", {"status": "failed"}))["messages"] == []
    assert (await harness.run("search_ledger", {"contact": "+15005550009"}))["messages"] == []


async def test_an_unknown_sid_has_no_history(harness: Harness) -> None:
    """A message the ledger never saw reads as recorded=false, not an error."""
    history = await harness.run("get_message_status_history", {"sid": "SM" + "f" * 32})
    assert (history["recorded"], history["status"], history["events"]) == (False, None, [])


@pytest.mark.parametrize(
    ("action", "arguments"),
    [
        ("get_conversation", {"contact": TO}),
        ("get_message_status_history", {"sid": "SM" + "0" * 32}),
        ("wait_for_delivery", {"sid": "SM" + "0" * 32}),
        ("list_opt_outs", {}),
        ("search_ledger", {}),
    ],
)
async def test_without_a_ledger_the_actions_say_how_to_enable_it(
    harness: Harness, action: str, arguments: dict[str, object]
) -> None:
    """No ledger in the context: ConfigurationError naming --db and TWILIOKIT_DATABASE_URL."""
    context = ActionContext(client=harness.client, connection=harness.connection)
    with pytest.raises(ConfigurationError) as caught:
        await invoke(action, arguments, context=context)
    assert caught.value.field == "ledger"
    assert "--db" in (caught.value.hint or "")
    assert "TWILIOKIT_DATABASE_URL" in (caught.value.hint or "")
