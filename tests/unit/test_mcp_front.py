"""The MCP front (twiliokit.server.mcp_front): what it answers before the SDK is loaded, what it
leaves to the SDK, and that its answers are the SDK's own."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from mcp import Client
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from twiliokit.server.guardrails import GuardedCatalogue, Guardrails
from twiliokit.server.mcp import create_mcp_server
from twiliokit.server.mcp_front import (
    HANDSHAKE_VERSIONS,
    Handshake,
    ServerFacts,
    answer_first_requests,
    initialize_result,
)
from twiliokit.server.runtime import AgentRuntime

TOOLS = [{"name": "send_sms", "inputSchema": {"type": "object"}}]
FACTS = ServerFacts(name="twiliokit", version="1.2.3", title="twiliokit", instructions="Hi.")


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps({"jsonrpc": "2.0", **message}).encode() + b"\n"


def _initialize(version: str = "2025-06-18", ident: int = 1) -> bytes:
    params = {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t"}}
    return _line({"id": ident, "method": "initialize", "params": params})


INITIALIZED = _line({"method": "notifications/initialized"})


def _handshake() -> Handshake:
    return Handshake(FACTS, lambda: TOOLS)


def test_handshake_versions_are_the_sdks() -> None:
    """The versions the front accepts are exactly those the SDK negotiates by handshake."""
    assert tuple(HANDSHAKE_PROTOCOL_VERSIONS) == HANDSHAKE_VERSIONS


def test_initialize_then_tools_list_are_answered_and_the_sdk_takes_over() -> None:
    """initialize and the first tools/list are answered here; the SDK then gets initialize
    and the initialized notification to replay, and drops its answer to id 1."""
    stdin = io.BytesIO(
        _initialize() + INITIALIZED + _line({"id": 2, "method": "tools/list"}) + b"rest\n"
    )
    stdout = io.BytesIO()
    handshake = _handshake()
    assert answer_first_requests(stdin, stdout, handshake) is True
    answers = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [answer["id"] for answer in answers] == [1, 2]
    assert answers[0]["result"]["protocolVersion"] == "2025-06-18"
    assert answers[0]["result"]["serverInfo"]["version"] == "1.2.3"
    assert answers[1]["result"] == {"tools": TOOLS}
    assert handshake.replay == [_initialize(), INITIALIZED]
    assert handshake.initialize_id == 1
    assert stdin.readline() == b"rest\n"  # left for the SDK, unread


@pytest.mark.parametrize(
    "first",
    [
        _line({"id": 1, "method": "server/discover"}),
        _line({"id": 1, "method": "tools/list"}),
        _initialize("2026-07-28"),
        _initialize("1999-01-01"),
        b"not json\n",
        b"[" + _initialize().rstrip() + b"]\n",
    ],
    ids=["modern discover", "before initialize", "modern", "unknown version", "junk", "batch"],
)
def test_anything_else_goes_to_the_sdk_as_it_came(first: bytes) -> None:
    """A request the front does not own is not answered: the SDK reads it first."""
    stdout = io.BytesIO()
    handshake = _handshake()
    assert answer_first_requests(io.BytesIO(first), stdout, handshake) is True
    assert stdout.getvalue() == b""
    assert handshake.replay == [first]


def test_a_call_after_initialize_hands_over_without_an_answer() -> None:
    """A tools/call right after initialize goes to the SDK, after the replayed initialize."""
    call = _line({"id": 2, "method": "tools/call", "params": {"name": "send_sms"}})
    ping = _line({"id": 9, "method": "ping"})
    stdout = io.BytesIO()
    handshake = _handshake()
    answer_first_requests(io.BytesIO(_initialize() + ping + call), stdout, handshake)
    assert [json.loads(line)["id"] for line in stdout.getvalue().splitlines()] == [1, 9]
    assert handshake.replay == [_initialize(), call]


def test_end_of_input_means_nothing_to_serve() -> None:
    """A client that closes stdin after initialize leaves nothing for the SDK."""
    assert answer_first_requests(io.BytesIO(_initialize()), io.BytesIO(), _handshake()) is False


@pytest.mark.anyio
@pytest.mark.parametrize("read_only", [False, True])
async def test_initialize_is_the_sdks_answer(read_only: bool) -> None:
    """The front's initialize result says what the SDK server says: server info,
    capabilities and instructions (read-only note included)."""
    catalogue = GuardedCatalogue(Guardrails(read_only=read_only))

    def no_runtime() -> AgentRuntime:
        raise AssertionError("initialize needs no runtime")

    async with Client(create_mcp_server(catalogue, no_runtime), mode="legacy") as client:
        version = client.protocol_version
        sdk = {
            "capabilities": client.server_capabilities.model_dump(
                by_alias=True, exclude_none=True, mode="json"
            ),
            "instructions": client.instructions,
            "protocolVersion": version,
            "serverInfo": client.server_info.model_dump(
                by_alias=True, exclude_none=True, mode="json"
            )
            if client.server_info
            else None,
        }
    front = initialize_result(ServerFacts.of(catalogue.guardrails), version)
    assert front == sdk
