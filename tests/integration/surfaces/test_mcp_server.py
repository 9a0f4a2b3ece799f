"""The MCP server in-process (the SDK's own client): tools are the catalogue, errors are tool
results, resources read the ledger or Twilio."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel

from tests.integration.actions.helpers import count_messages
from tests.integration.surfaces.conftest import TO, OpenGuarded
from twiliokit.actions import catalogue
from twiliokit.actions.registry import SAFE_NAME, ActionRegistry
from twiliokit.actions.schema import export, output_schema, property_names
from twiliokit.compliance import LedgerHooks
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import MemoryLedger
from twiliokit.server.guardrails import GuardedCatalogue, Guardrails
from twiliokit.server.mcp import create_mcp_server
from twiliokit.server.runtime import AgentRuntime

pytestmark = pytest.mark.anyio


def _client(runtime: AgentRuntime, **options: Any) -> Client:
    return Client(create_mcp_server(runtime.catalogue, lambda: runtime), **options)


def _text_json(result: Any) -> Any:
    return json.loads(result.content[0].text)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tools_are_the_catalogue_exported_for_mcp(guarded: OpenGuarded, mode: str) -> None:
    """Every action is a tool whose name, schemas and annotations are the catalogue's own
    MCP export, on the 2026 protocol and on the handshake-era one."""
    runtime = await guarded()
    async with _client(runtime, mode=mode) as client:
        tools = (await client.list_tools()).tools
    expected = {entry["name"]: entry for entry in export(catalogue(), "mcp")}
    assert sorted(tool.name for tool in tools) == sorted(expected)
    for tool in tools:
        entry = expected[tool.name]
        assert tool.title == entry["title"]
        assert tool.description == entry["description"]
        assert tool.input_schema == entry["inputSchema"]
        assert tool.output_schema == entry["outputSchema"]
        assert tool.annotations is not None
        assert (
            tool.annotations.model_dump(by_alias=True, exclude_none=True) == (entry["annotations"])
        )
        assert SAFE_NAME.match(tool.name)
        assert all(SAFE_NAME.match(name) for name in property_names(tool.input_schema))


async def test_annotations_follow_the_action_metadata(guarded: OpenGuarded) -> None:
    """Reads are read-only hints, deletes destructive, sends neither idempotent nor read-only."""
    runtime = await guarded()
    async with _client(runtime) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    reads, delete, send = (
        tools["list_messages"].annotations,
        tools["delete_message"].annotations,
        tools["send_sms"].annotations,
    )
    assert reads is not None
    assert reads.read_only_hint is True
    assert delete is not None
    assert delete.destructive_hint is True
    assert send is not None
    assert (send.read_only_hint, send.idempotent_hint) == (False, False)
    assert send.open_world_hint is True
    enum = tools["start_verification"].input_schema["properties"]["channel"]["enum"]
    assert enum == ["sms", "call", "whatsapp", "email"]  # enums are kept


async def test_a_call_returns_the_output_as_structured_content_and_text(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """send_sms over MCP sends through the emulator; text and structured content agree."""
    runtime = await guarded()
    async with _client(runtime) as client:
        result = await client.call_tool("send_sms", {"to": TO, "body": "Hello from MCP"})
    assert result.is_error is False
    assert result.structured_content["to"] == TO
    assert result.structured_content["segments"] == 1
    assert _text_json(result) == result.structured_content
    assert count_messages(emulator) == 1


async def test_errors_are_tool_results_with_the_json_error_object(guarded: OpenGuarded) -> None:
    """Bad input, unknown tools and refusals come back as isError results, never MCP errors."""
    runtime = await guarded(Guardrails(deny_tools=frozenset({"make_call"})))
    async with _client(runtime) as client:
        bad = await client.call_tool("send_sms", {"to": "not a number", "body": "x"})
        unknown = await client.call_tool("send_smss", {})
        denied = await client.call_tool("make_call", {"to": TO, "say": "hi"})
        not_object = await client.call_tool("send_sms", None)
    assert bad.is_error is True
    assert bad.structured_content["error"]["field"] == "to"
    assert bad.structured_content["error"]["type"] == "validation_error"
    assert _text_json(bad) == bad.structured_content
    assert unknown.structured_content["error"]["type"] == "validation_error"
    assert "send_sms" in unknown.structured_content["error"]["hint"]
    assert denied.structured_content["error"]["type"] == "policy_refused"
    assert not_object.structured_content["error"]["field"] in {"to", "body"}
    assert set(bad.structured_content["error"]) >= {
        "type",
        "message",
        "code",
        "status",
        "retryable",
        "hint",
        "field",
    }


class _Nothing(BaseModel):
    pass


async def _broken(context: Any, arguments: _Nothing) -> _Nothing:
    raise RuntimeError("secret internals")


async def test_a_bug_in_an_action_is_an_error_result_not_a_crash(guarded: OpenGuarded) -> None:
    """An unexpected exception becomes an internal_error result without its internals."""
    registry = ActionRegistry()
    registry.action("broken", title="Broken", input_model=_Nothing, output_model=_Nothing)(_broken)
    runtime = await guarded(catalogue=GuardedCatalogue(Guardrails(), registry))
    async with _client(runtime) as client:
        result = await client.call_tool("broken", {})
        again = await client.list_tools()  # the session is still fine
    assert result.is_error is True
    assert result.structured_content["error"]["type"] == "internal_error"
    assert "secret internals" not in result.content[0].text
    assert [tool.name for tool in again.tools] == ["broken"]


async def test_read_only_server_lists_only_reads(guarded: OpenGuarded) -> None:
    """Read-only mode hides every write from the list and refuses it when called anyway."""
    runtime = await guarded(Guardrails(read_only=True))
    async with _client(runtime) as client:
        tools = (await client.list_tools()).tools
        refused = await client.call_tool("send_sms", {"to": TO, "body": "hi"})
    assert tools
    assert all(tool.annotations and tool.annotations.read_only_hint for tool in tools)
    assert refused.structured_content["error"]["type"] == "policy_refused"


async def test_dry_run_tools_output_the_preview(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """In dry-run mode a write's output schema is the preview, which the client validates."""
    runtime = await guarded(Guardrails(dry_run=True))
    async with _client(runtime) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        result = await client.call_tool("send_sms", {"to": TO, "body": "hi"})
    send = tools["send_sms"]
    assert send.description is not None
    assert send.description.startswith("DRY-RUN MODE")
    assert send.output_schema is not None
    assert "dry_run" in send.output_schema["properties"]
    reads = catalogue().resolve("list_messages")
    assert reads is not None
    assert tools["list_messages"].output_schema == output_schema(reads)  # reads run as usual
    assert result.is_error is False
    assert result.structured_content["dry_run"] is True
    assert count_messages(emulator) == 0


