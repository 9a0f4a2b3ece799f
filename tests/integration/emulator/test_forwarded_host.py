"""X-Forwarded-Host routing: the emulator answers for the Twilio host a client meant."""

from __future__ import annotations

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException

from tests.helpers.sdk import sdk_client
from twiliokit.emulator.testing import RunningEmulator


def _create_service(api: httpx.Client, host: str | None) -> httpx.Response:
    headers = {"X-Forwarded-Host": host} if host else {}
    return api.post("/v2/Services", data={"FriendlyName": "support"}, headers=headers)


def test_chat_services_are_not_verify_services(api: httpx.Client) -> None:
    """Chat v2's POST /v2/Services is 404 in Twilio's shape, naming Chat; nothing is created."""
    response = _create_service(api, "chat.twilio.com")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert (body["code"], body["status"]) == (20404, 404)
    assert "Chat (chat.twilio.com)" in body["message"]
    assert (
        api.get("/v2/Services", headers={"X-Forwarded-Host": "verify.twilio.com"}).json()[
            "services"
        ]
        == []
    )


def test_verify_host_creates_a_verify_service(api: httpx.Client) -> None:
    """The same request meant for verify.twilio.com creates a VA service."""
    response = _create_service(api, "verify.twilio.com")
    assert response.status_code == 201
    assert response.json()["sid"].startswith("VA")


def test_without_the_header_routing_is_by_path(api: httpx.Client) -> None:
    """No X-Forwarded-Host (or a host that is not Twilio's): today's path routing."""
    assert _create_service(api, None).status_code == 201
    assert _create_service(api, "emulator.internal:8080").status_code == 201


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("lookups.twilio.com", "/v2/Services"),
        ("verify.twilio.com", "/v2/PhoneNumbers/+14159929960"),
        ("content.twilio.com", "/2010-04-01/Accounts/AC00000000000000000000000000000000.json"),
        ("conversations.twilio.com", "/v1/Content"),
        ("messaging.twilio.com", "/v1/Content"),
        ("content.twilio.com", "/v1/Services"),
    ],
)
def test_a_path_of_another_product_is_404(api: httpx.Client, host: str, path: str) -> None:
    """A covered host serves only its own paths; the 404 names the host meant."""
    response = api.get(path, headers={"X-Forwarded-Host": host})
    assert (response.status_code, response.json()["code"]) == (404, 20404)
    assert host in response.json()["message"]


def test_regional_host_and_port_route_to_their_product(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """api.sydney.au1.twilio.com:443 is the REST API: the account answers."""
    response = api.get(
        f"/2010-04-01/Accounts/{emulator.account_sid}.json",
        headers={"X-Forwarded-Host": "api.sydney.au1.twilio.com:443"},
    )
    assert response.status_code == 200


def test_control_api_ignores_the_header(api: httpx.Client) -> None:
    """The emulator's own /_emulator routes answer whatever host was meant."""
    response = api.get("/_emulator/webhooks", headers={"X-Forwarded-Host": "chat.twilio.com"})
    assert response.status_code == 200


def test_official_sdk_chat_is_refused_and_verify_works(emulator: RunningEmulator) -> None:
    """Twilio's SDK, sending X-Forwarded-Host as docs/emulator.md shows: Chat 404, Verify 201."""
    client = sdk_client(emulator.base_url, emulator.account_sid, emulator.auth_token)
    with pytest.raises(TwilioRestException) as caught:
        client.chat.v2.services.create(friendly_name="support")
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert "Chat" in caught.value.msg
    service = client.verify.v2.services.create(friendly_name="support")
    assert service.sid is not None
    assert service.sid.startswith("VA")


def test_messaging_services_answer_only_for_messaging(api: httpx.Client) -> None:
    """POST /v1/Services meant for messaging.twilio.com creates an MG service; the same
    request meant for Conversations (also /v1/Services) is 404 naming it, creating nothing."""
    meant = {"X-Forwarded-Host": "messaging.twilio.com"}
    created = api.post("/v1/Services", data={"FriendlyName": "pool"}, headers=meant)
    assert (created.status_code, created.json()["sid"][:2]) == (201, "MG")
    other = api.post(
        "/v1/Services",
        data={"FriendlyName": "chat"},
        headers={"X-Forwarded-Host": "conversations.twilio.com"},
    )
    assert (other.status_code, other.json()["code"]) == (404, 20404)
    assert "Conversations (conversations.twilio.com)" in other.json()["message"]
    assert len(api.get("/v1/Services", headers=meant).json()["services"]) == 1


def test_product_urls_name_the_twilio_host_the_client_meant(api: httpx.Client) -> None:
    """A v2 resource's url, links and paging URLs are https://verify.twilio.com/... when the
    client said it meant that host, as Twilio shows them; the emulator's own base without."""
    meant = {"X-Forwarded-Host": "verify.twilio.com"}
    for name in ("one", "two"):
        api.post("/v2/Services", data={"FriendlyName": name}, headers=meant)
    created = api.post("/v2/Services", data={"FriendlyName": "three"}, headers=meant).json()
    assert created["url"] == f"https://verify.twilio.com/v2/Services/{created['sid']}"
    assert all(
        link.startswith("https://verify.twilio.com/v2/") for link in created["links"].values()
    )
    page = api.get("/v2/Services", params={"PageSize": 2}, headers=meant).json()["meta"]
    assert page["next_page_url"].startswith("https://verify.twilio.com/v2/Services?")
    plain = api.get("/v2/Services", params={"PageSize": 2}).json()["meta"]
    own = str(api.base_url).rstrip("/")
    assert plain["next_page_url"].startswith(f"{own}/v2/Services?")


def test_official_sdk_follows_twilio_paging_urls_to_the_emulator(
    emulator: RunningEmulator,
) -> None:
    """Twilio's SDK lists five Verify services two a page: it follows the
    https://verify.twilio.com next-page URLs back to the emulator and sees all five, once."""
    client = sdk_client(emulator.base_url, emulator.account_sid, emulator.auth_token)
    made = {client.verify.v2.services.create(friendly_name=f"s{n}").sid for n in range(5)}
    listed = [service.sid for service in client.verify.v2.services.list(page_size=2)]
    assert sorted(listed) == sorted(made)
