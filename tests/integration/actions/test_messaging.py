"""Messaging actions end to end against the emulator, through invoke and as Python calls."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.actions.conftest import Run
from tests.integration.actions.helpers import (
    FAST_RETRY,
    OTHER,
    TO,
    WHATSAPP_SENDER,
    count_messages,
    emulator_now,
    iso,
)
from twiliokit.actions import ActionContext, invoke
from twiliokit.actions.messaging import (
    GetMessageInput,
    ListMessagesInput,
    SendSmsInput,
    SendWhatsAppInput,
    get_message,
    list_messages,
    send_sms,
    send_whatsapp,
)
from twiliokit.client import AsyncClient
from twiliokit.connections import Connection
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import NotFoundError, TwilioError, UnknownOutcomeError, ValidationError

pytestmark = pytest.mark.anyio

MG = "MG" + "a" * 32
MESSAGES = r"/Messages\.json$"


async def test_send_sms_returns_the_queued_message_with_its_encoding(run: Run) -> None:
    """send_sms answers with the canonical message, its raw JSON and the body's segment cost."""
    sent = await run("send_sms", {"to": TO, "body": "Your table is ready"})
    assert sent["sid"].startswith("SM")
    assert (sent["status"], sent["from"], sent["to"]) == ("queued", "+15005550006", TO)
    assert (sent["encoding"], sent["segments"], sent["ucs2_characters"]) == ("GSM-7", 1, [])
    assert sent["raw"]["sid"] == sent["sid"]
    assert sent["direction"] == "outbound-api"
    fetched = await run("get_message", {"sid": sent["sid"]})
    assert fetched["body"] == "Your table is ready"


async def test_send_sms_reports_the_characters_that_force_ucs2(run: Run) -> None:
    """A body with an emoji and curly quotes is UCS-2, with the offending characters named."""
    body = "\u201cDinner\u201d at 8 \U0001f37d" + " more text" * 8
    sent = await run("send_sms", {"to": TO, "body": body})
    assert sent["encoding"] == "UCS-2"
    assert sent["segments"] == 2
    assert sent["ucs2_characters"] == ["\u201c", "\u201d", "\U0001f37d"]
    assert sent["num_segments"] == 2  # the emulator bills what twiliokit predicted


async def test_seed_platform_names_and_envelope_are_accepted(
    run: Run, emulator: RunningEmulator
) -> None:
    """sendSMS with SmythOS's argument names, in the {action, arguments} envelope, sends."""
    sent = await run(
        {
            "action": "sendSMS",
            "arguments": {
                "recipientPhoneNumber": "+1 415 555 2671",
                "twilioPhoneNumber": "+14155550100",
                "message": "hi",
                "accountSID": emulator.account_sid,
            },
        }
    )
    assert (sent["to"], sent["from"], sent["body"]) == (TO, "+14155550100", "hi")
    fetched = await run("getSMS", {"messageSid": sent["sid"]})
    assert fetched["sid"] == sent["sid"]


async def test_another_account_sid_is_refused_before_sending(
    run: Run, emulator: RunningEmulator
) -> None:
    """An accountSID that is not the connection's account is refused, and nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await run("send_sms", {"to": TO, "body": "x", "accountSID": "AC" + "1" * 32})
    assert caught.value.field == "account_sid"
    assert count_messages(emulator) == 0


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"to": "+1415", "body": "x"}, "to"),
        ({"to": "whatsapp:" + TO, "body": "x"}, "to"),
        ({"to": TO}, "body"),
        ({"to": TO, "body": "x" * 1601}, "body"),
        ({"to": TO, "body": "x", "media_urls": ["ftp://example.com/a.png"]}, "media_urls.0"),
        ({"to": TO, "body": "x", "media_urls": ["https://example.com/a.png"] * 11}, "media_urls"),
        ({"to": TO, "body": "x", "from": "not a number!"}, "from"),
        ({"to": TO, "body": "x", "from": "MyBrand"}, "from"),
        ({"to": TO, "body": "x", "status_callback": "example.com/cb"}, "status_callback"),
        ({"to": TO, "body": "x", "validity_period": 0}, "validity_period"),
        ({"to": TO, "body": "x", "send_at": "2030-01-01T09:00:00"}, "send_at"),
        ({"to": TO, "body": "x", "send_at": "2030-01-01T09:00:00Z"}, "send_at"),
        (
            {"to": TO, "body": "x", "messaging_service_sid": MG, "send_at": "2000-01-01T00:00Z"},
            "send_at",
        ),
        ({"to": TO, "body": "x", "mediaUrls": [], "media_url": []}, "media_urls"),
        ({"to": TO, "body": "x", "bodyy": "y"}, "bodyy"),
    ],
)
async def test_bad_input_never_reaches_twilio(
    run: Run, emulator: RunningEmulator, arguments: dict[str, Any], field: str
) -> None:
    """Each bad argument fails with a ValidationError naming it and a hint; nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await run("send_sms", arguments)
    assert caught.value.field == field
    assert caught.value.hint
    assert count_messages(emulator) == 0
    assert emulator.control.webhooks() == []


