"""`twiliokit mcp` over stdio with the ledger TWILIOKIT_DATABASE_URL names and the config file
TWILIOKIT_CONFIG names, driven by the MCP SDK's stdio client as an MCP host runs it."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import ClientSession
from mcp.types import CallToolResult

from tests.acceptance.subprocess.conftest import User, emulator_messages, tool_answer
from tests.helpers.ledger import record_stop

pytestmark = [pytest.mark.slow, pytest.mark.anyio, pytest.mark.timeout(300)]

CUSTOMER = "+14155552671"
LEAVER = "+14155552672"


async def _call(session: ClientSession, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    result = await session.call_tool(tool, arguments)
    assert isinstance(result, CallToolResult)
    return result


@pytest.fixture
def leaver_stopped(user: User) -> None:
    """LEAVER replied STOP to our number, as the webhook receiver records it."""
    record_stop(user.ledger_url, contact=LEAVER, sender=user.emulator.phone_number)


@pytest.mark.usefixtures("leaver_stopped")
async def test_mcp_over_stdio_reads_and_writes_the_ledger(user: User) -> None:
    """Ledger tools read the environment's ledger; send_sms is refused for a STOP and recorded."""
    async with user.mcp_session() as session:
        opt_outs = tool_answer(await _call(session, "list_opt_outs", {}))["opt_outs"]
        refused = await _call(session, "send_sms", {"to": LEAVER, "body": "hi"})
        sent = tool_answer(await _call(session, "send_sms", {"to": CUSTOMER, "body": "hi"}))
        found = await _call(session, "search_ledger", {"contact": CUSTOMER})
    assert [o["recipient"] for o in opt_outs] == [LEAVER]
    assert refused.is_error
    assert tool_answer(refused)["error"]["type"] == "opted_out"
    assert [m["sid"] for m in tool_answer(found)["messages"]] == [sent["sid"]]
    assert [m["to"] for m in emulator_messages(user.emulator)] == [CUSTOMER]
