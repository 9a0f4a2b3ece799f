"""send_bulk and the batch actions from the agent surfaces: the HTTP API over a real socket and
`twiliokit mcp` over stdio, each with a SQLite ledger, against the emulator. The actions come
through the catalogue, so each surface records, counts and cancels the same batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from mcp import Client

from tests.acceptance.surfaces.conftest import McpServer, structured

# `serve` is the socket tests' fixture: the service on a free loopback port.
from tests.acceptance.surfaces.test_http_api_socket import AUTH, serve  # noqa: F401
from tests.integration.actions.helpers import count_messages
from twiliokit.emulator.testing import RunningEmulator

ADA, BOB = "+14155550101", "+14155550102"
RECIPIENTS = [
    {"to": ADA, "variables": {"first_name": "Ada"}},
    {"to": BOB, "variables": {"first_name": "Bob"}},
]


def _later() -> str:
    """A send_at two days ahead: the batch waits in the outbox (no worker runs here)."""
    return (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_http_api_records_counts_and_cancels_a_batch(
    serve: Callable[..., str],  # noqa: F811 (the fixture imported above)
    emulator: RunningEmulator,
) -> None:
    """POST send_bulk queues the batch; get_batch counts it; cancel_batch stops it; a bad row
    is a 400 naming it."""
    url = serve()  # its ledger is memory://, an outbox store like the SQL ones
    actions = f"{url}/v1/actions"
    arguments = {"recipients": RECIPIENTS, "body": "Hi {first_name}", "send_at": _later()}
    accepted = httpx.post(f"{actions}/send_bulk", json=arguments, headers=AUTH, timeout=60)
    assert accepted.status_code == 200, accepted.text
    batch_id = accepted.json()["batch_id"]
    progress = httpx.post(f"{actions}/get_batch", json={"batch_id": batch_id}, headers=AUTH)
    assert progress.json()["counts"]["queued"] == 2
    canceled = httpx.post(f"{actions}/cancel_batch", json={"batch_id": batch_id}, headers=AUTH)
    assert (canceled.json()["canceled"], canceled.json()["done"]) == (2, True)
    bad = {"recipients": [{"to": ADA}], "body": "Hi {first_name}"}
    refused = httpx.post(f"{actions}/send_bulk", json=bad, headers=AUTH)
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "recipients[0].variables.first_name"
    assert count_messages(emulator) == 0


@pytest.mark.anyio
@pytest.mark.slow
async def test_mcp_tools_record_and_report_a_batch(
    mcp_server: McpServer, emulator: RunningEmulator, tmp_path: Path
) -> None:
    """Over stdio, send_bulk queues the batch in the ledger the environment names; get_batch
    and list_outbox report it; cancel_send cancels one item."""
    parameters = mcp_server()
    assert parameters.env is not None
    parameters.env["TWILIOKIT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    async with Client(parameters) as client:
        arguments = {"recipients": RECIPIENTS, "body": "Hi {first_name}", "send_at": _later()}
        accepted = structured(await client.call_tool("send_bulk", arguments))
        assert (accepted["accepted"], accepted["refused"]) == (2, 0)
        batch_id = accepted["batch_id"]
        progress = structured(await client.call_tool("get_batch", {"batch_id": batch_id}))
        assert progress["counts"]["queued"] == 2
        listed = structured(await client.call_tool("list_outbox", {"batch_id": batch_id}))
        assert sorted(item["request"]["body"] for item in listed["items"]) == ["Hi Ada", "Hi Bob"]
        first = listed["items"][0]["outbox_id"]
        canceled = structured(await client.call_tool("cancel_send", {"outbox_id": first}))
        assert (canceled["canceled"], canceled["state"]) == (True, "canceled")
    assert count_messages(emulator) == 0


@pytest.mark.parametrize(
    ("action", "arguments", "field"),
    [
        ("get_send", {"outbox_id": "OB" + "0" * 32}, "outbox_id"),
        ("cancel_send", {"outbox_id": "OB" + "0" * 32}, "outbox_id"),
        ("get_batch", {"batch_id": "BT" + "0" * 32}, "batch_id"),
    ],
)
def test_an_id_the_ledger_does_not_hold_is_a_404(
    serve: Callable[..., str],  # noqa: F811 (the fixture imported above)
    action: str,
    arguments: dict[str, str],
    field: str,
) -> None:
    """A well-formed outbox or batch id the ledger has no record of is a 404 not_found naming
    the argument, as an unknown message is (not a 400: the input was fine)."""
    url = serve()
    response = httpx.post(f"{url}/v1/actions/{action}", json=arguments, headers=AUTH)
    assert response.status_code == 404, response.text
    error = response.json()["error"]
    assert (error["type"], error["field"], error["status"]) == ("not_found", field, None)
    assert "in this ledger" in error["message"]