# --------------------------------------------------------------------------- resources


async def test_resources_list_numbers_and_templates(guarded: OpenGuarded) -> None:
    """Owned numbers are a resource; conversations and status histories are templates."""
    runtime = await guarded()
    async with _client(runtime) as client:
        resources = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
        numbers = await client.read_resource("twiliokit://phone-numbers")
    assert [str(r.uri) for r in resources] == ["twiliokit://phone-numbers"]
    assert {t.uri_template for t in templates} == {
        "twiliokit://conversations/{contact}",
        "twiliokit://messages/{sid}/status",
    }
    owned = json.loads(numbers.contents[0].text)  # type: ignore[union-attr]
    assert "+15005550006" in {n["phone_number"] for n in owned["phone_numbers"]}


async def test_conversation_and_status_come_from_the_ledger(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """A send recorded by the ledger hooks shows in the conversation and its status history,
    and the contact is listed as a resource."""
    ledger = MemoryLedger()
    runtime = await guarded(ledger=ledger, hooks=LedgerHooks(ledger))
    async with _client(runtime) as client:
        sent = (await client.call_tool("send_sms", {"to": TO, "body": "hi"})).structured_content
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        conversation = await client.read_resource(f"twiliokit://conversations/{TO}")
        status = await client.read_resource(f"twiliokit://messages/{sent['sid']}/status")
    assert f"twiliokit://conversations/{TO}" in listed
    talk = json.loads(conversation.contents[0].text)  # type: ignore[union-attr]
    assert [m["body"] for m in talk["messages"]] == ["hi"]
    assert talk["messages"][0]["history"][0]["status"] == "queued"
    timeline = json.loads(status.contents[0].text)  # type: ignore[union-attr]
    assert (timeline["recorded"], timeline["status"]) == (True, "queued")


async def test_without_a_ledger_the_conversation_comes_from_twilio(
    guarded: OpenGuarded,
) -> None:
    """No ledger: both directions are read from Twilio, in get_conversation's form, each
    history being the current status as a poll saw it."""
    runtime = await guarded()
    async with _client(runtime) as client:
        await client.call_tool("send_sms", {"to": TO, "body": "first"})
        await client.call_tool("send_sms", {"to": TO, "body": "second"})
        conversation = await client.read_resource(f"twiliokit://conversations/{TO}")
    talk = json.loads(conversation.contents[0].text)  # type: ignore[union-attr]
    assert sorted(m["body"] for m in talk["messages"]) == ["first", "second"]
    assert {m["history"][0]["source"] for m in talk["messages"]} == {"poll"}
    assert all(m["channel"] == "sms" for m in talk["messages"])


async def test_a_bad_resource_is_an_mcp_error_naming_the_problem(guarded: OpenGuarded) -> None:
    """Unknown URIs and bad contacts are invalid-params errors carrying the error object."""
    runtime = await guarded()
    async with _client(runtime) as client:
        with pytest.raises(MCPError) as unknown:
            await client.read_resource("twiliokit://nothing")
        with pytest.raises(MCPError) as contact:
            await client.read_resource("twiliokit://conversations/not-a-number!")
    assert unknown.value.code == -32602
    assert contact.value.data["field"] == "contact"
