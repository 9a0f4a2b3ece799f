"""Phone numbers, the account, Verify, Lookups, Content and raw requests against the emulator."""

from __future__ import annotations

import httpx
import pytest

from twiliokit.client import AsyncClient, Client
from twiliokit.connections import Connection
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import AuthenticationError, NotFoundError, TwilioError, ValidationError

pytestmark = pytest.mark.anyio


async def test_fetch_account(client: AsyncClient, emulator: RunningEmulator) -> None:
    """fetch_account returns the connection's account, without its auth token."""
    account = await client.fetch_account()
    assert account.sid == emulator.account_sid
    assert account.status == "active"
    assert "auth_token" not in account.raw


async def test_bad_credentials_raise_authentication_error(emulator: RunningEmulator) -> None:
    """A wrong auth token is refused with AuthenticationError (401 / 20003) and a hint."""
    connection = emulator.connection(auth_token="f" * 32)
    async with AsyncClient(connection) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.fetch_account()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert "f" * 32 not in str(caught.value.to_dict())


async def test_incoming_phone_number_lifecycle(client: AsyncClient) -> None:
    """Buy a number, find it, point its webhooks somewhere, fetch it, release it."""
    bought = await client.create_phone_number(
        phone_number="+14155550177", friendly_name="support line"
    )
    assert bought.sid is not None
    assert bought.phone_number == "+14155550177"
    listed = await client.list_phone_numbers(phone_number="+14155550177")
    assert [n.sid for n in listed.items] == [bought.sid]
    updated = await client.update_phone_number(
        bought.sid,
        sms_url="https://example.com/sms",
        sms_method="POST",
        voice_url="https://example.com/voice",
        status_callback="https://example.com/status",
    )
    assert (updated.sms_url, updated.voice_url, updated.status_callback) == (
        "https://example.com/sms",
        "https://example.com/voice",
        "https://example.com/status",
    )
    assert (await client.fetch_phone_number(bought.sid)).sms_method == "POST"
    owned = [n.phone_number async for n in client.iter_phone_numbers()]
    assert "+14155550177" in owned
    await client.delete_phone_number(bought.sid)
    with pytest.raises(NotFoundError):
        await client.fetch_phone_number(bought.sid)


async def test_verify_service_rate_limits_buckets_and_webhooks(client: AsyncClient) -> None:
    """Services, rate limits, buckets and webhooks can each be created, read, changed, deleted."""
    service = await client.create_verify_service(friendly_name="Login", code_length=6)
    assert service.sid is not None
    assert service.code_length == 6
    assert (await client.fetch_verify_service(service.sid)).friendly_name == "Login"
    assert service.sid in [s.sid for s in (await client.list_verify_services()).items]
    assert service.sid in [s.sid async for s in client.iter_verify_services()]

    limit = await client.create_rate_limit(service.sid, unique_name="end_user_ip", description="IP")
    assert limit.sid is not None
    assert limit.unique_name == "end_user_ip"
    changed = await client.update_rate_limit(service.sid, limit.sid, description="by IP")
    assert changed.description == "by IP"
    assert (await client.fetch_rate_limit(service.sid, limit.sid)).description == "by IP"
    assert [r.sid for r in (await client.list_rate_limits(service.sid)).items] == [limit.sid]

    bucket = await client.create_bucket(service.sid, limit.sid, max=5, interval=60)
    assert (bucket.max, bucket.interval) == (5, 60)
    bucket = await client.update_bucket(service.sid, limit.sid, bucket.sid or "", max=10)
    assert bucket.max == 10
    fetched_bucket = await client.fetch_bucket(service.sid, limit.sid, bucket.sid or "")
    assert fetched_bucket.interval == 60
    assert len((await client.list_buckets(service.sid, limit.sid)).items) == 1
    await client.delete_bucket(service.sid, limit.sid, bucket.sid or "")
    assert (await client.list_buckets(service.sid, limit.sid)).items == ()

    hook = await client.create_verify_webhook(
        service.sid,
        friendly_name="events",
        event_types=["verification.approved", "verification.canceled"],
        webhook_url="https://example.com/verify",
    )
    assert hook.event_types == ["verification.approved", "verification.canceled"]
    hook = await client.update_verify_webhook(service.sid, hook.sid or "", status="disabled")
    assert hook.status == "disabled"
    assert (await client.fetch_verify_webhook(service.sid, hook.sid or "")).status == "disabled"
    assert len((await client.list_verify_webhooks(service.sid)).items) == 1
    await client.delete_verify_webhook(service.sid, hook.sid or "")
    await client.delete_rate_limit(service.sid, limit.sid)
    with pytest.raises(NotFoundError):
        await client.fetch_rate_limit(service.sid, limit.sid)


