"""`twiliokit mcp` over stdio, as Claude Desktop runs it: a subprocess configured only by
its environment, driven by the MCP SDK's client against the emulator."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mcp import Client
from typer.testing import CliRunner

from tests.acceptance.surfaces.conftest import (
    TO,
    TWILIOKIT,
    McpServer,
    emulator_environment,
    structured,
)
from tests.integration.actions.helpers import count_messages, emulator_now, iso
from twiliokit.cli import actions  # noqa: F401 - registers `twiliokit actions`
from twiliokit.cli.app import app
from twiliokit.emulator.testing import RunningEmulator

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_tools_match_the_catalogue_and_run_against_the_emulator(
    mcp_server: McpServer, emulator: RunningEmulator
) -> None:
    """The tools are exactly `actions schema --format mcp`; send_sms, list_messages with
    date filters, make_call and Verify all work through the subprocess."""
    exported = json.loads(CliRunner().invoke(app, ["actions", "schema", "--format", "mcp"]).stdout)
    async with Client(mcp_server()) as client:
        tools = (await client.list_tools()).tools
        listed = [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in tools]
        assert listed == exported

        # The subprocess's clock is the real one; the emulator's may run ahead of it, so
        # the lower bound is a real past moment and the upper bound the emulator's own time.
        yesterday = iso(datetime.now(UTC) - timedelta(days=1))
        early = structured(await client.call_tool("send_sms", {"to": TO, "body": "early"}))
        assert early["from"] == emulator.phone_number
        emulator.control.advance(10)
        middle = iso(emulator_now(emulator))
        emulator.control.advance(3600)
        await client.call_tool("send_sms", {"to": TO, "body": "late"})
        emulator.control.advance(10)
        everything = structured(await client.call_tool("list_messages", {"to": TO}))
        window = structured(
            await client.call_tool(
                "list_messages", {"sent_after": yesterday, "sent_before": middle}
            )
        )
        assert [m["body"] for m in everything["messages"]] == ["late", "early"]
        assert [m["body"] for m in window["messages"]] == ["early"]

        call = structured(await client.call_tool("make_call", {"to": TO, "say": "Hello"}))
        assert call["sid"].startswith("CA")
        calls = structured(await client.call_tool("list_calls", {"to": TO}))
        assert [c["sid"] for c in calls["calls"]] == [call["sid"]]

        service = structured(
            await client.call_tool("create_verify_service", {"friendly_name": "Acme"})
        )
        started = structured(
            await client.call_tool("start_verification", {"service_sid": service["sid"], "to": TO})
        )
        assert started["status"] == "pending"
    assert [v["to"] for v in emulator.control.verifications()] == [TO]


async def test_guardrails_from_the_config_file(
    mcp_server: McpServer, emulator: RunningEmulator
) -> None:
    """[guardrails] hides denied tools and refuses other countries and a second send in the
    hour, as error results the model can read."""
    config = """
[guardrails]
deny_tools = ["make_call"]
allowed_destinations = ["+1415"]
max_messages_per_hour = 1
"""
    async with Client(mcp_server(config=config)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        elsewhere = await client.call_tool("send_sms", {"to": "+33612345678", "body": "x"})
        first = await client.call_tool("send_sms", {"to": TO, "body": "one"})
        second = await client.call_tool("send_sms", {"to": TO, "body": "two"})
        denied = await client.call_tool("make_call", {"to": TO, "say": "hi"})
    assert "make_call" not in names
    assert "send_sms" in names
    assert elsewhere.is_error
    assert structured(elsewhere)["error"]["field"] == "to"
    assert first.is_error is False
    assert second.is_error
    assert structured(second)["error"]["retry_after"] > 0
    assert structured(denied)["error"]["type"] == "policy_refused"
    assert count_messages(emulator) == 1


async def test_read_only_flag_hides_and_refuses_writes(
    mcp_server: McpServer, emulator: RunningEmulator
) -> None:
    """--read-only lists only reading tools; a write called anyway is refused, unsent."""
    async with Client(mcp_server("--read-only")) as client:
        tools = (await client.list_tools()).tools
        refused = await client.call_tool("send_sms", {"to": TO, "body": "x"})
        numbers = await client.call_tool("list_phone_numbers", {})
    assert all(t.annotations and t.annotations.read_only_hint for t in tools)
    assert structured(refused)["error"]["type"] == "policy_refused"
    assert numbers.is_error is False
    assert count_messages(emulator) == 0


async def test_dry_run_flag_previews_and_sends_nothing(
    mcp_server: McpServer, emulator: RunningEmulator
) -> None:
    """--dry-run returns what would be sent (segments, cost class); the emulator gets nothing."""
    async with Client(mcp_server("--dry-run")) as client:
        preview = structured(await client.call_tool("send_sms", {"to": TO, "body": "x" * 161}))
    assert preview["dry_run"] is True
    assert (preview["segments"], preview["cost_class"]) == (2, "sms_per_segment")
    assert count_messages(emulator) == 0


def test_credentials_are_never_arguments(emulator: RunningEmulator, tmp_path: Path) -> None:
    """There is no option for a secret; without credentials it fails on stderr, with
    nothing on stdout (the protocol channel), before serving."""
    env = emulator_environment(emulator, tmp_path)
    rejected = subprocess.run(
        [TWILIOKIT, "mcp", "--auth-token", "x"], env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, check=False, timeout=60,
    )  # fmt: skip
    assert rejected.returncode == 2
    assert "--auth-token" in rejected.stderr
    del env["TWILIO_AUTH_TOKEN"], env["TWILIO_ACCOUNT_SID"]
    missing = subprocess.run(
        [TWILIOKIT, "mcp"], env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, check=False, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert missing.stderr.startswith("error:")


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        (
            "send_sms",
            {"to": TO, "body": "x", "media_urls": "https://example.com/a.jpg"},
            "'media_urls' must be an array or null, not a string",
        ),
        ("list_messages", {"limit": "2"}, "'limit' must be a whole number, not a string"),
    ],
    ids=["string-for-a-list", "string-for-a-number"],
)
async def test_json_types_are_held_as_over_http(
    mcp_server: McpServer,
    emulator: RunningEmulator,
    tool: str,
    arguments: dict[str, object],
    message: str,
) -> None:
    """A tool call whose argument has the wrong JSON type is refused as the HTTP API and
    `actions run` refuse it (not coerced), and nothing is sent."""
    async with Client(mcp_server()) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error is True
    error = structured(result)["error"]
    assert error["message"].startswith(message), error
    assert "tools/list" in error["hint"]
    assert count_messages(emulator) == 0


async def test_without_db_sends_are_recorded_in_the_default_ledger(
    mcp_server: McpServer, tmp_path: Path
) -> None:
    """`twiliokit mcp` with no --db opens the default SQLite ledger (created, as every command
    does), so a send is recorded and readable; with --no-ledger nothing is."""
    async with Client(mcp_server()) as client:
        sent = structured(await client.call_tool("send_sms", {"to": TO, "body": "kept"}))
        found = structured(await client.call_tool("search_ledger", {"contact": TO}))
    assert [m["sid"] for m in found["messages"]] == [sent["sid"]]
    assert (tmp_path / "data" / "twiliokit" / "ledger.sqlite3").exists()
    async with Client(mcp_server("--no-ledger")) as client:
        refused = await client.call_tool("search_ledger", {"contact": TO})
    assert refused.is_error is True
    assert structured(refused)["error"]["type"] == "configuration_error"
