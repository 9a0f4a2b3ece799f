"""Content API v1 in the emulator: templates, WhatsApp approval, the store Messaging uses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers.oai import assert_conforms
from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.products.content import ContentStore
from twiliokit.emulator.testing import RunningEmulator

TEXT_TEMPLATE: dict[str, Any] = {
    "friendly_name": "order_update",
    "language": "en",
    "variables": {"1": "customer", "2": "order"},
    "types": {"twilio/text": {"body": "Hi {{1}}, order {{2}} has shipped."}},
}


def create(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/v1/Content", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = assert_conforms(response)
    return created


def test_create_returns_the_template_with_links(api: httpx.Client) -> None:
    """A created template echoes its fields with an HX SID, ISO dates, url and approval links."""
    created = create(api, TEXT_TEMPLATE)
    assert created["sid"].startswith("HX")
    assert created["types"] == TEXT_TEMPLATE["types"]
    assert created["variables"] == {"1": "customer", "2": "order"}
    assert created["date_created"].endswith("Z")
    assert created["url"].endswith(f"/v1/Content/{created['sid']}")
    assert created["links"]["approval_fetch"] == created["url"] + "/ApprovalRequests"
    assert created["links"]["approval_create"] == created["url"] + "/ApprovalRequests/whatsapp"


def test_null_fields_from_sdks_are_dropped(api: httpx.Client) -> None:
    """Types sent as null (what Twilio's SDK does for unset ones) are not stored."""
    body = {**TEXT_TEMPLATE, "types": {**TEXT_TEMPLATE["types"], "twilio/media": None}}
    assert set(create(api, body)["types"]) == {"twilio/text"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"language": "en"}, 92001),
        ({"language": "en", "types": {}}, 92001),
        ({"types": TEXT_TEMPLATE["types"]}, 92003),
        ({"language": "english please", "types": TEXT_TEMPLATE["types"]}, 92004),
        ({"language": "en", "types": {"twilio/text": {}}}, 20001),
        ({"language": "en", "types": {"twilio/unknown": {"body": "x"}}}, 20001),
    ],
)
def test_create_rejects_bad_templates(api: httpx.Client, body: dict[str, Any], code: int) -> None:
    """Missing types or language and malformed types get Twilio's 400 with the code."""
    response = api.post("/v1/Content", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_list_is_newest_first_and_pages(api: httpx.Client) -> None:
    """List pages newest first inside the v1 meta envelope."""
    sids = [create(api, {**TEXT_TEMPLATE, "friendly_name": f"t{i}"})["sid"] for i in range(3)]
    first = api.get("/v1/Content", params={"PageSize": 2})
    page = assert_conforms(first)
    assert [c["sid"] for c in page["contents"]] == [sids[2], sids[1]]
    assert page["meta"]["key"] == "contents"
    second = assert_conforms(api.get(page["meta"]["next_page_url"]))
    assert [c["sid"] for c in second["contents"]] == [sids[0]]
    assert second["meta"]["next_page_url"] is None


def test_fetch_and_delete(api: httpx.Client) -> None:
    """Fetch returns the template; delete answers 204 and a later fetch 404 / 20404."""
    sid = create(api, TEXT_TEMPLATE)["sid"]
    assert assert_conforms(api.get(f"/v1/Content/{sid}"))["sid"] == sid
    assert api.delete(f"/v1/Content/{sid}").status_code == 204
    gone = api.get(f"/v1/Content/{sid}")
    assert (gone.status_code, gone.json()["code"]) == (404, 20404)


def test_approval_goes_received_pending_approved(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """A submitted template is received, pending a second later, approved after 5 minutes."""
    sid = create(api, TEXT_TEMPLATE)["sid"]
    before = assert_conforms(api.get(f"/v1/Content/{sid}/ApprovalRequests"))
    assert before["whatsapp"]["status"] == "unsubmitted"
    submitted = api.post(
        f"/v1/Content/{sid}/ApprovalRequests/whatsapp",
        json={"name": "order_update", "category": "UTILITY"},
    )
    assert submitted.status_code == 201
    assert assert_conforms(submitted)["status"] == "received"
    emulator.control.advance(1)
    fetched = assert_conforms(api.get(f"/v1/Content/{sid}/ApprovalRequests"))
    assert fetched["whatsapp"]["status"] == "pending"
    assert fetched["whatsapp"]["content_type"] == "twilio/text"
    assert not emulator.state.store(ContentStore).whatsapp_approved(sid)
    emulator.control.advance(300)
    both = assert_conforms(api.get("/v1/ContentAndApprovals"))
    assert both["contents"][0]["approval_requests"]["status"] == "approved"
    assert emulator.state.store(ContentStore).whatsapp_approved(sid)


def test_approval_request_needs_name_and_category(api: httpx.Client) -> None:
    """An approval request without a valid name or category is refused with 400."""
    sid = create(api, TEXT_TEMPLATE)["sid"]
    for body in (
        {"category": "UTILITY"},
        {"name": "Bad Name", "category": "UTILITY"},
        {"name": "ok_name", "category": "GOSSIP"},
    ):
        response = api.post(f"/v1/Content/{sid}/ApprovalRequests/whatsapp", json=body)
        assert response.status_code == 400, body


def test_control_seed_and_decision(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Seeded templates take the given approval state; the control API can reject one."""
    seeded = emulator.control.request(
        "POST",
        "/_emulator/content",
        {"friendly_name": "Welcome", "body": "Hi {{1}}", "whatsapp_status": "approved"},
    )
    sid = seeded["sid"]
    assert seeded["whatsapp"]["status"] == "approved"
    listed = assert_conforms(api.get("/v1/ContentAndApprovals"))
    assert listed["contents"][0]["approval_requests"]["status"] == "approved"
    emulator.control.request(
        "POST",
        f"/_emulator/content/{sid}/approval",
        {"status": "rejected", "rejection_reason": "INVALID_FORMAT"},
    )
    fetched = api.get(f"/v1/Content/{sid}/ApprovalRequests").json()["whatsapp"]
    assert (fetched["status"], fetched["rejection_reason"]) == ("rejected", "INVALID_FORMAT")


def test_control_seed_rejects_bad_status(emulator: RunningEmulator) -> None:
    """The control API names the field it cannot accept."""
    response = httpx.post(
        emulator.base_url + "/_emulator/content",
        json={"friendly_name": "x", "body": "y", "whatsapp_status": "maybe"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "whatsapp_status"


def test_render_fills_variables_with_defaults(api: httpx.Client, emulator: RunningEmulator) -> None:
    """render() substitutes the given variables and falls back to the template's defaults."""
    sid = create(api, TEXT_TEMPLATE)["sid"]
    store = emulator.state.store(ContentStore)
    assert store.render(sid, {"1": "Ada", "2": "#42"}) == "Hi Ada, order #42 has shipped."
    assert store.render(sid, {"1": "Ada"}) == "Hi Ada, order order has shipped."
    assert store.get(sid) is not None
    assert store.get("HX" + "0" * 32) is None


def test_test_credentials_are_forbidden(emulator: RunningEmulator) -> None:
    """Content does not accept test credentials: 403 / 20008."""
    response = httpx.get(
        emulator.base_url + "/v1/Content", auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
    )
    assert (response.status_code, response.json()["code"]) == (403, 20008)
