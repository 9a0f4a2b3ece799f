"""Twilio's official SDK against the emulator: Calls, Verify, Lookups and Content.

Every operation goes through ``twilio.rest.Client`` exactly as an application writes it; bad
input must come back as the ``TwilioRestException`` (code and status) Twilio documents.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

from tests.helpers.sdk import sdk_client
from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.testing import RunningEmulator

FROM = "+14155550100"
TO = "+14155552671"


@pytest.fixture
def service_sid(client: Client) -> str:
    """A Verify service."""
    sid: str = client.verify.v2.services.create(friendly_name="My App").sid
    return sid


def rest_error(excinfo: pytest.ExceptionInfo[TwilioRestException]) -> tuple[int, int]:
    return excinfo.value.status, excinfo.value.code


# --- Calls ------------------------------------------------------------------------------------


def test_calls_create_fetch_list_update_delete(client: Client, emulator: RunningEmulator) -> None:
    """The SDK creates, fetches, lists, cancels and deletes calls."""
    call = client.calls.create(
        to=TO,
        from_=FROM,
        url="https://example.com/voice",
        status_callback="https://example.com/status",
        status_callback_event=["initiated", "answered", "completed"],
        timeout=30,
    )
    assert (call.status, call.direction, call.to, call._from) == (
        "queued",
        "outbound-api",
        TO,
        FROM,
    )
    other = client.calls.create(to=TO, from_=FROM, twiml="<Response><Hangup/></Response>")
    emulator.control.advance(1)
    assert client.calls(call.sid).fetch().status == "ringing"
    canceled = client.calls(call.sid).update(status="canceled")
    assert canceled.status == "canceled"
    emulator.control.advance(30)
    listed = client.calls.list(to=TO, limit=10)
    assert [c.sid for c in listed] == [other.sid, call.sid]
    assert [c.sid for c in client.calls.list(status="canceled")] == [call.sid]
    since = datetime.now(UTC) - timedelta(days=1)
    assert len(client.calls.list(start_time_after=since)) == 2
    assert client.calls(call.sid).delete() is True
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls(call.sid).fetch()
    assert rest_error(excinfo) == (404, 20404)


def test_calls_hang_up_and_redirect(client: Client, emulator: RunningEmulator) -> None:
    """update(twiml=...) redirects a live call and update(status='completed') hangs it up."""
    call = client.calls.create(
        to=TO, from_=FROM, twiml="<Response><Dial>+14155550199</Dial></Response>"
    )
    emulator.control.advance(10)
    client.calls(call.sid).update(twiml="<Response><Dial>+14155550198</Dial></Response>")
    emulator.control.advance(2)
    done = client.calls(call.sid).update(status="completed")
    assert (done.status, done.duration) == ("completed", "6")


@pytest.mark.parametrize(
    ("to", "sender", "code"),
    [("+1415", FROM, 21211), (TO, "+14155559999", 21210), ("+5511987654321", FROM, 21215)],
)
def test_calls_errors(client: Client, to: str, sender: str, code: int) -> None:
    """Bad To, a From not owned, and a blocked country raise TwilioRestException."""
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls.create(to=to, from_=sender, url="https://example.com/voice")
    assert rest_error(excinfo) == (400, code)


@pytest.mark.parametrize(
    ("to", "sender", "code"),
    [
        ("+15005550001", "+15005550006", 21217),
        ("+15005550002", "+15005550006", 21214),
        ("+15005550003", "+15005550006", 21215),
        ("+15005550004", "+15005550006", 21216),
        (TO, "+15005550001", 21212),
        (TO, FROM, 21210),
    ],
)
def test_calls_magic_numbers(emulator: RunningEmulator, to: str, sender: str, code: int) -> None:
    """Test credentials: each magic number raises its documented error."""
    test_client = sdk_client(emulator.base_url, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
    with pytest.raises(TwilioRestException) as excinfo:
        test_client.calls.create(to=to, from_=sender, url="https://example.com/voice")
    assert rest_error(excinfo) == (400, code)


def test_calls_test_credentials_success(emulator: RunningEmulator) -> None:
    """Test credentials with the magic From create a queued call."""
    test_client = sdk_client(emulator.base_url, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
    call = test_client.calls.create(to=TO, from_="+15005550006", url="https://example.com/v")
    assert call.status == "queued"


# --- Verify -----------------------------------------------------------------------------------


def test_verify_services(client: Client) -> None:
    """Services: create, list, fetch, update, delete."""
    service = client.verify.v2.services.create(friendly_name="Shop", code_length=8)
    assert (service.code_length, service.friendly_name) == (8, "Shop")
    assert [s.sid for s in client.verify.v2.services.list()] == [service.sid]
    updated = client.verify.v2.services(service.sid).update(friendly_name="Shop 2")
    assert updated.friendly_name == "Shop 2"
    assert client.verify.v2.services(service.sid).fetch().friendly_name == "Shop 2"
    assert client.verify.v2.services(service.sid).delete() is True
    with pytest.raises(TwilioRestException) as excinfo:
        client.verify.v2.services.create(friendly_name="x" * 40)
    assert rest_error(excinfo) == (400, 60200)


def test_verify_rate_limits_and_buckets(client: Client, service_sid: str) -> None:
    """Rate limits and buckets through the SDK, with 60208 and 60211 for duplicates."""
    service = client.verify.v2.services(service_sid)
    rate_limit = service.rate_limits.create(unique_name="end_user_ip", description="IP")
    with pytest.raises(TwilioRestException) as excinfo:
        service.rate_limits.create(unique_name="end_user_ip")
    assert rest_error(excinfo) == (400, 60208)
    assert service.rate_limits(rate_limit.sid).update(description="x").description == "x"
    assert [r.sid for r in service.rate_limits.list()] == [rate_limit.sid]
    buckets = service.rate_limits(rate_limit.sid).buckets
    bucket = buckets.create(max=1, interval=60)
    with pytest.raises(TwilioRestException) as excinfo:
        buckets.create(max=5, interval=60)
    assert rest_error(excinfo) == (400, 60211)
    assert buckets(bucket.sid).update(max=2).max == 2
    assert buckets(bucket.sid).fetch().interval == 60
    assert [b.sid for b in buckets.list()] == [bucket.sid]
    service.verifications.create(to=TO, channel="sms", rate_limits={"end_user_ip": "10.0.0.1"})
    service.verifications.create(to=FROM, channel="sms", rate_limits={"end_user_ip": "10.0.0.1"})
    with pytest.raises(TwilioRestException) as excinfo:
        service.verifications.create(
            to="+14155550101", channel="sms", rate_limits={"end_user_ip": "10.0.0.1"}
        )
    assert rest_error(excinfo) == (429, 20429)
    assert buckets(bucket.sid).delete() is True
    assert service.rate_limits(rate_limit.sid).delete() is True


def test_verify_webhooks(client: Client, service_sid: str) -> None:
    """Webhooks with repeated event types through the SDK."""
    webhooks = client.verify.v2.services(service_sid).webhooks
    webhook = webhooks.create(
        friendly_name="events",
        event_types=["verification.approved", "verification.expired"],
        webhook_url="https://example.com/verify",
    )
    assert webhook.event_types == ["verification.approved", "verification.expired"]
    assert webhooks(webhook.sid).update(status="disabled").status == "disabled"
    assert webhooks(webhook.sid).fetch().version == "v2"
    assert [w.sid for w in webhooks.list()] == [webhook.sid]
    assert webhooks(webhook.sid).delete() is True


def test_verify_start_check_approve(
    client: Client, emulator: RunningEmulator, service_sid: str
) -> None:
    """Start, fetch, a wrong check (pending, not an exception), the right one, then 404."""
    service = client.verify.v2.services(service_sid)
    verification = service.verifications.create(to=TO, channel="sms")
    assert (verification.status, verification.valid) == ("pending", False)
    assert service.verifications(verification.sid).fetch().to == TO
    [pending] = emulator.control.verifications()
    wrong = "000000" if pending["code"] != "000000" else "111111"
    assert service.verification_checks.create(to=TO, code=wrong).status == "pending"
    check = service.verification_checks.create(to=TO, code=pending["code"])
    assert (check.status, check.valid) == ("approved", True)
    with pytest.raises(TwilioRestException) as excinfo:
        service.verification_checks.create(to=TO, code=pending["code"])
    assert rest_error(excinfo) == (404, 20404)


def test_verify_limits_and_cancel(
    client: Client, emulator: RunningEmulator, service_sid: str
) -> None:
    """60203 after five sends, 60202 after five wrong checks, cancel through update."""
    service = client.verify.v2.services(service_sid)
    for _ in range(5):
        service.verifications.create(to=TO, channel="sms")
    with pytest.raises(TwilioRestException) as excinfo:
        service.verifications.create(to=TO, channel="sms")
    assert rest_error(excinfo) == (429, 60203)
    other = service.verifications.create(to=FROM, channel="call")
    code = next(v["code"] for v in emulator.control.verifications() if v["to"] == FROM)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        service.verification_checks.create(verification_sid=other.sid, code=wrong)
    with pytest.raises(TwilioRestException) as excinfo:
        service.verification_checks.create(verification_sid=other.sid, code=code)
    assert rest_error(excinfo) == (429, 60202)
    first = next(v["sid"] for v in emulator.control.verifications() if v["to"] == TO)
    assert service.verifications(first).update(status="canceled").status == "canceled"
    with pytest.raises(TwilioRestException) as excinfo:
        service.verifications.create(to="not-a-number", channel="sms")
    assert rest_error(excinfo) == (400, 60200)


def test_verify_refuses_test_credentials(emulator: RunningEmulator) -> None:
    """Verify with test credentials is 403."""
    test_client = sdk_client(emulator.base_url, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
    with pytest.raises(TwilioRestException) as excinfo:
        test_client.verify.v2.services.create(friendly_name="x")
    assert rest_error(excinfo) == (403, 20008)


# --- Lookups ----------------------------------------------------------------------------------


def test_lookups(client: Client) -> None:
    """Valid and invalid numbers, formats and line type intelligence through the SDK."""
    found = client.lookups.v2.phone_numbers("+14159929960").fetch(fields="line_type_intelligence")
    assert (found.valid, found.country_code, found.national_format) == (
        True,
        "US",
        "(415) 992-9960",
    )
    assert found.line_type_intelligence["type"] == "mobile"
    national = client.lookups.v2.phone_numbers("020 7946 0018").fetch(country_code="GB")
    assert national.phone_number == "+442079460018"
    invalid = client.lookups.v2.phone_numbers("+141599299600").fetch()
    assert (invalid.valid, invalid.validation_errors) == (False, ["TOO_LONG"])


# --- Content ----------------------------------------------------------------------------------


def test_content_templates_and_approval(client: Client, emulator: RunningEmulator) -> None:
    """Templates through client.content.v1.contents, WhatsApp approval and the combined list."""
    request = ContentList.ContentCreateRequest(
        {
            "friendly_name": "order_update",
            "language": "en",
            "variables": {"1": "name"},
            "types": {
                "twilio/text": {"body": "Hi {{1}}"},
                "twilio/quick-reply": {
                    "body": "Hi {{1}}, still interested?",
                    "actions": [{"title": "Yes", "id": "yes"}],
                },
            },
        }
    )
    created = client.content.v1.contents.create(request)
    assert created.sid.startswith("HX")
    assert created.types["twilio/quick-reply"]["actions"] == [{"title": "Yes", "id": "yes"}]
    assert client.content.v1.contents(created.sid).fetch().friendly_name == "order_update"
    assert [c.sid for c in client.content.v1.contents.list()] == [created.sid]
    submitted = client.content.v1.contents(created.sid).approval_create.create(
        ApprovalCreateList.ContentApprovalRequest({"name": "order_update", "category": "UTILITY"})
    )
    assert submitted.status == "received"
    emulator.control.advance(300)
    approval = client.content.v1.contents(created.sid).approval_fetch().fetch()
    assert approval.whatsapp["status"] == "approved"
    [both] = client.content.v1.content_and_approvals.list()
    assert both.approval_requests["content_type"] == "twilio/quick-reply"
    assert client.content.v1.contents(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as excinfo:
        client.content.v1.contents.create(ContentList.ContentCreateRequest({"language": "en"}))
    assert rest_error(excinfo) == (400, 92001)
