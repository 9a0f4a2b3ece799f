# The page's markdown tables are one line a row, however long.
# ruff: noqa: E501
"""Write docs/shapes.md: each output shape, action by action, with answers from the emulator.

Run ``.venv/bin/python scripts/shapes_doc.py > docs/shapes.md``. It starts the emulator (time
frozen, on a free port), runs each platform's actions through ``invoke(..., shape=NAME)``,
and prints the page; the tables come from the shapes' own data, so the page follows them.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from twiliokit.actions import ActionContext, catalogue, invoke
from twiliokit.actions.shapes import SHAPES, Shape, shaped_output_schema
from twiliokit.client import AsyncClient
from twiliokit.emulator import EmulatorConfig
from twiliokit.emulator.testing import RunningEmulator, run_emulator

TO = "+14155552671"
WHATSAPP_SENDER = "whatsapp:+14155238886"

#: Per shape, the actions to show (its own, then one that falls back), in order.
SHOWN: dict[str, tuple[str, ...]] = {
    "smythos": (
        "send_sms",
        "send_whatsapp",
        "create_rate_limit",
        "fetch_rate_limit",
        "list_rate_limits",
        "create_verify_webhook",
        "delete_rate_limit",
        "get_message",
    ),
    "prismatic": ("send_sms", "get_message", "list_messages", "raw_request", "make_call"),
    "books": ("send_sms", "list_messages", "get_message"),
    "sb-agent-hub": ("send_sms", "make_call", "get_call", "get_message"),
}


async def _examples(emulator: RunningEmulator) -> dict[str, dict[str, Any]]:
    """Each shown action's answer in each shape, from one scripted session."""
    connection = emulator.connection()
    answers: dict[str, dict[str, Any]] = {}
    async with AsyncClient(connection) as client:
        context = ActionContext(client=client, connection=connection)

        async def run(name: str, arguments: dict[str, Any], shape: str = "twiliokit") -> Any:
            return await invoke(name, arguments, context=context, shape=shape)

        for shape, shown in SHOWN.items():
            answers[shape] = {}
            sent = await run("send_sms", {"to": TO, "body": "Your table is ready."})
            emulator.control.advance(5)
            service = await run("create_verify_service", {"friendly_name": "Acme"})
            limit = await run(
                "create_rate_limit",
                {"service_sid": service["sid"], "unique_name": "end_user_ip_address"},
            )
            call = await run("make_call", {"to": TO, "say": "Hello"})
            emulator.control.inbound(From=f"whatsapp:{TO}", To=WHATSAPP_SENDER, Body="hi")
            arguments: dict[str, dict[str, Any]] = {
                "send_sms": {"to": TO, "body": "Your code is 123456"},
                "send_whatsapp": {"to": TO, "from": WHATSAPP_SENDER, "body": "Order shipped"},
                "create_rate_limit": {
                    "service_sid": service["sid"],
                    "unique_name": "phone_number",
                    "description": "Starts per phone number",
                },
                "fetch_rate_limit": {
                    "service_sid": service["sid"],
                    "rate_limit_sid": limit["sid"],
                },
                "list_rate_limits": {"service_sid": service["sid"]},
                "delete_rate_limit": {
                    "service_sid": service["sid"],
                    "rate_limit_sid": limit["sid"],
                },
                "create_verify_webhook": {
                    "service_sid": service["sid"],
                    "friendly_name": "verify-events",
                    "webhook_url": "https://example.com/verify-events",
                    "event_types": ["*"],
                },
                "get_message": {"sid": sent["sid"]},
                "list_messages": {"to": TO, "limit": 2},
                "raw_request": {
                    "method": "GET",
                    "path": "/2010-04-01/Accounts/{AccountSid}/Messages/" + sent["sid"] + ".json",
                },
                "make_call": {"to": TO, "url": "https://example.com/twiml/welcome"},
                "get_call": {"sid": call["sid"]},
            }
            for name in shown:
                answers[shape][name] = await run(name, arguments[name], shape)
            emulator.control.reset()
    return answers


def _public(text: str, emulator: RunningEmulator) -> str:
    """The emulator's address replaced by Twilio's, as a reader would see it."""
    base = emulator.base_url.rstrip("/")
    return text.replace(base + "/v2/", "https://verify.twilio.com/v2/").replace(
        base, "https://api.twilio.com"
    )


def _fields(shape: Shape, name: str) -> str:
    action = catalogue().resolve(name)
    assert action is not None
    schema = shaped_output_schema(shape, action)
    return _keys(schema)


