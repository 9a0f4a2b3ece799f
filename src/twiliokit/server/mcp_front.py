"""The first MCP requests over stdio, answered before the MCP SDK is loaded.

MCP clients start `twiliokit mcp` often (every new chat, every editor window) and wait for
``initialize`` and ``tools/list`` before the model can do anything. Importing the MCP SDK
(``mcp`` 2.x: its pydantic models for two protocol eras, its HTTP server parts) costs more
CPU than our whole budget for those two answers (docs/benchmarks.md), so this module answers
them itself, from the same catalogue and the same server facts, and then hands the stream
to the SDK, which serves everything else:

- ``initialize`` asking for a protocol version of the handshake era (2024-11-05 to
  2025-11-25) is answered here, and replayed to the SDK
  afterwards so that its session is initialised as if it had answered; its own answer to the
  replay is dropped (the client already has one, equal to it: a test compares the two);
- ``notifications/initialized`` is passed on; ``ping`` is answered;
- the first ``tools/list`` is answered here, then the SDK takes over: from then on the
  client is likely to call tools, which need it anyway;
- anything else (another method, a batch, a line that is not JSON, another protocol
  version, such as the stateless 2026-07-28 one) ends this and goes to the SDK as it came.

:class:`Handshake` is the pure part (a line in, what to answer and whether to go on);
:func:`answer_first_requests` does the reading and writing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from twiliokit.server.guardrails import Guardrails

__all__ = ["HANDSHAKE_VERSIONS", "Handshake", "ServerFacts", "answer_first_requests"]

#: The protocol versions the SDK negotiates with ``initialize``, oldest to newest: the SDK's
#: ``mcp_types.version.HANDSHAKE_PROTOCOL_VERSIONS``, kept here because importing that module
#: loads all of ``mcp_types``; tests/unit/test_mcp_front.py keeps the two equal.
HANDSHAKE_VERSIONS: tuple[str, ...] = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")

#: What the SDK's low-level server declares for our handlers (tools and resources, neither
#: announcing list changes nor subscriptions); compared with the SDK's answer by the tests.
_CAPABILITIES: dict[str, Any] = {
    "resources": {"listChanged": False, "subscribe": False},
    "tools": {"listChanged": False},
}


_INSTRUCTIONS = (
    "twiliokit: send SMS, MMS and WhatsApp messages, place calls, read message history and "
    "run Twilio Verify, through the operator's Twilio account. Credentials are configured by "
    "the operator: never ask the user for Twilio credentials, and no tool takes them. Tools "
    "marked as costing money (send_sms, make_call, start_verification, ...) spend the "
    "account's balance: confirm the recipient and text first. Errors come back as "
    '{"error": {"type", "message", "hint", ...}}: follow the hint.'
)


@dataclass(frozen=True)
class ServerFacts:
    """What ``initialize`` tells the client about the server."""

    name: str
    version: str
    title: str
    instructions: str

    @classmethod
    def of(cls, guardrails: Guardrails) -> ServerFacts:
        """twiliokit's facts, the instructions saying what ``guardrails`` change."""
        from twiliokit import __version__

        notes = []
        if guardrails.read_only:
            notes.append("This server is read-only: only reading tools are available.")
        if guardrails.dry_run:
            notes.append(
                "DRY-RUN MODE: writing tools return a preview of what they would do and send "
                "nothing."
            )
        instructions = " ".join([_INSTRUCTIONS, *notes])
        return cls(
            name="twiliokit", version=__version__, title="twiliokit", instructions=instructions
        )


def initialize_result(facts: ServerFacts, version: str) -> dict[str, Any]:
    """The ``initialize`` result for a client asking for ``version`` (one of
    :data:`HANDSHAKE_VERSIONS`, which the SDK accepts as asked)."""
    return {
        "capabilities": _CAPABILITIES,
        "instructions": facts.instructions,
        "protocolVersion": version,
        "serverInfo": {"name": facts.name, "title": facts.title, "version": facts.version},
    }


@dataclass
class Handshake:
    """Decides, line by line, what to answer before the SDK is loaded.

    ``tools()`` gives the tool definitions (called once, at the first ``tools/list``).
    After :meth:`take` says to stop, :attr:`replay` holds the lines the SDK must read first
    (the ``initialize`` request, passed-on notifications, the line that stopped this) and
    :attr:`initialize_id` the id whose answer from the SDK is to be dropped.
    """

    facts: ServerFacts
    tools: Callable[[], Sequence[dict[str, Any]]]
    replay: list[bytes] = field(default_factory=list)
    initialize_id: str | int | None = None

    def take(self, line: bytes) -> tuple[bytes | None, bool]:
        """The answer to ``line`` (``None``: none from here), and whether to go on."""
        if not line.strip():
            return None, True
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            return self._pass_on(line)
        method, ident, params = message.get("method"), message.get("id"), message.get("params")
        has_id = isinstance(ident, str | int) and not isinstance(ident, bool)
        if params is not None and not isinstance(params, dict):
            return self._pass_on(line)
        if method == "initialize" and has_id and self.initialize_id is None:
            requested = (params or {}).get("protocolVersion")
            if requested not in HANDSHAKE_VERSIONS:  # the SDK's counter-offer, or other rules
                return self._pass_on(line)
            self.initialize_id = ident
            self.replay.append(line)
            return _response(ident, initialize_result(self.facts, str(requested))), True
        if self.initialize_id is None:  # nothing may come before initialize: the SDK says so
            return self._pass_on(line)
        if method == "notifications/initialized" and not has_id:
            self.replay.append(line)
            return None, True
        if method == "ping" and has_id:
            return _response(ident, {}), True
        if method == "tools/list" and has_id and not (params or {}).get("cursor"):
            return _response(ident, {"tools": list(self.tools())}), False
        return self._pass_on(line)

    def _pass_on(self, line: bytes) -> tuple[None, bool]:
        self.replay.append(line)
        return None, False


def _response(ident: object, result: dict[str, Any]) -> bytes:
    document = {"jsonrpc": "2.0", "id": ident, "result": result}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def answer_first_requests(stdin: BinaryIO, stdout: BinaryIO, handshake: Handshake) -> bool:
    """Answer the client's first requests (see the module docstring) until the SDK must take
    over; False if the client closed stdin first (nothing left to serve)."""
    while True:
        line = stdin.readline()
        if not line:
            return False
        answer, go_on = handshake.take(line)
        if answer is not None:
            stdout.write(answer)
            stdout.flush()
        if not go_on:
            return True
