"""Resource builders and models: Twilio's names, checks before sending, parsing answers."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from twiliokit.errors import TwiliokitError, ValidationError
from twiliokit.http.policies import RetryPolicy, Timeout
from twiliokit.http.request import prepare
from twiliokit.resources import calls, content, lookups, messages, phone_numbers, raw, verify
from twiliokit.resources._base import next_page_operation

OAI = Path(__file__).resolve().parents[2] / "conformance" / "oai"
AC = "AC" + "0" * 32


@dataclass(frozen=True)
class Account:
    account_sid: str = AC
    default_from: str | None = None
    messaging_service_sid: str | None = None
    region: str | None = None
    edge: str | None = None
    base_url: str | None = None


def _example(document: str, path: str, method: str, status: str) -> dict[str, Any]:
    spec = json.loads((OAI / document).read_text())
    examples = spec["paths"][path][method]["responses"][status]["content"]["application/json"][
        "examples"
    ]
    value: dict[str, Any] = next(iter(examples.values()))["value"]
    return value


def test_message_create_sends_twilios_names() -> None:
    """create builds a POST to Messages.json with To/From/Body/MediaUrl as Twilio spells them."""
    op = messages.create(
        Account(), to="+14155550100", from_="+15005550006", body="hi", media_url=["u1", "u2"]
    )
    assert (op.spec.method, op.spec.path) == ("POST", f"/2010-04-01/Accounts/{AC}/Messages.json")
    assert op.spec.form == (
        ("To", "+14155550100"),
        ("From", "+15005550006"),
        ("Body", "hi"),
        ("MediaUrl", "u1"),
        ("MediaUrl", "u2"),
    )
    assert op.spec.idempotent is False
    assert op.spec.check is not None
    assert "{sent_at}" in op.spec.check


def test_message_create_falls_back_to_the_connection_defaults() -> None:
    """Without a sender, the connection's Messaging Service, then default_from, is used."""
    with_service = messages.create(
        Account(messaging_service_sid="MG1", default_from="+1500"), to="+1", body="x"
    )
    with_from = messages.create(Account(default_from="+1500"), to="+1", body="x")
    assert ("MessagingServiceSid", "MG1") in (with_service.spec.form or ())
    assert ("From", "+1500") in (with_from.spec.form or ())


def test_message_create_explains_a_missing_sender_or_content() -> None:
    """No sender or no content fails before sending, naming the field to fix."""
    with pytest.raises(ValidationError) as no_sender:
        messages.create(Account(), to="+1", body="x")
    with pytest.raises(ValidationError) as no_content:
        messages.create(Account(), to="+1", from_="+1500")
    assert (no_sender.value.field, no_content.value.field) == ("from_", "body")
    assert no_sender.value.hint is not None


def test_scheduling_implies_a_fixed_schedule_type() -> None:
    """send_at alone sends ScheduleType=fixed and SendAt in UTC."""
    op = messages.create(
        Account(messaging_service_sid="MG1"),
        to="+1",
        body="later",
        send_at=datetime(2024, 3, 1, 12, tzinfo=UTC),
    )
    form = dict(op.spec.form or ())
    assert (form["ScheduleType"], form["SendAt"]) == ("fixed", "2024-03-01T12:00:00Z")


def test_extra_parameters_cannot_shadow_keywords() -> None:
    """A parameter given both as keyword and in extra is refused instead of doubled."""
    op = messages.create(
        Account(), to="+1", from_="+1500", body="x", extra={"RiskCheck": "disable"}
    )
    assert ("RiskCheck", "disable") in (op.spec.form or ())
    with pytest.raises(ValidationError) as caught:
        messages.create(Account(), to="+1", from_="+1500", body="x", extra={"Body": "y"})
    assert caught.value.field == "extra"


def test_list_filters_use_twilios_operators() -> None:
    """date_sent_before/after become DateSent< and DateSent> (in UTC)."""
    op = messages.list_page(
        Account(),
        to="+1",
        date_sent_after=datetime(2024, 1, 1, tzinfo=UTC),
        date_sent_before="2024-02-01",
        page_size=20,
    )
    assert op.spec.query == (
        ("To", "+1"),
        ("DateSent<", "2024-02-01"),
        ("DateSent>", "2024-01-01T00:00:00Z"),
        ("PageSize", "20"),
    )