async def test_missing_sender_names_from_and_the_setting(
    emulator: RunningEmulator,
) -> None:
    """With no 'from' and no default sender the error names 'from' and TWILIO_PHONE_NUMBER."""
    connection = emulator.connection(default_from=None)
    async with AsyncClient(connection, retry=FAST_RETRY) as client:
        context = ActionContext(client=client, connection=connection)
        with pytest.raises(ValidationError) as caught:
            await invoke("send_sms", {"to": TO, "body": "hi"}, context=context)
    assert caught.value.field == "from"
    assert "TWILIO_PHONE_NUMBER" in (caught.value.hint or "")
    assert count_messages(emulator) == 0


async def test_connection_messaging_service_is_the_default_sender(
    emulator: RunningEmulator,
) -> None:
    """A connection with a Messaging Service sends through it when 'from' is left out."""
    connection = emulator.connection(messaging_service_sid=MG)
    async with AsyncClient(connection, retry=FAST_RETRY) as client:
        context = ActionContext(client=client, connection=connection)
        sent = await invoke("send_sms", {"to": TO, "body": "hi"}, context=context)
    assert (sent["messaging_service_sid"], sent["status"]) == (MG, "accepted")


async def test_alphanumeric_sender_ids_go_where_carriers_take_them(run: Run) -> None:
    """A sender ID is refused towards the US (before sending) and accepted towards the UK."""
    sent = await run("send_sms", {"to": "+447400123456", "body": "hi", "from": "MyBrand"})
    assert (sent["from"], sent["status"]) == ("MyBrand", "queued")


async def test_whatsapp_defaults_to_the_connections_number(emulator: RunningEmulator) -> None:
    """Without 'from', send_whatsapp sends from whatsapp: + the connection's number."""
    connection = emulator.connection(default_from="+14155238886")
    async with AsyncClient(connection, retry=FAST_RETRY) as client:
        context = ActionContext(client=client, connection=connection)
        sent = await invoke("send_whatsapp", {"to": TO, "body": "hi"}, context=context)
    assert sent["from"] == WHATSAPP_SENDER


async def test_send_at_without_a_ledger_says_how_to_get_one(
    run: Run, emulator: RunningEmulator
) -> None:
    """send_at is held in the ledger: without one it is refused naming send_at and --db."""
    when = emulator_now(emulator) + timedelta(hours=1)
    with pytest.raises(ValidationError) as caught:
        await run("send_sms", {"to": TO, "body": "later", "send_at": iso(when)})
    assert caught.value.field == "send_at"
    assert "--db" in (caught.value.hint or "")
    assert count_messages(emulator) == 0


async def test_invalid_number_from_twilio_keeps_code_and_hint(run: Run) -> None:
    """Twilio's 21211 (the magic invalid number) comes back as TwilioError with its hint."""
    with pytest.raises(TwilioError) as caught:
        await run("send_sms", {"to": "+15005550001", "body": "hi"})
    error = caught.value.to_dict()
    assert (error["code"], error["status"], error["type"]) == (21211, 400, "twilio_error")
    assert "E.164" in error["hint"]
    assert error["more_info"].endswith("/21211")


