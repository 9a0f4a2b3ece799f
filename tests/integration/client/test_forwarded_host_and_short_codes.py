"""twiliokit's client against one emulator for every product: it names the Twilio host it
meant (X-Forwarded-Host), and it refuses a short-code recipient before any request."""

from __future__ import annotations

import pytest

from twiliokit.client import AsyncClient, Client
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import NotFoundError, ValidationError

pytestmark = pytest.mark.anyio


async def test_a_product_the_emulator_lacks_is_not_served_by_another(
    client: AsyncClient,
) -> None:
    """Chat's POST /v2/Services is 404 naming Chat, not a new Verify service."""
    with pytest.raises(NotFoundError) as caught:
        await client.request("POST", "/v2/Services", product="chat", data={"FriendlyName": "x"})
    assert caught.value.code == 20404
    assert "Chat (chat.twilio.com)" in str(caught.value)
    services = await client.request("GET", "/v2/Services", product="verify")
    assert services.data["services"] == []


async def test_the_same_path_for_verify_creates_a_service(client: AsyncClient) -> None:
    """With product verify the request reaches Verify: a VA service is created."""
    created = await client.request(
        "POST", "/v2/Services", product="verify", data={"FriendlyName": "x"}
    )
    assert created.status_code == 201
    assert created.data["sid"].startswith("VA")


@pytest.mark.parametrize("to", ["12345", "123456", " 55555 "])
async def test_create_message_refuses_a_short_code_recipient(
    client: AsyncClient, emulator: RunningEmulator, to: str
) -> None:
    """A short code as `to` is a ValidationError naming `to`, and nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await client.create_message(to=to, body="hi", from_=emulator.phone_number)
    assert caught.value.field == "to"
    assert "short code" in str(caught.value)
    assert "21265" in (caught.value.hint or "")
    assert not (await client.list_messages()).items


def test_sync_create_message_refuses_a_short_code_recipient(
    sync_client: Client, emulator: RunningEmulator
) -> None:
    """The blocking client refuses it the same way."""
    with pytest.raises(ValidationError) as caught:
        sync_client.create_message(to="12345", body="hi", from_=emulator.phone_number)
    assert caught.value.field == "to"
    assert not sync_client.list_messages().items
