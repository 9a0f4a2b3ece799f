"""The receiver against the emulator over real HTTP: Twilio's signed webhooks in, the ledger,
handlers and TwiML replies out."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.integration.webhooks.conftest import ServeReceiver, reading
from twiliokit import twiml
from twiliokit.client import AsyncClient
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import (
    CallStatus,
    Direction,
    MessageStatus,
    OptOutAction,
    StatusOutcome,
    WebhookKind,
)
from twiliokit.webhooks.receiver import EMPTY_TWIML

pytestmark = pytest.mark.anyio

USER = "+14155550123"


async def _number_sid(client: AsyncClient, number: str) -> str:
    page = await client.list_phone_numbers(phone_number=number)
    sid = page.items[0].sid
    assert sid is not None
    return sid


async def test_inbound_message_is_recorded_handled_and_answered(
    emulator: RunningEmulator, emulator_client: AsyncClient, serve_receiver: ServeReceiver
) -> None:
    """Inbound SMS -> signed webhook -> ledger -> handler -> <Message> sent by the emulator."""
    receiver = serve_receiver(auth_token=emulator.auth_token, reply=lambda e: f"echo {e.body}")
    number = emulator.phone_number
    await emulator_client.update_phone_number(
        await _number_sid(emulator_client, number), sms_url=receiver.url("messaging")
    )

    result = emulator.control.inbound(From=USER, To=number, Body="hello there")

    assert result["status"] == 200
    assert len(result["reply_sids"]) == 1
    page = await emulator_client.list_messages(to=USER)
    replies = [m for m in page.items if m.direction == "outbound-reply"]
    assert [(m.sid, m.from_, m.body) for m in replies] == [
        (result["reply_sids"][0], number, "echo hello there")
    ]
    [event] = receiver.seen.of("message.received")
    assert (event.sid, event.from_, event.to, event.body) == (
        result["message_sid"],
        USER,
        number,
        "hello there",
    )
    async with reading(receiver.ledger_url) as ledger:
        message = await ledger.get_message(result["message_sid"])
        assert message is not None
        assert (message.direction, message.status, message.body) == (
            Direction.INBOUND,
            MessageStatus.RECEIVED,
            "hello there",
        )
        [delivery] = await ledger.webhook_deliveries(sid=result["message_sid"])
    webhook = emulator.control.webhooks(kind="incoming-message")[0]
    assert delivery.signature_valid
    assert delivery.key == webhook["headers"]["I-Twilio-Idempotency-Token"]
    assert (delivery.kind, delivery.status_code, delivery.duplicate) == (
        WebhookKind.INCOMING_MESSAGE,
        200,
        False,
    )


async def test_status_callbacks_build_the_status_history_in_order(
    emulator: RunningEmulator, emulator_client: AsyncClient, serve_receiver: ServeReceiver
) -> None:
    """A send with StatusCallback: every callback lands in the ledger's history, in order."""
    receiver = serve_receiver(auth_token=emulator.auth_token)
    message = await emulator_client.create_message(
        to=USER, body="hi", status_callback=receiver.url("message_status")
    )

    emulator.control.advance(30)

    events = receiver.seen.wait_for("message.status", 3)
    assert [e.status for e in events] == ["sending", "sent", "delivered"]
    assert {e.outcome for e in events} == {StatusOutcome.APPLIED}
    async with reading(receiver.ledger_url) as ledger:
        history = await ledger.status_history(message.sid)
    assert [e.status for e in history] == [
        MessageStatus.SENDING,
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
    ]
    assert all(w["status"] == 200 for w in emulator.control.webhooks(kind="message-status"))