@pytest.mark.parametrize("size", [0, 1001, True])
def test_page_size_is_checked(size: int) -> None:
    """Twilio's page size is 1 to 1,000; anything else fails before sending."""
    with pytest.raises(ValidationError) as caught:
        messages.list_page(Account(), page_size=size)
    assert caught.value.field == "page_size"


def test_update_only_redacts_or_cancels() -> None:
    """A message body can be redacted (Body="") but not rewritten; updates are idempotent."""
    redact = messages.update(Account(), "SM1", body="")
    assert (redact.spec.form, redact.spec.idempotent) == ((("Body", ""),), True)
    with pytest.raises(ValidationError):
        messages.update(Account(), "SM1", body="new text")
    with pytest.raises(ValidationError):
        messages.update(Account(), "SM1")


def _parse(op: Any, body: Any, status: int = 200) -> Any:
    prepared = prepare(op.spec, Account(), timeout=Timeout(), retry=RetryPolicy())
    return op.parse(httpx.Response(status, json=body), prepared)


def test_message_model_parses_twilios_example() -> None:
    """Twilio's own example parses: RFC 2822 dates, numbers from strings, 'from' as from_."""
    body = _example(
        "twilio_api_v2010.json", "/2010-04-01/Accounts/{AccountSid}/Messages.json", "post", "201"
    )
    message = _parse(messages.fetch(Account(), "SM1"), body)
    assert message.from_ == body["from"]
    assert message.num_segments == 1
    assert message.date_created == datetime(2023, 8, 24, 5, 1, 45, tzinfo=UTC)
    assert message.raw == body
    assert message.model_dump(by_alias=True)["from"] == body["from"]
    assert "raw" not in message.model_dump()


def test_message_list_parses_twilios_example_page() -> None:
    """The 2010 list example gives typed messages, prices as Decimal, and the next token."""
    body = _example(
        "twilio_api_v2010.json", "/2010-04-01/Accounts/{AccountSid}/Messages.json", "get", "200"
    )
    page = _parse(messages.list_page(Account()), body)
    assert page.items[0].price == Decimal("-0.00750")
    assert page.next_page_token == "PAMMc26223853f8c46b4ab7dfaa6abba0a26"
    assert page.next_page_url.startswith("https://api.twilio.com/2010-04-01/Accounts/")
    follow = next_page_operation(page)
    assert follow is not None
    assert follow.spec.path == page.next_page_url


def test_verify_models_parse_iso_dates() -> None:
    """Verify's ISO 8601 dates parse to aware datetimes."""
    body = _example(
        "twilio_verify_v2.json", "/v2/Services/{ServiceSid}/Verifications", "post", "201"
    )
    verification = _parse(verify.fetch_verification("VA1", "VE1"), body)
    assert verification.status == body["status"]
    assert verification.date_created is not None
    assert verification.date_created.tzinfo is not None


def test_account_never_keeps_the_auth_token() -> None:
    """The account resource's auth_token is dropped, even from raw."""
    account = _parse(
        phone_numbers.fetch_account(Account()),
        {"sid": AC, "auth_token": "f" * 32, "status": "active", "type": "Full"},
    )
    assert "auth_token" not in account.raw
    assert "f" * 32 not in repr(account)


def test_an_answer_that_does_not_fit_the_model_fails_clearly() -> None:
    """A malformed field raises a twiliokit error naming the model, not a pydantic one."""
    with pytest.raises(TwiliokitError) as caught:
        _parse(messages.fetch(Account(), "SM1"), {"sid": "SM1", "num_segments": "many"})
    assert "Message" in caught.value.message


def test_lookup_sends_fields_comma_separated_and_escapes_the_number() -> None:
    """Fields are one comma-separated value; the + of the number is escaped in the path."""
    op = lookups.lookup("+14155550100", fields=["line_type_intelligence", "caller_name"])
    assert op.spec.path == "/v2/PhoneNumbers/%2B14155550100"
    assert op.spec.query == (("Fields", "line_type_intelligence,caller_name"),)


