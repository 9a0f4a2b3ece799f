"""One pipeline for every send, seen from the surfaces beside the CLI: the HTTP API of
`twiliokit serve` (a real socket), MCP over stdio (the MCP SDK's client) and Python's
``invoke``. With the same config file and ledger each refuses an opted-out recipient, applies
``allowed_countries`` and the daily cap, and records the send that goes in the outbox (state
sent, with its SID). The CLI's own cases are in test_sends.py, one rule per test."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest

from tests.acceptance.subprocess.conftest import User, emulator_messages, tool_answer
from tests.acceptance.subprocess.test_serve import API_TOKEN, serving
from tests.helpers.ledger import record_stop
from twiliokit.actions import ActionContext, invoke
from twiliokit.client import AsyncClient
from twiliokit.compliance import ComplianceSettings, LedgerHooks
from twiliokit.errors import TwiliokitError
from twiliokit.ledger import open_ledger
from twiliokit.ledger.outbox_records import OutboxItem, OutboxQuery, OutboxState

# Cold starts of the command: generous on a loaded two-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.anyio, pytest.mark.timeout(300)]

CUSTOMER = "+14155552671"
LEAVER = "+14155552672"
CANADA = "+16135550123"
CONFIG = '[compliance]\nallowed_countries = ["US"]\ndaily_cap = 1\n'

#: A send's answer: ``(output, None)`` when it went, ``(None, error type)`` when refused.
Answer = tuple[dict[str, Any] | None, str | None]
#: Runs the four sends of the scenario on one surface, in order.
Surface = Callable[[User, list[tuple[str, str]]], Awaitable[list[Answer]]]


async def by_http(user: User, sends: list[tuple[str, str]]) -> list[Answer]:
    """POST /v1/actions/send_sms on `twiliokit serve --port 0`."""
    answers: list[Answer] = []
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    with serving(user) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            for to, body in sends:
                arguments = {"to": to, "body": body}
                answer = await http.post("/v1/actions/send_sms", json=arguments, headers=auth)
                data = answer.json()
                refused = None if answer.is_success else data["error"]["type"]
                answers.append((None if refused else data, refused))
    return answers


async def by_mcp(user: User, sends: list[tuple[str, str]]) -> list[Answer]:
    """The send_sms tool of `twiliokit mcp`, called by the MCP SDK's stdio client."""
    answers: list[Answer] = []
    async with user.mcp_session() as session:
        for to, body in sends:
            result = await session.call_tool("send_sms", {"to": to, "body": body})
            data = tool_answer(result)
            answers.append((None, data["error"]["type"]) if result.is_error else (data, None))
    return answers


async def by_python(user: User, sends: list[tuple[str, str]]) -> list[Answer]:
    """``invoke`` with a context as docs/compliance.md builds it: the ledger and LedgerHooks."""
    answers: list[Answer] = []
    settings = ComplianceSettings(allowed_countries=frozenset({"US"}), daily_cap=1)
    connection = user.emulator.connection()
    async with (
        await open_ledger(user.ledger_url) as ledger,
        AsyncClient(connection) as client,
    ):
        hooks = LedgerHooks(ledger, settings)
        context = ActionContext(client=client, connection=connection, ledger=ledger, hooks=hooks)
        for to, body in sends:
            try:
                arguments = {"to": to, "body": body}
                answers.append((await invoke("send_sms", arguments, context=context), None))
            except TwiliokitError as refused:
                answers.append((None, refused.error_type))
    return answers


async def _outbox(user: User) -> list[OutboxItem]:
    """Every outbox item of the user's ledger, newest first."""
    async with await open_ledger(user.ledger_url) as ledger:
        return await ledger.list_items(OutboxQuery())


@pytest.mark.parametrize("surface", [by_http, by_mcp, by_python])
async def test_every_surface_checks_and_records_the_same(user: User, surface: Surface) -> None:
    """Sent once and recorded (outbox item sent, with the SID); the same recipient again is
    over the daily cap; a STOP and a country not allowed are refused; refusals leave nothing."""
    user.config(CONFIG)
    # The helper runs its own event loop: in a thread, off this test's loop.
    await anyio.to_thread.run_sync(
        lambda: record_stop(user.ledger_url, contact=LEAVER, sender=user.emulator.phone_number)
    )
    sends = [(CUSTOMER, "hi"), (CUSTOMER, "again"), (LEAVER, "hi"), (CANADA, "bonjour")]
    sent, capped, stopped, abroad = await surface(user, sends)
    assert (capped[1], stopped[1], abroad[1]) == ("policy_refused", "opted_out", "policy_refused")
    output = sent[0]
    assert output is not None, sent
    [item] = await _outbox(user)
    assert (item.id, item.state, item.sid) == (output["outbox_id"], OutboxState.SENT, output["sid"])
    assert [m["sid"] for m in emulator_messages(user.emulator)] == [output["sid"]]
