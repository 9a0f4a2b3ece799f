"""Messages and media against the emulator: every operation, async and sync."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from twiliokit.client import AsyncClient, Client
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import NotFoundError, TwilioError

pytestmark = pytest.mark.anyio

TO = "+14155550123"
SERVICE = "MG" + "1" * 32


async def test_create_then_fetch_a_message(client: AsyncClient, emulator: RunningEmulator) -> None:
    """A created message comes back typed, and fetching it by SID returns the same message."""
    sent = await client.create_message(to=TO, body="Hello from twiliokit")
    assert sent.sid is not None
    assert sent.sid.startswith("SM")
    assert (sent.to, sent.from_, sent.body) == (TO, emulator.phone_number, "Hello from twiliokit")
    assert sent.status == "queued"
    assert sent.num_segments == 1
    assert sent.date_created is not None
    assert sent.date_created.utcoffset() == timedelta(0)
    fetched = await client.fetch_message(sent.sid)
    assert fetched.sid == sent.sid
    assert fetched.raw["sid"] == sent.sid


async def test_message_status_moves_on_with_the_clock(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """After time passes the fetched message is delivered, with date_sent and a price."""
    sent = await client.create_message(to=TO, body="tick")
    emulator.control.advance(30)
    delivered = await client.fetch_message(sent.sid or "")
    assert delivered.status == "delivered"
    assert delivered.date_sent is not None
    assert delivered.price is not None
    assert delivered.price_unit == "USD"


async def test_twilio_errors_carry_code_and_hint(client: AsyncClient) -> None:
    """An invalid To is refused with Twilio's code, its docs link and a remediation hint."""
    with pytest.raises(TwilioError) as caught:
        await client.create_message(to="+15005550001", body="x")
    error = caught.value
    assert (error.status, error.code) == (400, 21211)
    assert error.more_info == "https://www.twilio.com/docs/errors/21211"
    assert error.hint is not None
    assert error.retryable is False


async def test_redact_keeps_the_record_but_erases_the_body(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """redact_message (Body="") empties the body; the message still exists."""
    sent = await client.create_message(to=TO, body="secret code 1234")
    emulator.control.advance(30)
    redacted = await client.redact_message(sent.sid or "")
    assert redacted.body == ""
    assert (await client.fetch_message(sent.sid or "")).body == ""


async def test_cancel_a_scheduled_message(client: AsyncClient, emulator: RunningEmulator) -> None:
    """A message scheduled through a Messaging Service is canceled before it goes."""
    now = datetime.fromisoformat(emulator.control.request("GET", "/_emulator/clock")["now"])
    scheduled = await client.create_message(
        to=TO,
        body="see you tomorrow",
        messaging_service_sid=SERVICE,
        send_at=now + timedelta(hours=1),
    )
    assert scheduled.status == "scheduled"
    canceled = await client.cancel_message(scheduled.sid or "")
    assert canceled.status == "canceled"
    emulator.control.advance(7200)
    assert (await client.fetch_message(scheduled.sid or "")).status == "canceled"


async def test_delete_removes_a_finished_message(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """Deleting a delivered message makes it unfetchable (404 NotFoundError)."""
    sent = await client.create_message(to=TO, body="bye")
    emulator.control.advance(30)
    await client.delete_message(sent.sid or "")
    with pytest.raises(NotFoundError):
        await client.fetch_message(sent.sid or "")


async def test_media_list_and_fetch(client: AsyncClient, emulator: RunningEmulator) -> None:
    """An MMS's media are listed and fetched, with a path to their content."""
    sent = await client.create_message(
        to=TO, media_url=["https://example.com/cat.jpg", "https://example.com/dog.png"]
    )
    assert sent.num_media == 2
    page = await client.list_message_media(sent.sid or "")
    assert len(page.items) == 2
    assert {m.parent_sid for m in page.items} == {sent.sid}
    first = page.items[0]
    fetched = await client.fetch_message_media(sent.sid or "", first.sid or "")
    assert fetched.sid == first.sid
    assert fetched.content_path is not None
    assert not fetched.content_path.endswith(".json")
    collected = [m.sid or "" async for m in client.iter_message_media(sent.sid or "", page_size=1)]
    assert sorted(collected) == sorted(m.sid or "" for m in page.items)


def test_sync_client_sends_and_lists(sync_client: Client, emulator: RunningEmulator) -> None:
    """The blocking Client does the same as the async one, through the same code."""
    sent = sync_client.create_message(to=TO, body="from a script")
    page = sync_client.list_messages(to=TO)
    assert [m.sid for m in page.items] == [sent.sid]
    assert [m.sid for m in sync_client.iter_messages(limit=5)] == [sent.sid]
