"""The service fills a delivered message's send time and price in the ledger (one fetch when
its final status arrives), over real HTTP against the emulator's signed callbacks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.surfaces.conftest import service_settings
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import MessageStatus
from twiliokit.server.service import create_service_app
from twiliokit.serving import serve_in_thread
from twiliokit.webhooks import WebhookSettings
from twiliokit.webhooks.events import StatusChanged
from twiliokit.webhooks.handlers import Handlers

TOKEN = "final-details-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TO = "+14155552671"


@pytest.fixture
def serve(emulator: RunningEmulator, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``serve(fetch=...)``: the service with its webhook receiver on a free port; returns its
    URL and an event set once a message's delivered status has been handled (the service's own
    status handlers run before the operator's, so by then any fetch has been recorded)."""
    with ExitStack() as stack:

        def start(*, fetch: bool) -> tuple[str, threading.Event]:
            delivered = threading.Event()
            handlers = Handlers()

            @handlers.on_status
            def watch(event: StatusChanged) -> None:
                if event.status == MessageStatus.DELIVERED:
                    delivered.set()

            settings = service_settings(
                emulator,
                tmp_path / "ledger.db",
                TOKEN,
                webhooks=WebhookSettings(auth_token=emulator.auth_token, fetch_final_details=fetch),
                handlers=handlers,
            )
            url = stack.enter_context(serve_in_thread(create_service_app(settings)))
            return url, delivered

        yield start


def _send_and_deliver(url: str, emulator: RunningEmulator, delivered: threading.Event) -> str:
    sent = httpx.post(
        f"{url}/v1/actions/send_sms",
        json={
            "to": TO,
            "body": "your order shipped",
            "status_callback": f"{url}/webhooks/twilio/message-status",
        },
        headers=AUTH,
    )
    assert sent.status_code == 200, sent.text
    emulator.control.advance(30)  # queued -> sending -> sent -> delivered, callbacks signed
    assert delivered.wait(timeout=30)
    sid: str = sent.json()["sid"]
    return sid


def test_a_delivered_message_gets_its_send_time_and_price(
    serve: Callable[..., Any], emulator: RunningEmulator
) -> None:
    """After the delivered callback the ledger's message has Twilio's date_sent and price, as
    the API's message view shows."""
    url, delivered = serve(fetch=True)
    sid = _send_and_deliver(url, emulator, delivered)
    twilio = httpx.get(
        f"{emulator.base_url}/2010-04-01/Accounts/{emulator.account_sid}/Messages/{sid}.json",
        auth=(emulator.account_sid, emulator.auth_token),
    ).json()
    assert twilio["price"] is not None
    found = httpx.get(f"{url}/v1/messages", params={"contact": TO}, headers=AUTH).json()
    [message] = [m for m in found["messages"] if m["sid"] == sid]
    assert message["status"] == "delivered"
    assert float(message["price"]) == float(twilio["price"])
    assert message["price_unit"] == twilio["price_unit"]
    assert message["date_sent"] is not None


def test_fetching_final_details_can_be_turned_off(
    serve: Callable[..., Any], emulator: RunningEmulator
) -> None:
    """With fetch_final_details off nothing is fetched: the message is delivered, price unset."""
    url, delivered = serve(fetch=False)
    sid = _send_and_deliver(url, emulator, delivered)
    found = httpx.get(f"{url}/v1/messages", params={"contact": TO}, headers=AUTH).json()
    [message] = [m for m in found["messages"] if m["sid"] == sid]
    assert message["status"] == "delivered"
    assert message["price"] is None
