"""The update_phone_number_webhooks action over the HTTP API on a real socket, against the
emulator: it points a number's webhooks, refuses to clobber another app's URL without
replace, and repeating it changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.actions.helpers import FAST_RETRY
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import serve_in_thread

TOKEN = "numbers-token-0123456789"
NUMBER = "+14155550100"
RECEIVER = "https://agent.example.com/webhooks/twilio/messaging"
OTHER_APP = "https://other-app.example/sms"


@pytest.fixture
def api(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """An HTTP client for the service (HTTP API only, no ledger) on a free loopback port."""
    settings = ServiceSettings(
        connection=emulator.connection(), api_token=TOKEN, retry=FAST_RETRY, mcp=False
    )
    with (
        serve_in_thread(create_service_app(settings)) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        yield client


def _sms_url(emulator: RunningEmulator) -> Any:
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers.json"
    auth = (emulator.account_sid, emulator.auth_token)
    found = httpx.get(emulator.base_url + path, params={"PhoneNumber": NUMBER}, auth=auth).json()
    return found["incoming_phone_numbers"][0]["sms_url"]


def test_update_phone_number_webhooks_points_refuses_and_replaces(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """First call sets sms_url; a different URL is a 400 naming 'replace' and changes nothing;
    with replace it is set, shown with the old URL; the same call again changes nothing."""
    run = "/v1/actions/update_phone_number_webhooks"
    first = api.post(run, json={"phone_number": NUMBER, "sms_url": OTHER_APP})
    assert first.status_code == 200, first.text
    assert first.json()["changed"] is True

    refused = api.post(run, json={"phone_number": NUMBER, "sms_url": RECEIVER})
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "replace"
    assert _sms_url(emulator) == OTHER_APP

    replaced = api.post(run, json={"number": NUMBER, "sms_url": RECEIVER, "replace": True})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["changes"] == [{"field": "sms_url", "old": OTHER_APP, "new": RECEIVER}]
    assert _sms_url(emulator) == RECEIVER
    again = api.post(run, json={"phone_number": NUMBER, "sms_url": RECEIVER})
    assert again.json()["changed"] is False


def test_update_phone_number_webhooks_needs_a_url(api: httpx.Client) -> None:
    """No URL at all is a 400 naming sms_url, before anything is asked of Twilio."""
    answer = api.post("/v1/actions/update_phone_number_webhooks", json={"phone_number": NUMBER})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "sms_url"
