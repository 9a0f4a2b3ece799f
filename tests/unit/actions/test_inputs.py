"""Input handling shared by every action (names, aliases, dates, addresses) and the pure parts
of individual actions (TwiML from say, raw paths, masking, outputs). No I/O."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

import pytest

from twiliokit.actions import ActionContext, catalogue
from twiliokit.actions.invoke import parse_arguments
from twiliokit.actions.messaging import SendMessageOutput, SendSmsInput, SendWhatsAppInput
from twiliokit.actions.outputs import MessageOutput
from twiliokit.actions.raw import FileInput, RawRequestInput, _scrub
from twiliokit.actions.verify import CheckVerificationInput, StartVerificationInput
from twiliokit.actions.voice import MakeCallInput
from twiliokit.client import AsyncClient
from twiliokit.connections import Connection
from twiliokit.errors import ValidationError
from twiliokit.resources.messages import Message
from twiliokit.segments import analyze

REGISTRY = catalogue()
TO = "+14155552671"
ACCOUNT = "AC" + "1" * 32
TOKEN = "0123456789abcdef" * 2


def parse(name: str, arguments: dict[str, Any]) -> Any:
    action = REGISTRY.resolve(name)
    assert action is not None
    return parse_arguments(action, arguments)


def refused(name: str, arguments: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse(name, arguments)
    return caught.value


@pytest.mark.parametrize(
    "key", ["messageSid", "messageSID", "MESSAGE_SID", "message-sid", "sid", "Sid"]
)
def test_argument_names_ignore_case_and_separators(key: str) -> None:
    """camelCase, UPPER and dashed spellings of an argument name are the same argument."""
    parsed = parse("get_message", {key: "SM" + "a" * 32})
    assert parsed.sid == "SM" + "a" * 32


def test_unknown_argument_suggests_the_real_one() -> None:
    """A typo is named, with the closest argument and the full list in the hint."""
    error = refused("send_sms", {"to": TO, "body": "x", "media": ["https://e.com/a"]})
    assert error.field == "media"
    assert "media_urls" in (error.hint or "")
    assert "status_callback" in (error.hint or "")


def test_an_argument_given_twice_is_refused() -> None:
    """'to' and its alias 'recipientPhoneNumber' together are one argument given twice."""
    error = refused("send_sms", {"to": TO, "recipientPhoneNumber": TO, "body": "x"})
    assert error.field == "to"
    assert "twice" in error.message


def test_account_sid_is_accepted_but_not_published() -> None:
    """SmythOS's accountSID validates, is never in the schema, and never in a dump."""
    parsed = parse("send_sms", {"to": TO, "body": "x", "accountSID": ACCOUNT})
    assert parsed.account_sid == ACCOUNT
    assert "account_sid" not in parsed.model_dump()


@pytest.mark.anyio
async def test_another_account_is_refused_before_any_request() -> None:
    """An account_sid other than the connection's fails in the action, naming account_sid."""
    action = REGISTRY.resolve("get_message")
    assert action is not None
    connection = Connection(account_sid="AC" + "2" * 32, auth_token=TOKEN)
    async with AsyncClient(connection) as client:
        context = ActionContext(client=client, connection=connection)
        arguments = parse("get_message", {"sid": "SM" + "a" * 32, "account_sid": ACCOUNT})
        with pytest.raises(ValidationError) as caught:
            await action.run(context, arguments)
    assert caught.value.field == "account_sid"


def test_numbers_are_normalised_to_e164() -> None:
    """Human-written numbers become E.164; WhatsApp recipients get the whatsapp: prefix."""
    assert SendSmsInput(to="+1 (415) 555-2671", body="x").to == TO
    whatsapp = SendWhatsAppInput(to="+1 415 555 2671", body="x", from_="+14155238886")
    assert (whatsapp.to, whatsapp.from_) == ("whatsapp:" + TO, "whatsapp:+14155238886")
    assert SendSmsInput(to="+447400123456", body="x", from_="MyBrand").from_ == "MyBrand"


def test_an_omitted_optional_address_given_as_null_is_fine() -> None:
    """An explicit null for an optional address means 'not given'."""
    assert parse("send_sms", {"to": TO, "body": "x", "from": None}).from_ is None
    assert parse("list_messages", {"to": None, "from": None}).to is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("2024-03-01T12:00:00Z", datetime(2024, 3, 1, 12, tzinfo=UTC)),
        ("2024-03-01T14:00:00+02:00", datetime(2024, 3, 1, 12, tzinfo=UTC)),
    ],
)
def test_date_bounds_are_days_or_aware_times_in_utc(value: str, expected: date) -> None:
    """A day stays a day; a time with an offset is converted to UTC."""
    assert parse("list_messages", {"sent_after": value}).sent_after == expected