async def test_a_message_sent_elsewhere_joins_the_conversation_from_its_callbacks(
    emulator: RunningEmulator, emulator_client: AsyncClient, serve_receiver: ServeReceiver
) -> None:
    """A message the ledger never recorded (sent by another system) whose status callbacks
    come here shows in the contact's conversation, with its addresses and final status."""
    receiver = serve_receiver(auth_token=emulator.auth_token)
    message = await emulator_client.create_message(
        to=USER, body="from elsewhere", status_callback=receiver.url("message_status")
    )
    emulator.control.advance(30)
    receiver.seen.wait_for("message.status", 3)
    async with reading(receiver.ledger_url) as ledger:
        conversation = await ledger.conversation(USER)
    [item] = conversation
    assert item.message.sid == message.sid
    assert (item.message.direction, item.message.from_, item.message.to) == (
        Direction.OUTBOUND_API,
        emulator.phone_number,
        USER,
    )
    assert item.message.status is MessageStatus.DELIVERED
    assert item.message.body is None  # a callback does not carry the body


async def test_a_replayed_delivery_is_dropped_and_answered_empty(
    emulator: RunningEmulator, emulator_client: AsyncClient, serve_receiver: ServeReceiver
) -> None:
    """Re-posting a delivery (same token, or a fresh one) answers empty TwiML, reaches no
    handler, and is recorded as a duplicate."""
    receiver = serve_receiver(auth_token=emulator.auth_token, reply=lambda e: "first answer")
    number = emulator.phone_number
    await emulator_client.update_phone_number(
        await _number_sid(emulator_client, number), sms_url=receiver.url("messaging")
    )
    result = emulator.control.inbound(From=USER, To=number, Body="once")
    original = emulator.control.webhooks(kind="incoming-message")[0]

    async with httpx.AsyncClient() as http:
        for token in (original["headers"]["I-Twilio-Idempotency-Token"], "another-token"):
            headers = {**original["headers"], "I-Twilio-Idempotency-Token": token}
            body = urlencode([tuple(pair) for pair in original["params"]]).encode()
            replay = await http.post(original["url"], content=body, headers=headers)
            assert replay.status_code == 200
            assert replay.text == EMPTY_TWIML

    assert len(receiver.seen.of("message.received")) == 1
    async with reading(receiver.ledger_url) as ledger:
        deliveries = await ledger.webhook_deliveries(sid=result["message_sid"])
    assert sorted(d.duplicate for d in deliveries) == [False, True, True]


async def test_stop_records_an_opt_out_and_gets_no_reply(
    emulator: RunningEmulator, emulator_client: AsyncClient, serve_receiver: ServeReceiver
) -> None:
    """STOP (any case) opts the user out of our number, fires on_opt_out, and the handler's
    reply is not sent (Twilio answers keywords itself); START opts back in."""
    receiver = serve_receiver(auth_token=emulator.auth_token, reply=lambda e: "a reply")
    number = emulator.phone_number
    await emulator_client.update_phone_number(
        await _number_sid(emulator_client, number), sms_url=receiver.url("messaging")
    )

    stop = emulator.control.inbound(From=USER, To=number, Body="  Stop ")

    assert stop["response_body"] == EMPTY_TWIML
    assert stop["reply_sids"] == []
    [opt_out] = receiver.seen.wait_for("opt_out.changed")
    assert (opt_out.sender_key, opt_out.recipient, opt_out.action, opt_out.keyword) == (
        number,
        USER,
        OptOutAction.STOP,
        "STOP",
    )
    async with reading(receiver.ledger_url) as ledger:
        assert await ledger.is_opted_out(number, USER)
        emulator.control.inbound(From=USER, To=number, Body="start")
        receiver.seen.wait_for("opt_out.changed", 2)
        assert not await ledger.is_opted_out(number, USER)
        history = await ledger.opt_out_history(USER)
    assert [e.action for e in history] == [OptOutAction.STOP, OptOutAction.START]