def test_verification_check_needs_exactly_one_target() -> None:
    """A check names the verification by To or by SID, not both or neither."""
    with pytest.raises(ValidationError):
        verify.check_verification("VA1", code="123456")
    with pytest.raises(ValidationError):
        verify.check_verification("VA1", code="123456", to="+1", verification_sid="VE1")
    op = verify.check_verification("VA1", code="123456", to="+1")
    assert op.spec.idempotent is False


def test_rate_limits_go_as_one_json_field() -> None:
    """rate_limits is serialised as one JSON form field, as Twilio's SDK does."""
    op = verify.create_verification(
        "VA1", to="+1", channel="sms", rate_limits={"end_user_ip_address": "203.0.113.7"}
    )
    assert ("RateLimits", '{"end_user_ip_address":"203.0.113.7"}') in (op.spec.form or ())


def test_content_approval_status_is_readable() -> None:
    """A template's WhatsApp approval status is one attribute away."""
    approval = _parse(
        content.fetch_approval("HX1"),
        {"sid": "HX1", "whatsapp": {"name": "t", "status": "approved", "category": "UTILITY"}},
    )
    assert approval.whatsapp.status == "approved"
    listed = content.Content.from_twilio({"sid": "HX1", "approval_requests": {"status": "pending"}})
    assert listed.whatsapp_approval_status == "pending"


def test_call_create_requires_instructions() -> None:
    """A call needs url, twiml or application_sid, and a caller."""
    with pytest.raises(ValidationError) as caught:
        calls.create(Account(), to="+1", from_="+1500")
    assert caught.value.field == "url"
    op = calls.create(
        Account(default_from="+1500"),
        to="+1",
        twiml="<Response/>",
        status_callback_event=["initiated", "completed"],
    )
    assert op.spec.form == (
        ("To", "+1"),
        ("From", "+1500"),
        ("Twiml", "<Response/>"),
        ("StatusCallbackEvent", "initiated"),
        ("StatusCallbackEvent", "completed"),
    )


def test_number_settings_are_keywords_of_create_and_update() -> None:
    """Every webhook setting a number takes is a keyword of both buying and updating, and is
    sent by Twilio's name only when given."""
    for builder in (phone_numbers.create, phone_numbers.update):
        assert set(phone_numbers._SETTINGS) <= set(inspect.signature(builder).parameters)
    op = phone_numbers.update(Account(), "PN1", sms_url="https://example.com/sms")
    assert op.spec.form == (("SmsUrl", "https://example.com/sms"),)
    assert op.spec.idempotent is True
    with pytest.raises(ValidationError) as caught:
        phone_numbers.update(Account(), "PN1")
    assert caught.value.field == "sms_url"
    bought = phone_numbers.create(Account(), area_code="415", voice_url="https://example.com/v")
    assert bought.spec.form == (("AreaCode", "415"), ("VoiceUrl", "https://example.com/v"))
    assert bought.spec.idempotent is False


def test_raw_request_parses_json_text_and_binary() -> None:
    """A raw request returns decoded JSON, text or bytes as asked."""
    prepared_json = raw.request("GET", "/2010-04-01/Accounts.json")
    result = _parse(prepared_json, {"accounts": []})
    assert (result.status_code, result.data) == (200, {"accounts": []})
    binary = raw.request("GET", "/media", response_type="binary")
    prepared = prepare(binary.spec, Account(), timeout=Timeout(), retry=RetryPolicy())
    answer = binary.parse(httpx.Response(200, content=b"\x00\x01"), prepared)
    assert answer.data == b"\x00\x01"


def test_raw_request_refuses_bad_options() -> None:
    """Unknown response types and form+JSON bodies fail with the field named."""
    with pytest.raises(ValidationError) as caught:
        raw.request("GET", "/x", response_type="xml")  # type: ignore[arg-type]
    assert caught.value.field == "response_type"
    with pytest.raises(ValidationError):
        raw.request("POST", "/x", data={"a": 1}, json_body={"b": 2})