def _keys(schema: dict[str, Any]) -> str:
    """A schema's keys, with those of a nested object or list of objects in braces."""
    parts = []
    for key, value in schema.get("properties", {}).items():
        inner = value.get("items", value) if value.get("type") == "array" else value
        nested = inner.get("properties") if inner.get("type") == "object" else None
        if nested:
            braces = "{" + _keys(inner) + "}"
            parts.append(f"`{key}`: " + (f"[{braces}]" if inner is not value else braces))
        else:
            parts.append(f"`{key}`")
    return ", ".join(parts)


def render(answers: dict[str, dict[str, Any]], emulator: RunningEmulator) -> str:
    out: list[str] = []
    out.append(_INTRO.strip())
    out.append("")
    out.append("| Shape | Platform | Follows | Other actions answer |")
    out.append("|---|---|---|---|")
    for shape in SHAPES.values():
        style = shape.style + (f', inside `{{"{shape.envelope}": ...}}`' if shape.envelope else "")
        other = (
            "the default output, unchanged"
            if shape.is_default
            else f"the default output in {style}"
        )
        out.append(f"| `{shape.name}` | {shape.platform} | {shape.source} | {other} |")
    for name, shown in SHOWN.items():
        shape = SHAPES[name]
        out.append("")
        out.append(f"## `{name}`: {shape.platform}")
        out.append("")
        doc = sys.modules[f"twiliokit.actions.shapes.{name.replace('-', '_')}"].__doc__ or ""
        out.append(" ".join(doc.split("\n\n", 1)[-1].split()).replace("``", "`"))
        out.append("")
        out.append("| Action | The platform's action | Answers |")
        out.append("|---|---|---|")
        for action in sorted(shape.actions, key=lambda a: list(shape.notes).index(a)):
            out.append(f"| `{action}` | {shape.notes.get(action, '')} | {_fields(shape, action)} |")
        fallback = sorted(set(catalogue().names()) - set(shape.actions))
        out.append("")
        out.append(
            f"Every other action falls back to the default output in {shape.style}"
            + (f' inside `{{"{shape.envelope}": ...}}`' if shape.envelope else "")
            + ": "
            + ", ".join(f"`{a}`" for a in fallback)
            + "."
        )
        for action in shown:
            how = "falls back" if not shape.maps(action) else "its own"
            out.append("")
            out.append(f"`{action}` ({how}), `--shape {name}`:")
            out.append("")
            out.append("```json")
            text = json.dumps(answers[name][action], indent=2, ensure_ascii=False)
            out.append(_public(text, emulator))
            out.append("```")
    out.append("")
    return "\n".join(out)


_INTRO = """
# Output shapes

twiliokit accepts the input names of the platforms in the seeds (`recipientPhoneNumber`,
`sender_number`, `messageSid`...). With an **output shape** it also answers in their names,
so a workflow built on one of those platforms' Twilio components moves to twiliokit without
remapping its fields.

| Surface | How to choose the shape |
|---|---|
| CLI | `--shape NAME` on `twiliokit actions run` and on every command group (`sms send`, `messages list`, `calls get`, `verify rate-limits list`...). The answer is printed as JSON. |
| HTTP API | `?shape=NAME` on `POST /v1/actions/{name}` and on `POST /v1/actions` (the `{"action", "arguments"}` envelope). |
| Python | `await invoke(name, arguments, context=ctx, shape="NAME")` |
| JSON Schemas | `twiliokit actions schema [NAME] --shape NAME` (with `--format jsonschema` or `mcp`) |

- `twiliokit` is the default: the catalogue's own output ([actions.md](actions.md)),
  unchanged. Giving no shape is the same.
- A shape maps the actions its platform has, as its seed documents them (names, nesting,
  types). **An action the platform does not have answers in the default output under the
  platform's naming style** (camelCase for Prismatic and SB Agent Hub, camelCase with `SID`
  for SmythOS, snake_case for Books); free-form values (`raw`, Twilio's own JSON; a raw
  request's body) keep Twilio's keys.
- An unknown shape is refused before anything runs: exit status 2 naming `--shape` on the
  CLI, a 400 with `"field": "shape"` over HTTP, a `ValidationError` (field `shape`) in Python;
  each lists the names.
- Errors are not shaped: every surface reports them as always. Over HTTP, a dry-run preview
  (guardrails) is not an action's output and is not shaped either. MCP tools answer in the
  default shape.
- On the CLI, a command goes on with the default output: `verify check` still exits 3 for a
  wrong code whatever the shape, and a send replayed for its `--idempotency-key` keeps
  `"idempotent_replayed": true` beside the shaped fields.

The examples below were produced against the emulator by `scripts/shapes_doc.py` (SIDs and
times differ on every run).
"""


def main() -> None:
    with run_emulator(EmulatorConfig(time_rate=0.0)) as emulator:
        answers = asyncio.run(_examples(emulator))
        sys.stdout.write(render(answers, emulator))


if __name__ == "__main__":
    main()