@pytest.mark.parametrize("status", [429, 503])
async def test_send_is_retried_after_rate_limit_or_unavailable(
    run: Run, emulator: RunningEmulator, status: int
) -> None:
    """Two injected 429s/503s on the create are retried and the message is sent once."""
    emulator.control.add_fault(method="POST", path=MESSAGES, status=status, times=2)
    sent = await run("send_sms", {"to": TO, "body": "eventually"})
    assert sent["status"] == "queued"
    assert count_messages(emulator) == 1


async def test_lost_answer_is_an_unknown_outcome_and_the_message_exists(
    run: Run, emulator: RunningEmulator
) -> None:
    """A connection cut after Twilio created the message raises UnknownOutcomeError (not a
    resend), whose hint says how to check; list_messages then finds the message."""
    emulator.control.add_fault(method="POST", path=MESSAGES, mode="drop_after", times=1)
    with pytest.raises(UnknownOutcomeError) as caught:
        await run("send_sms", {"to": TO, "body": "did it go?"})
    assert caught.value.to_dict()["type"] == "unknown_outcome"
    assert "list_messages" in (caught.value.hint or "")
    assert count_messages(emulator) == 1
    listed = await run("list_messages", {"to": TO})
    assert [m["body"] for m in listed["messages"]] == ["did it go?"]


async def test_mms_media_is_listed_with_its_url(run: Run) -> None:
    """send_sms with media_urls sends an MMS; list_message_media gives each file's URL."""
    sent = await run(
        "send_sms",
        {"to": TO, "body": "look", "media_urls": "https://example.com/cat.jpg"},
    )
    assert sent["num_media"] == 1
    assert sent["encoding"] is None
    media = await run("list_message_media", {"sid": sent["sid"]})
    [item] = media["media"]
    assert item["sid"].startswith("ME")
    assert item["message_sid"] == sent["sid"]
    assert item["content_type"] == "image/jpeg"
    assert item["url"].endswith(f"/Messages/{sent['sid']}/Media/{item['sid']}")
    assert media["next_page_token"] is None


async def test_list_messages_pages_with_limit_and_token(run: Run) -> None:
    """Five messages at limit 2 come back as pages of 2, 2 and 1, newest first, each once."""
    for n in range(5):
        await run("send_sms", {"to": TO, "body": f"message {n}"})
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        arguments: dict[str, Any] = {"to": TO, "limit": 2}
        if token:
            arguments["page_token"] = token
        page = await run("list_messages", arguments)
        seen += [m["body"] for m in page["messages"]]
        pages += 1
        token = page["next_page_token"]
        if token is None:
            break
    assert pages == 3
    assert seen == [f"message {n}" for n in reversed(range(5))]


async def test_list_messages_filters_by_sender_and_recipient(run: Run) -> None:
    """from and to select messages by address, whatever way the number is written."""
    await run("send_sms", {"to": TO, "body": "one", "from": "+14155550100"})
    await run("send_sms", {"to": OTHER, "body": "two", "from": "+14155550101"})
    await run("send_sms", {"to": OTHER, "body": "three", "from": "+14155550100"})
    by_sender = await run("list_messages", {"from": "+1 415-555-0100"})
    assert [m["body"] for m in by_sender["messages"]] == ["three", "one"]
    both = await run("list_messages", {"from": "+14155550100", "to": OTHER})
    assert [m["body"] for m in both["messages"]] == ["three"]