def test_a_time_without_zone_names_the_fix() -> None:
    """A naive timestamp is refused with how to write it (a Z for UTC)."""
    error = refused("list_messages", {"sent_before": "2024-03-01T12:00:00"})
    assert error.field == "sent_before"
    assert "Z" in (error.hint or "")


def test_a_one_day_range_is_allowed() -> None:
    """sent_after and sent_before on the same day cover that whole day."""
    parsed = parse("list_messages", {"sent_after": "2024-03-01", "sent_before": "2024-03-01"})
    assert parsed.sent_after == parsed.sent_before == date(2024, 3, 1)


def test_say_becomes_escaped_twiml() -> None:
    """'say' with voice and language is sent as TwiML, with XML special characters escaped."""
    call = MakeCallInput(to=TO, say="Tom & Jerry <3", voice="alice", language="en-US")
    url, twiml = call.instructions()
    assert url is None
    assert twiml is not None
    assert '<Say voice="alice" language="en-US">Tom &amp; Jerry &lt;3</Say>' in twiml


def test_content_variables_accept_json_text_and_numbers() -> None:
    """content_variables may be an object or its JSON text; numbers become text."""
    parsed = parse(
        "send_whatsapp",
        {"to": TO, "content_sid": "HX" + "0" * 32, "content_variables": '{"1": "Ada", "2": 7}'},
    )
    assert parsed.content_variables == {"1": "Ada", "2": "7"}
    error = refused(
        "send_whatsapp",
        {"to": TO, "content_sid": "HX" + "0" * 32, "content_variables": {"1": True}},
    )
    assert error.field == "content_variables"


def test_verification_targets_are_normalised() -> None:
    """Phone numbers become E.164; an email is kept for the email channel; codes as numbers
    are text."""
    start = StartVerificationInput(service_sid="VA" + "0" * 32, to="+1 415 555 2671")
    assert start.to == TO
    email = StartVerificationInput(
        service_sid="VA" + "0" * 32, to="ada@example.com", channel="email"
    )
    assert email.to == "ada@example.com"
    check = parse("check_verification", {"service_sid": "VA" + "0" * 32, "to": TO, "code": 123456})
    assert isinstance(check, CheckVerificationInput)
    assert check.code == "123456"


def test_raw_paths_fill_in_the_account_and_version() -> None:
    """{AccountSid} and $TWILIO_ACCOUNT_SID are filled in; /Accounts gets /2010-04-01."""
    seed_style = RawRequestInput(method="get", path="/Accounts/$TWILIO_ACCOUNT_SID/Calls.json")
    assert seed_style.method == "GET"
    assert seed_style.resolved_path(ACCOUNT) == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    other = RawRequestInput(method="GET", path="/v2/Services", product="verify")
    assert other.resolved_path(ACCOUNT) == "/v2/Services"


def test_raw_answers_are_masked() -> None:
    """auth_token values and the connection's secrets anywhere in an answer are masked."""
    answer = {
        "accounts": [{"sid": ACCOUNT, "auth_token": "f" * 32}],
        "note": f"token {TOKEN} here",
        "count": 1,
    }
    masked = _scrub(answer, (TOKEN,))
    assert masked["accounts"][0] == {"sid": ACCOUNT, "auth_token": "****"}
    assert TOKEN not in masked["note"]
    assert masked["count"] == 1


def test_raw_files_decode_and_refuse_bad_base64() -> None:
    """Files are text or base64; bad base64 is a ValidationError on 'files'."""
    png = FileInput(
        field="f",
        filename="a.png",
        content_base64=base64.b64encode(b"\x89PNG").decode(),
        content_type="image/png",
    )
    assert png.as_file() == ("a.png", b"\x89PNG", "image/png")
    assert FileInput(field="f", filename="a.txt", content="hi").as_file() == ("a.txt", b"hi")
    with pytest.raises(ValidationError) as caught:
        FileInput(field="f", filename="a.bin", content_base64="not base64!").as_file()
    assert caught.value.field == "files"


def test_outputs_use_twilio_names_and_report_the_encoding() -> None:
    """Outputs dump 'from' (not from_) and a send adds encoding, segments and UCS-2 characters."""
    message = Message.from_twilio(
        {
            "sid": "SM" + "0" * 32,
            "from": "+15005550006",
            "to": TO,
            "body": "hi \u2603",
            "status": "queued",
            "num_segments": "1",
            "price": "-0.00790",
            "error_code": 30007,
        }
    )
    out = SendMessageOutput.sent(message, analyze("hi \u2603"))
    dumped = out.model_dump(mode="json", by_alias=True)
    assert dumped["from"] == "+15005550006"
    assert (dumped["encoding"], dumped["segments"], dumped["ucs2_characters"]) == (
        "UCS-2",
        1,
        ["\u2603"],
    )
    assert dumped["price"] == -0.0079
    assert dumped["raw"]["body"] == "hi \u2603"
    assert MessageOutput.of(message, raw=False).raw is None
