"""Forwarding events as signed JSON to real HTTP endpoints, and fetching inbound media with the
account's credentials only from Twilio (here: the emulator)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.helpers.sink import WebhookSink
from tests.integration.webhooks.conftest import TOKEN, Seen, ServeReceiver, asgi_receiver
from tests.integration.webhooks.test_signatures import PUBLIC, form_headers, inbound, sign
from twiliokit.client import AsyncClient
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import ValidationError
from twiliokit.webhooks import (
    Forwarder,
    ForwardSettings,
    Handlers,
    WebhookSettings,
    create_receiver_app,
    fetch_media,
    verify_forward_signature,
)
from twiliokit.webhooks.events import MessageReceived
from twiliokit.webhooks.receiver import PATHS

pytestmark = pytest.mark.anyio

FORWARD_SECRET = "s3cret-for-forwarding-events-0001"


async def test_events_are_forwarded_signed_and_failures_retried_then_given_up(
    tmp_path: Path, sink: WebhookSink
) -> None:
    """An inbound message is POSTed as JSON with a valid X-Twiliokit-Signature; an endpoint
    answering 503 is retried up to max_attempts and then given up, without blocking the other."""
    sink.respond("/down", "busy", status=503)
    forwarder = Forwarder(
        ForwardSettings(
            urls=(sink.url("/events"), sink.url("/down")),
            secret=FORWARD_SECRET,
            max_attempts=3,
            first_delay=0.01,
        )
    )
    app = create_receiver_app(
        WebhookSettings(auth_token=TOKEN, public_url=PUBLIC),
        f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        forwarder=forwarder,
    )
    params = inbound(body="forward me")
    async with asgi_receiver(app) as client:
        response = await client.post(
            PATHS["messaging"],
            content=urlencode(params),
            headers=form_headers(sign(PUBLIC + PATHS["messaging"], dict(params))),
        )
        assert response.status_code == 200
        await forwarder.join()

    [delivered] = sink.at("/events")
    document = json.loads(delivered.body)
    assert verify_forward_signature(
        delivered.body, delivered.headers["x-twiliokit-signature"], FORWARD_SECRET
    )
    assert not verify_forward_signature(
        delivered.body + b" ", delivered.headers["x-twiliokit-signature"], FORWARD_SECRET
    )
    assert document["type"] == "message.received"
    assert document["event"]["body"] == "forward me"
    assert document["event"]["from"] == "+14155550123"
    assert delivered.headers["x-twiliokit-delivery"] == document["id"]
    attempts = sink.at("/down")
    assert len(attempts) == 3
    assert {a.headers["x-twiliokit-delivery"] for a in attempts} == {document["id"]}
    assert (forwarder.delivered, forwarder.failed) == (1, 1)


async def test_a_full_forward_queue_drops_instead_of_growing(sink: WebhookSink) -> None:
    """With queue_size 1 and nothing draining it, a second event is dropped and counted."""
    forwarder = Forwarder(
        ForwardSettings(urls=(sink.url("/events"),), secret=FORWARD_SECRET, queue_size=1)
    )
    event = MessageReceived(
        sid="SM1",
        account_sid="AC1",
        from_="+1",
        to="+2",
        body="x",
        received_at=datetime.now(UTC),
    )
    async with forwarder:
        first = forwarder.submit(event)
        second = forwarder.submit(event)
        await forwarder.join()
    assert (first, second, forwarder.dropped) == (True, False, 1)


async def test_media_is_fetched_from_twilio_with_credentials_and_nowhere_else(
    emulator: RunningEmulator, serve_receiver: ServeReceiver, sink: WebhookSink
) -> None:
    """An MMS's media URL (Twilio's, here the emulator's) is fetched with the account's
    credentials; a URL on another host is refused before any request is made; a redirect to
    plain http is not followed."""
    seen = Seen()
    handlers = Handlers()
    handlers.on_message(seen.add)
    receiver = serve_receiver(auth_token=emulator.auth_token, handlers=handlers)
    async with AsyncClient(emulator.connection()) as client:
        page = await client.list_phone_numbers(phone_number=emulator.phone_number)
        await client.update_phone_number(page.items[0].sid or "", sms_url=receiver.url("messaging"))
    stored = f"{emulator.base_url}/healthz"
    emulator.control.inbound(
        From="+14155550123", To=emulator.phone_number, Body="pic", MediaUrl=[stored]
    )
    emulator.control.inbound(
        From="+14155550123", To=emulator.phone_number, Body="pic", MediaUrl=[sink.url("/cat")]
    )
    first, second = seen.of("message.received")
    connection = emulator.connection()

    content = await fetch_media(first.media[0].url, connection=connection)

    assert first.media[0].url.startswith(emulator.base_url + "/2010-04-01/Accounts/")
    assert content.url == stored
    assert json.loads(content.data)
    with pytest.raises(ValidationError, match="not Twilio's"):
        await fetch_media(sink.url("/cat"), connection=connection)
    with pytest.raises(ValidationError, match="neither Twilio's nor https"):
        await fetch_media(second.media[0].url, connection=connection)
    assert sink.at("/cat") == []