async def test_list_messages_filters_by_date_range(run: Run, emulator: RunningEmulator) -> None:
    """sent_after/sent_before select by send time; date_sent by UTC day; raw is opt-in."""
    emulator.control.set_time("2026-03-10T12:00:00Z")  # both sends on one UTC day
    await run("send_sms", {"to": TO, "body": "early"})
    emulator.control.advance(10)
    middle = emulator_now(emulator)
    emulator.control.advance(3600)
    await run("send_sms", {"to": TO, "body": "late"})
    emulator.control.advance(10)

    after = await run("list_messages", {"sent_after": iso(middle)})
    assert [m["body"] for m in after["messages"]] == ["late"]
    assert after["messages"][0]["raw"] is None
    before = await run("list_messages", {"sent_before": iso(middle), "include_raw": True})
    assert [m["body"] for m in before["messages"]] == ["early"]
    assert before["messages"][0]["raw"]["body"] == "early"
    day = await run("list_messages", {"date_sent": middle.date().isoformat()})
    assert [m["body"] for m in day["messages"]] == ["late", "early"]
    other_day = await run("list_messages", {"date_sent": "2026-03-09"})
    assert other_day["messages"] == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"sent_after": "2024-03-02", "sent_before": "2024-03-01"}, "sent_after"),
        (
            {"sent_after": "2024-03-01T12:00:00Z", "sent_before": "2024-03-01T11:00:00Z"},
            "sent_after",
        ),
        ({"sent_after": "2999-01-01"}, "sent_after"),
        ({"date_sent": "2999-01-01"}, "date_sent"),
        ({"date_sent": "2024-03-01", "sent_after": "2024-02-01"}, "date_sent"),
        ({"sent_after": "last tuesday"}, "sent_after"),  # (yesterday and 7d are taken)
        ({"sent_after": "2024-03-01T12:00:00"}, "sent_after"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"to": "+1"}, "to"),
    ],
)
async def test_list_messages_refuses_impossible_filters(
    run: Run, arguments: dict[str, Any], field: str
) -> None:
    """Reversed ranges, future-only bounds, naive times and bad limits name their field."""
    with pytest.raises(ValidationError) as caught:
        await run("list_messages", arguments)
    assert caught.value.field == field


async def test_redact_then_delete_a_message(run: Run, emulator: RunningEmulator) -> None:
    """redact_message empties the body and keeps the record; delete_message removes it."""
    sent = await run("send_sms", {"to": TO, "body": "your code is 123456"})
    emulator.control.advance(10)  # Twilio deletes only messages that are done
    redacted = await run("redact_message", {"sid": sent["sid"]})
    assert (redacted["sid"], redacted["body"]) == (sent["sid"], "")
    deleted = await run("delete_message", {"sid": sent["sid"]})
    assert deleted == {"sid": sent["sid"], "deleted": True}
    with pytest.raises(NotFoundError) as caught:
        await run("get_message", {"sid": sent["sid"]})
    assert caught.value.code == 20404


async def test_get_message_refuses_a_call_sid(run: Run) -> None:
    """A SID of the wrong kind is refused with where to find a message SID."""
    with pytest.raises(ValidationError) as caught:
        await run("get_message", {"sid": "CA" + "0" * 32})
    assert caught.value.field == "sid"
    assert "list_messages" in (caught.value.hint or "")


async def test_delivery_status_and_failure_hint_are_reported(
    run: Run, emulator: RunningEmulator
) -> None:
    """After the emulator delivers a message, get_message shows delivered with a price."""
    sent = await run("send_sms", {"to": TO, "body": "hi"})
    emulator.control.advance(10)
    fetched = await run("get_message", {"sid": sent["sid"]})
    assert fetched["status"] == "delivered"
    assert fetched["price"] < 0
    assert fetched["price_unit"] == "USD"
    assert fetched["date_sent"] is not None


async def test_whatsapp_free_form_outside_the_window_fails_with_63016_hint(
    run: Run, emulator: RunningEmulator
) -> None:
    """A free-form WhatsApp to a user who never wrote is accepted, then fails with 63016 and
    the hint to send a template."""
    sent = await run("send_whatsapp", {"to": TO, "body": "hello", "from": WHATSAPP_SENDER})
    assert sent["to"] == "whatsapp:" + TO
    assert sent["encoding"] is None
    emulator.control.advance(10)
    fetched = await run("get_message", {"sid": sent["sid"]})
    assert (fetched["status"], fetched["error_code"]) == ("failed", 63016)
    assert "content_sid" in fetched["error_hint"]