async def test_verify_json_webhooks_are_validated_with_body_sha256(
    emulator: RunningEmulator, emulator_client: AsyncClient, serve_receiver: ServeReceiver
) -> None:
    """Verify Events (JSON, bodySHA256 in the signed URL) are accepted and handled; the same
    request with a changed body is refused."""
    receiver = serve_receiver(auth_token=emulator.auth_token)
    service = await emulator_client.create_verify_service(friendly_name="Agent")
    await emulator_client.create_verify_webhook(
        service.sid,
        friendly_name="receiver",
        event_types=["*"],
        webhook_url=receiver.url("verify"),
    )
    verification = await emulator_client.create_verification(service.sid, to=USER, channel="sms")
    emulator.control.advance(0)

    [record] = emulator.control.webhooks(kind="verify.event")
    assert "bodySHA256=" in record["url"]
    assert record["status"] == 200
    [event] = receiver.seen.wait_for("verify.event")
    assert (event.verification_sid, event.status) == (verification.sid, "pending")

    body = record["json_body"]
    exact = json.dumps(body, separators=(",", ":")).encode()
    body[0]["data"]["status"] = "approved"
    changed = json.dumps(body, separators=(",", ":")).encode()
    async with httpx.AsyncClient() as http:
        replay = await http.post(record["url"], content=exact, headers=record["headers"])
        tampered = await http.post(record["url"], content=changed, headers=record["headers"])
    assert replay.status_code == 200
    assert tampered.status_code == 403
    assert len(receiver.seen.of("verify.event")) == 1
    async with reading(receiver.ledger_url) as ledger:
        deliveries = await ledger.webhook_deliveries(sid=verification.sid)
    assert sorted(d.duplicate for d in deliveries) == [False, True]
    assert {(d.kind, d.signature_valid) for d in deliveries} == {(WebhookKind.OTHER, True)}


async def test_incoming_call_gets_on_call_twiml_and_its_status_is_tracked(
    emulator: RunningEmulator, emulator_client: AsyncClient, serve_receiver: ServeReceiver
) -> None:
    """An incoming call asks on_call for TwiML; the completed callback reaches the ledger."""

    def answer(event: Any) -> Any:
        return twiml.Response().say("Hello from the agent")

    receiver = serve_receiver(auth_token=emulator.auth_token, reply=answer)
    number = emulator.phone_number
    await emulator_client.update_phone_number(
        await _number_sid(emulator_client, number),
        voice_url=receiver.url("voice"),
        status_callback=receiver.url("call_status"),
    )

    call = emulator.control.request("POST", "/_emulator/inbound-call", {"From": USER, "To": number})
    emulator.control.advance(600)

    assert call["status"] == 200
    assert [v["name"] for v in call["verbs"]] == ["Say"]
    [received] = receiver.seen.of("call.received")
    assert (received.sid, received.status) == (call["call_sid"], CallStatus.RINGING)
    [completed] = receiver.seen.wait_for("call.status")
    assert completed.status is CallStatus.COMPLETED
    async with reading(receiver.ledger_url) as ledger:
        recorded = await ledger.get_call(call["call_sid"])
        history = await ledger.call_status_history(call["call_sid"])
    assert recorded is not None
    assert recorded.status is CallStatus.COMPLETED
    assert [e.status for e in history] == [CallStatus.RINGING, CallStatus.COMPLETED]


async def test_a_voice_menu_hears_the_callers_keys_through_on_call(
    emulator: RunningEmulator, emulator_client: AsyncClient, serve_receiver: ServeReceiver
) -> None:
    """on_call answers with a <Gather>; the caller's key comes back to the same route, signed,
    as CallReceived.digits, and the handler's next answer is what the call runs."""

    def answer(event: Any) -> Any:
        if event.digits is None:
            reply = twiml.Response()
            reply.gather(num_digits=1).say("Press 1 for sales")
            return reply
        return twiml.Response().say(f"You pressed {event.digits}").hangup()

    receiver = serve_receiver(auth_token=emulator.auth_token, reply=answer)
    number = emulator.phone_number
    await emulator_client.update_phone_number(
        await _number_sid(emulator_client, number), voice_url=receiver.url("voice")
    )

    call = emulator.control.request(
        "POST", "/_emulator/inbound-call", {"From": USER, "To": number, "inputs": ["1"]}
    )

    first, second = receiver.seen.wait_for("call.received", 2)
    assert (first.sid, first.digits) == (call["call_sid"], None)
    assert (second.sid, second.digits) == (call["call_sid"], "1")
    shown = emulator.control.request("GET", f"/_emulator/calls/{call['call_sid']}")
    gathered = shown["fetches"][-1]
    assert (gathered["source"], gathered["status"]) == ("gather", 200)
    assert "You pressed 1" in gathered["response_body"]
