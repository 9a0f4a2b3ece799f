"""An agent's tool loop over MCP, with a fixed plan instead of a model.

Starts `twiliokit mcp` over stdio with the MCP client library, as Claude Desktop or any
other MCP client would, lists its tools, then runs the calls an agent asked to "text this
person and make sure it arrived" would make, printing each call and what came back:

1. ``lookup_phone_number``: is the number valid, and is it a mobile?
2. ``send_sms``: send the text (with an idempotency key: a retried call sends once);
3. ``wait_for_delivery``: wait for a final status (MCP progress notifications meanwhile);
4. ``get_conversation``: read the conversation back from the ledger.

A real agent would let the model pick each call from the tool list and read the results;
here the plan is fixed, so the output is the same every run. Tool errors come back as
results (``isError``) with a hint, which is what a model would read to correct itself.

Against the emulator (no account needed)::

    twiliokit emulator            # in another terminal; paste the `export ...` line it prints
    python examples/mcp_agent_loop.py +14155552671

Against Twilio: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and
TWILIO_API_SECRET) and TWILIO_PHONE_NUMBER, leave TWILIOKIT_BASE_URL unset, and pass a number
you may text: it sends one real SMS, which costs money.

The ledger that ``wait_for_delivery`` and ``get_conversation`` read is
TWILIOKIT_DATABASE_URL when set, else a SQLite file in a temporary directory. Exit status:
0 when the message was delivered, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters


def twiliokit_command() -> str:
    """`twiliokit` next to this Python (a virtual environment), else the one on PATH."""
    beside = Path(sys.executable).with_name("twiliokit")
    return str(beside) if beside.exists() else shutil.which("twiliokit") or "twiliokit"


def plan(to: str, body: str) -> list[tuple[str, dict[str, Any]]]:
    """The calls the scripted agent makes; ``{sid}`` is filled from the send's result."""
    return [
        ("lookup_phone_number", {"phone_number": to, "fields": ["line_type_intelligence"]}),
        ("send_sms", {"to": to, "body": body, "idempotency_key": f"example-{uuid.uuid4()}"}),
        ("wait_for_delivery", {"sid": "{sid}", "timeout_seconds": 60}),
        ("get_conversation", {"contact": to, "limit": 5}),
    ]


def summary(name: str, result: dict[str, Any]) -> str:
    """One line about a tool's result, as an agent's log would show it."""
    if "error" in result:
        error = result["error"]
        return f"error {error['type']}: {error['message']} (hint: {error.get('hint')})"
    if name == "lookup_phone_number":
        line_type = result.get("line_type")
        return f"valid={result['valid']} e164={result['phone_number']} line type={line_type}"
    if name == "send_sms":
        return f"sid={result['sid']} status={result['status']} segments={result['segments']}"
    if name == "wait_for_delivery":
        seen = " -> ".join(event["status"] for event in result["history"])
        return f"status={result['status']} final={result['final']} ({seen})"
    if name == "get_conversation":
        lines = [f"{m['direction']} {m['status']}: {m['body']!r}" for m in result["messages"]]
        return f"{len(lines)} message(s): " + "; ".join(lines)
    return json.dumps(result)[:200]


async def show_progress(progress: float, total: float | None, message: str | None) -> None:
    """MCP progress notifications (``wait_for_delivery`` sends them while it waits)."""
    print(f"    progress: {message or progress}")


async def run(to: str, body: str, database_url: str) -> bool:
    server = StdioServerParameters(
        command=twiliokit_command(),
        args=["mcp", "--db", database_url],
        # The MCP client passes only a few safe variables by default; twiliokit needs the
        # credentials (TWILIO_*) and TWILIOKIT_BASE_URL from this environment.
        env=dict(os.environ),
    )
    async with Client(server) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        print(f"twiliokit mcp offers {len(tools)} tools")
        sid = ""
        status = None
        for step, (name, arguments) in enumerate(plan(to, body), start=1):
            if name not in tools:
                print(f"step {step}: {name} is not offered (guardrails?); stopping")
                return False
            call = {**arguments, "sid": sid} if arguments.get("sid") == "{sid}" else arguments
            print(f"step {step}: {name}({json.dumps(call)})")
            answer = await client.call_tool(name, call, progress_callback=show_progress)
            result: dict[str, Any] = answer.structured_content or {}
            print(f"    -> {summary(name, result)}")
            if answer.is_error:
                return False
            if name == "send_sms":
                sid = result["sid"]
            if name == "wait_for_delivery":
                status = result["status"]
        return status == "delivered"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("to", help="the number to text, in E.164 (+14155552671)")
    parser.add_argument("--body", default="Your order has shipped.", help="the text to send")
    options = parser.parse_args(argv)
    url = os.environ.get("TWILIOKIT_DATABASE_URL")
    with tempfile.TemporaryDirectory() as scratch:
        database_url = url or f"sqlite:///{Path(scratch) / 'ledger.sqlite3'}"
        delivered = asyncio.run(run(options.to, options.body, database_url))
    return 0 if delivered else 1


if __name__ == "__main__":
    sys.exit(main())