async def test_whatsapp_template_is_listed_and_sent(run: Run, emulator: RunningEmulator) -> None:
    """An approved template shows in list_whatsapp_templates and sends with its variables."""
    template = emulator.control.request(
        "POST",
        "/_emulator/content",
        {
            "friendly_name": "order_update",
            "body": "Hi {{1}}, order {{2}} shipped.",
            "variables": {"1": "name", "2": "order"},
            "whatsapp_status": "approved",
        },
    )
    emulator.control.request(
        "POST",
        "/_emulator/content",
        {
            "friendly_name": "promo",
            "body": "Sale!",
            "whatsapp_status": "rejected",
            "rejection_reason": "promotional",
        },
    )
    listed = await run("list_whatsapp_templates", {})
    by_name = {t["friendly_name"]: t for t in listed["templates"]}
    assert by_name["order_update"]["approval_status"] == "approved"
    assert by_name["order_update"]["body"] == "Hi {{1}}, order {{2}} shipped."
    assert by_name["order_update"]["types"] == ["twilio/text"]
    assert by_name["promo"]["approval_status"] == "rejected"
    assert by_name["promo"]["rejection_reason"] == "promotional"

    sent = await run(
        "sendWhatsAppMessage",
        {
            "recipientWhatsAppNumber": "whatsapp:" + TO,
            "twilioWhatsAppNumber": WHATSAPP_SENDER,
            "content_sid": template["sid"],
            "content_variables": {"1": "Ada", "2": 42},
        },
    )
    assert sent["body"] == "Hi Ada, order 42 shipped."
    emulator.control.advance(10)
    assert (await run("get_message", {"sid": sent["sid"]}))["status"] == "delivered"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"to": TO}, "body"),
        ({"to": TO, "content_variables": {"1": "x"}}, "content_variables"),
        ({"to": TO, "body": "x", "content_sid": "HX" + "0" * 32}, "body"),
        ({"to": TO, "content_sid": "HX1"}, "content_sid"),
        (
            {"to": TO, "body": "x", "media_urls": ["https://e.com/a.png", "https://e.com/b.png"]},
            "media_urls",
        ),
        ({"to": "12345", "body": "x"}, "to"),
    ],
)
async def test_whatsapp_bad_input_never_reaches_twilio(
    run: Run, emulator: RunningEmulator, arguments: dict[str, Any], field: str
) -> None:
    """Template and free-form rules are checked before sending, naming the field."""
    with pytest.raises(ValidationError) as caught:
        await run("send_whatsapp", arguments)
    assert caught.value.field == field
    assert count_messages(emulator) == 0


async def test_list_phone_numbers_shows_senders_and_capabilities(run: Run) -> None:
    """list_phone_numbers lists the owned numbers with SMS/voice capabilities."""
    listed = await run("list_phone_numbers", {})
    numbers = {n["phone_number"]: n for n in listed["phone_numbers"]}
    assert "+15005550006" in numbers
    assert numbers["+14155550100"]["capabilities"] == {"sms": True, "mms": True, "voice": True}
    filtered = await run("list_phone_numbers", {"phone_number": "+14155550100", "limit": 5})
    assert [n["phone_number"] for n in filtered["phone_numbers"]] == ["+14155550100"]


async def test_messaging_actions_as_python_calls(
    context: ActionContext, emulator: RunningEmulator
) -> None:
    """The same actions called directly with typed inputs give typed outputs."""
    sent = await send_sms(context, SendSmsInput(to=TO, body="direct"))
    assert sent.status == "queued"
    assert sent.encoding == "GSM-7"
    fetched = await get_message(context, GetMessageInput(sid=sent.sid))
    assert fetched.body == "direct"
    wa = await send_whatsapp(context, SendWhatsAppInput(to=OTHER, body="hi", from_=WHATSAPP_SENDER))
    assert wa.to == "whatsapp:" + OTHER
    page = await list_messages(context, ListMessagesInput(to=TO, limit=5))
    assert [m.sid for m in page.messages] == [sent.sid]
    assert page.next_page_token is None


async def test_direct_calls_check_the_connection_too(emulator_connection: Connection) -> None:
    """Direct calls apply the same context checks as invoke (here: the default sender)."""
    connection = Connection(
        account_sid=emulator_connection.account_sid,
        auth_token=emulator_connection.auth_token,
        base_url=emulator_connection.base_url,
    )
    async with AsyncClient(connection, retry=FAST_RETRY) as client:
        context = ActionContext(client=client, connection=connection)
        with pytest.raises(ValidationError) as caught:
            await send_sms(context, SendSmsInput(to=TO, body="x"))
    assert caught.value.field == "from"