async def test_verification_start_check_and_cancel(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """A code is sent, a wrong code stays pending, the right one approves; cancel works."""
    service = await client.create_verify_service(friendly_name="Signup")
    sid = service.sid or ""
    started = await client.create_verification(sid, to="+14155550123", channel="sms")
    assert (started.status, started.valid, started.channel) == ("pending", False, "sms")
    assert (await client.fetch_verification(sid, started.sid or "")).to == "+14155550123"
    code = next(v["code"] for v in emulator.control.verifications() if v["sid"] == started.sid)
    wrong = "000000" if code != "000000" else "111111"
    miss = await client.check_verification(sid, code=wrong, to="+14155550123")
    assert (miss.status, miss.valid) == ("pending", False)
    hit = await client.check_verification(sid, code=code, verification_sid=started.sid)
    assert (hit.status, hit.valid) == ("approved", True)

    other = await client.create_verification(sid, to="+14155550124", channel="sms")
    canceled = await client.update_verification(sid, other.sid or "", status="canceled")
    assert canceled.status == "canceled"


async def test_lookup_phone_number(client: AsyncClient) -> None:
    """A lookup formats the number and, when asked, reports its line type."""
    result = await client.lookup_phone_number("+14155550123", fields=["line_type_intelligence"])
    assert result.valid is True
    assert result.national_format == "(415) 555-0123"
    assert result.line_type_intelligence is not None
    assert result.line_type_intelligence.type is not None


async def test_content_templates_and_their_approval(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """Templates are listed and fetched, with their WhatsApp approval status."""
    seeded = emulator.control.request(
        "POST",
        "/_emulator/content",
        {
            "friendly_name": "order_update",
            "body": "Your order {{1}} shipped",
            "whatsapp_status": "approved",
        },
    )
    page = await client.list_contents()
    assert [c.sid for c in page.items] == [seeded["sid"]]
    assert [c.sid async for c in client.iter_contents()] == [seeded["sid"]]
    template = await client.fetch_content(seeded["sid"])
    assert template.friendly_name == "order_update"
    assert template.types is not None
    assert "twilio/text" in template.types
    approval = await client.fetch_content_approval(seeded["sid"])
    assert approval.whatsapp is not None
    assert approval.whatsapp.status == "approved"
    with_approvals = await client.list_contents_with_approvals()
    assert with_approvals.items[0].whatsapp_approval_status == "approved"


async def test_raw_requests_reach_any_product(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """A raw request by path or by full twilio.com URL is routed to the emulator."""
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json"
    created = await client.request(
        "POST", path, data={"To": "+14155550123", "From": emulator.phone_number, "Body": "raw"}
    )
    assert created.status_code == 201
    assert created.data["body"] == "raw"
    by_url = await client.request("GET", f"https://api.twilio.com{path}", params={"PageSize": 1})
    assert by_url.data["messages"][0]["sid"] == created.data["sid"]
    verify = await client.request("GET", "/v2/Services", product="verify")
    assert verify.data["meta"]["key"] == "services"
    as_text = await client.request("GET", path, response_type="text")
    assert isinstance(as_text.data, str)
    assert created.data["sid"] in as_text.data
    with pytest.raises(ValidationError):
        await client.request("GET", "https://example.com/anything")
    with pytest.raises(TwilioError) as caught:
        await client.request("GET", f"{path[:-5]}/SMnotthere.json")
    assert caught.value.status == 404


async def test_raw_post_is_not_resent_after_a_drop(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """A raw POST is treated as a create: a dropped answer is an unknown outcome."""
    from twiliokit.errors import UnknownOutcomeError

    path = f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json"
    emulator.control.add_fault(method="POST", path=r"/Messages\.json$", mode="drop_after", times=1)
    with pytest.raises(UnknownOutcomeError):
        await client.request(
            "POST", path, data={"To": "+14155550123", "From": emulator.phone_number, "Body": "x"}
        )
    assert len((await client.list_messages()).items) == 1


async def test_in_process_emulator_through_asgi_transport(
    emulator_connection: Connection, emulator: RunningEmulator
) -> None:
    """The client runs against the emulator app in-process via httpx.ASGITransport."""
    transport = httpx.ASGITransport(app=emulator.app)
    async with AsyncClient(emulator_connection, transport=transport) as client:
        sent = await client.create_message(to="+14155550123", body="in process")
        assert (await client.fetch_message(sent.sid or "")).body == "in process"


def test_sync_client_covers_the_other_products(sync_client: Client) -> None:
    """The blocking client reaches Verify, Lookups and Content with the same methods."""
    service = sync_client.create_verify_service(friendly_name="Sync")
    assert sync_client.fetch_verify_service(service.sid or "").friendly_name == "Sync"
    assert sync_client.lookup_phone_number("+14155550123").valid is True
    assert sync_client.list_contents().items == ()
    assert sync_client.fetch_account().status == "active"


async def test_call_lifecycle(client: AsyncClient, emulator: RunningEmulator) -> None:
    """Place a call, find it, cancel it while queued, then delete its record."""
    call = await client.create_call(
        to="+14155550123", twiml="<Response><Say>Hi</Say></Response>", ring_timeout=20
    )
    assert call.sid is not None
    assert call.sid.startswith("CA")
    assert (call.status, call.from_, call.direction) == (
        "queued",
        emulator.phone_number,
        "outbound-api",
    )
    assert (await client.fetch_call(call.sid)).to == "+14155550123"
    listed = await client.list_calls(to="+14155550123", status="queued")
    assert [c.sid for c in listed.items] == [call.sid]
    canceled = await client.update_call(call.sid, status="canceled")
    assert canceled.status == "canceled"
    assert [c.sid async for c in client.iter_calls(status="canceled")] == [call.sid]
    await client.delete_call(call.sid)
    with pytest.raises(NotFoundError):
        await client.fetch_call(call.sid)


async def test_a_dropped_call_create_is_never_resent(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """Placing a call is a create: a lost answer is an unknown outcome, and one call exists."""
    from twiliokit.errors import UnknownOutcomeError

    emulator.control.add_fault(method="POST", path=r"/Calls\.json$", mode="drop_after", times=1)
    with pytest.raises(UnknownOutcomeError) as caught:
        await client.create_call(to="+14155550123", url="https://example.com/twiml")
    assert caught.value.check is not None
    assert "list_calls" in caught.value.check
    assert len((await client.list_calls()).items) == 1
