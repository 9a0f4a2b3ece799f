"""`twiliokit mcp` over stdio, issue 16: first answers before the SDK loads (and equal to
its own), the runtime opened in the background, --only/--group, progress notifications
from wait_for_delivery, and idempotent replays marked; a subprocess against the emulator."""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.acceptance.surfaces.conftest import (
    TO,
    TWILIOKIT,
    McpServer,
    emulator_environment,
    structured,
)
from tests.integration.actions.helpers import count_messages
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.mcp import REPLAYED_META

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _request(ident: int, method: str, params: dict[str, Any] | None = None) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message).encode() + b"\n"


_INITIALIZE = _request(
    1,
    "initialize",
    {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test"}},
)
_INITIALIZED = b'{"jsonrpc": "2.0", "method": "notifications/initialized"}\n'


def _exchange(env: dict[str, str], *args: str, lines: bytes) -> list[dict[str, Any]]:
    """Run `twiliokit mcp ARGS`, write ``lines`` and read until every request in them is
    answered, then close its input as a client leaving would; the messages it wrote.

    Input stays open until then, as with a real client: a server whose client has gone may
    drop a call still running, and closing at once made the last answer a race.
    """
    expected = sum(1 for line in lines.splitlines() if b'"id"' in line)
    with (
        tempfile.TemporaryFile() as stderr,
        subprocess.Popen(
            [TWILIOKIT, "mcp", *args], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
        ) as process,
    ):  # fmt: skip
        assert process.stdin is not None
        assert process.stdout is not None
        watchdog = threading.Timer(120, process.kill)  # a hung server fails the test, not CI
        watchdog.start()
        try:
            process.stdin.write(lines)
            process.stdin.flush()
            answers: list[dict[str, Any]] = []
            while sum(1 for answer in answers if "id" in answer) < expected:
                line = process.stdout.readline()
                if not line:
                    break
                answers.append(json.loads(line))
            process.stdin.close()
            process.wait()
        finally:
            watchdog.cancel()
        stderr.seek(0)
        assert process.returncode == 0, stderr.read().decode()
    return answers


def test_first_answers_equal_the_sdks_and_nothing_is_answered_twice(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """tools/list answered before the SDK loads equals the SDK's answer to the same request
    after it took over; every request gets exactly one answer, initialize included."""
    env = emulator_environment(emulator, tmp_path)
    lines = _INITIALIZE + _INITIALIZED + _request(2, "tools/list") + _request(3, "tools/list")
    answers = _exchange(env, lines=lines)
    assert [answer["id"] for answer in answers] == [1, 2, 3]
    assert answers[0]["result"]["serverInfo"]["name"] == "twiliokit"
    assert answers[1]["result"] == answers[2]["result"]
    assert len(answers[1]["result"]["tools"]) > 20


def test_ledger_that_cannot_open_is_a_tool_error_not_a_silent_server(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """With a ledger that cannot be opened the server still initialises and lists its tools;
    a tool call then answers an error result saying the ledger could not open."""
    env = emulator_environment(emulator, tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    call = _request(3, "tools/call", {"name": "list_phone_numbers", "arguments": {}})
    answers = _exchange(
        env,
        "--db",
        f"sqlite:///{blocker}/ledger.db",
        lines=_INITIALIZE + _INITIALIZED + _request(2, "tools/list") + call,
    )
    assert [answer["id"] for answer in answers] == [1, 2, 3]
    result = answers[2]["result"]
    assert result["isError"] is True
    error = result["structuredContent"]["error"]
    assert error["type"] == "configuration_error"
    assert "could not open its Twilio client and ledger" in error["message"]


def test_config_errors_still_exit_before_serving(emulator: RunningEmulator, tmp_path: Path) -> None:
    """An unknown --group fails at once on stderr, with the groups there are, and nothing
    on stdout (the protocol channel)."""
    env = emulator_environment(emulator, tmp_path)
    done = subprocess.run(
        [TWILIOKIT, "mcp", "--group", "mesaging"], input=_INITIALIZE, env=env,
        capture_output=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == b""
    assert b"no action group called 'mesaging'" in done.stderr
    assert b"messaging" in done.stderr.split(b"Hint:")[1]


async def test_only_and_group_offer_a_subset(mcp_server: McpServer) -> None:
    """--group messaging lists only messaging tools, --only one tool; a tool left out is
    refused when called anyway."""
    async with Client(mcp_server("--group", "messaging")) as client:
        grouped = {tool.name for tool in (await client.list_tools()).tools}
    async with Client(mcp_server("--only", "send_sms")) as client:
        only = [tool.name for tool in (await client.list_tools()).tools]
        refused = await client.call_tool("list_calls", {})
    assert "send_sms" in grouped
    assert "list_messages" in grouped
    assert "make_call" not in grouped
    assert only == ["send_sms"]
    assert structured(refused)["error"]["type"] == "policy_refused"


async def test_wait_for_delivery_reports_progress_then_the_result(
    mcp_server: McpServer, emulator: RunningEmulator, tmp_path: Path
) -> None:
    """wait_for_delivery sends progress notifications (seconds waited, statuses seen) while
    it waits; the message is delivered meanwhile and the result says so."""
    reports: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        reports.append((progress, total, message))
        if len(reports) == 1:  # let the emulator deliver it (its clock is frozen)
            await anyio.to_thread.run_sync(emulator.control.advance, 60)

    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    async with Client(mcp_server("--db", db)) as client:
        sent = structured(await client.call_tool("send_sms", {"to": TO, "body": "hi"}))
        result = structured(
            await client.call_tool(
                "wait_for_delivery",
                {"sid": sent["sid"], "timeout_seconds": 30},
                progress_callback=on_progress,
            )
        )
    assert result["status"] == "delivered"
    assert result["final"] is True
    assert reports, "no progress notification arrived"
    progress, total, message = reports[0]
    assert total == 30
    assert 0 <= progress <= 30
    assert message is not None
    assert sent["sid"] in message
    assert "statuses seen: queued" in message


async def test_idempotent_replay_is_marked_in_the_result(
    mcp_server: McpServer, emulator: RunningEmulator
) -> None:
    """A send retried with its idempotency key answers the first output with
    idempotent_replayed (structured content and _meta), sends nothing, and the next call
    is not marked."""
    arguments = {"to": TO, "body": "once", "idempotency_key": "task-7"}
    async with Client(mcp_server()) as client:
        first = await client.call_tool("send_sms", arguments)
        again = await client.call_tool("send_sms", arguments)
        other = await client.call_tool("send_sms", {"to": TO, "body": "another"})
    replayed = structured(again)
    assert replayed.pop("idempotent_replayed") is True
    assert replayed == structured(first)
    assert again.meta is not None
    assert again.meta[REPLAYED_META] is True
    assert REPLAYED_META not in (first.meta or {})
    assert "idempotent_replayed" not in structured(first)
    assert "idempotent_replayed" not in structured(other)
    assert count_messages(emulator) == 2


def test_a_request_the_server_cannot_read_is_answered_not_dropped(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """A request that is not valid JSON, or holds a string that is not text (an unpaired
    surrogate, as a model can write), gets an error answer with its id, so the client does
    not wait for good; the next request is answered as usual and nothing was sent."""
    env = emulator_environment(emulator, tmp_path)
    broken = b'{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {bad json\n'
    surrogate = _request(
        3, "tools/call", {"name": "send_sms", "arguments": {"to": "+14155552671", "body": "x"}}
    ).replace(b'"x"', b'"\\ud800"')
    answers = _exchange(
        env,
        "--no-ledger",
        lines=_INITIALIZE + _INITIALIZED + broken + surrogate + _request(4, "tools/list"),
    )
    by_id = {answer["id"]: answer for answer in answers}
    assert by_id[2]["error"] == {"code": -32700, "message": "the message is not valid JSON"}
    assert by_id[3]["error"]["code"] == -32600
    assert "unpaired surrogate" in by_id[3]["error"]["message"]
    assert len(by_id[4]["result"]["tools"]) > 20
    assert count_messages(emulator) == 0
