"""Generate ``docs/actions.md`` from the catalogue: one section per action with its metadata,
input and output fields (types, constraints, descriptions) and an example invocation.

Run ``python -m twiliokit.actions.docgen > docs/actions.md``; a test fails when the page is
not what this prints. Pure: no I/O besides printing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from twiliokit.actions.registry import Action, ActionRegistry
from twiliokit.actions.schema import input_schema, output_schema

__all__ = ["EXAMPLES", "example_for", "render"]

_SID = "0123456789abcdef0123456789abcdef"

#: One realistic invocation per action (a test checks each one validates).
EXAMPLES: dict[str, dict[str, Any]] = {
    "send_sms": {"to": "+14155552671", "body": "Your table for 2 is ready."},
    "send_whatsapp": {
        "to": "whatsapp:+14155552671",
        "content_sid": "HX" + _SID,
        "content_variables": {"1": "Ada", "2": "10:30"},
    },
    "get_message": {"sid": "SM" + _SID},
    "list_messages": {"to": "+14155552671", "sent_after": "2024-03-01", "limit": 20},
    "redact_message": {"sid": "SM" + _SID},
    "delete_message": {"sid": "SM" + _SID},
    "list_message_media": {"message_sid": "MM" + _SID},
    "list_whatsapp_templates": {"limit": 20},
    "list_phone_numbers": {},
    "make_call": {"to": "+14155552671", "say": "Your order has shipped.", "voice": "alice"},
    "get_call": {"sid": "CA" + _SID},
    "list_calls": {"status": "completed", "started_after": "2024-03-01T00:00:00Z"},
    "end_call": {"sid": "CA" + _SID},
    "create_verify_service": {"friendly_name": "Acme", "code_length": 6},
    "list_verify_services": {},
    "create_rate_limit": {
        "service_sid": "VA" + _SID,
        "unique_name": "end_user_ip_address",
        "description": "Starts per IP address",
        "buckets": [{"max": 5, "interval": 600}],
    },
    "fetch_rate_limit": {"service_sid": "VA" + _SID, "rate_limit_sid": "RK" + _SID},
    "list_rate_limits": {"service_sid": "VA" + _SID},
    "update_rate_limit": {
        "service_sid": "VA" + _SID,
        "rate_limit_sid": "RK" + _SID,
        "description": "Starts per client IP",
    },
    "delete_rate_limit": {"service_sid": "VA" + _SID, "rate_limit_sid": "RK" + _SID},
    "create_rate_limit_bucket": {
        "service_sid": "VA" + _SID,
        "rate_limit_sid": "RK" + _SID,
        "max": 10,
        "interval": 86400,
    },
    "list_rate_limit_buckets": {"service_sid": "VA" + _SID, "rate_limit_sid": "RK" + _SID},
    "delete_rate_limit_bucket": {
        "service_sid": "VA" + _SID,
        "rate_limit_sid": "RK" + _SID,
        "bucket_sid": "BL" + _SID,
    },
    "create_verify_webhook": {
        "service_sid": "VA" + _SID,
        "friendly_name": "verify-events",
        "webhook_url": "https://example.com/verify-events",
        "event_types": ["verification.approved"],
    },
    "list_verify_webhooks": {"service_sid": "VA" + _SID},
    "delete_verify_webhook": {"service_sid": "VA" + _SID, "webhook_sid": "YW" + _SID},
    "start_verification": {"service_sid": "VA" + _SID, "to": "+14155552671", "channel": "sms"},
    "check_verification": {"service_sid": "VA" + _SID, "to": "+14155552671", "code": "123456"},
    "lookup_phone_number": {"phone_number": "+14155552671", "fields": ["line_type_intelligence"]},
    "raw_request": {
        "method": "GET",
        "path": "/2010-04-01/Accounts/{AccountSid}/Messages.json",
        "query": {"PageSize": 5},
    },
    "send_bulk": {
        "recipients": [
            {"to": "+14155552671", "variables": {"first_name": "Ada"}},
            {"to": "+14155552672", "variables": {"first_name": "Alan"}},
        ],
        "body": "Hi {first_name}, your order has shipped.",
        "rate": 1,
    },
    "get_batch": {"batch_id": "BT" + _SID},
    "cancel_batch": {"batch_id": "BT" + _SID},
    "get_send": {"outbox_id": "OB" + _SID},
    "cancel_send": {"outbox_id": "OB" + _SID},
    "list_outbox": {"status": "queued", "due_before": "2030-03-01T09:00:00Z", "limit": 20},
}

_GROUP_TITLES = {
    "messaging": "Messaging",
    "ledger": "Delivery and conversations (ledger)",
    "outbox": "Outbox and bulk sends",
    "numbers": "Phone numbers",
    "voice": "Voice",
    "verify": "Verify",
    "lookup": "Lookup",
    "raw": "Raw requests",
}
_SIDE_EFFECTS = {
    "read": "read (changes nothing)",
    "write": "write (creates or changes something)",
    "destructive": "destructive (deletes, ends or erases; cannot be undone)",
}


_PLACEHOLDERS = {"string": "...", "integer": 1, "number": 1, "boolean": True, "array": []}


def example_for(action: Action[Any, Any]) -> dict[str, Any]:
    """The action's example: from :data:`EXAMPLES`, else the first of its input model's
    schema ``examples``, else its required arguments with placeholder values."""
    if action.name in EXAMPLES:
        return EXAMPLES[action.name]
    schema = input_schema(action)
    examples = schema.get("examples")
    if isinstance(examples, list) and examples and isinstance(examples[0], dict):
        return dict(examples[0])
    properties = schema.get("properties", {})
    example: dict[str, Any] = {}
    for name in schema.get("required", []):
        prop = properties.get(name, {})
        found = prop.get("examples")
        if isinstance(found, list) and found:
            example[name] = found[0]
        elif "enum" in prop:
            example[name] = prop["enum"][0]
        else:
            example[name] = _PLACEHOLDERS.get(str(prop.get("type")), "...")
    return example


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _type(schema: dict[str, Any]) -> str:
    """A short type name: ``string``, ``integer``, ``array of string``, ``object``, ..."""
    variants = schema.get("anyOf")
    if isinstance(variants, list):
        names = [_type(v) for v in variants if v.get("type") != "null"]
        return " or ".join(dict.fromkeys(names)) or "null"
    if "enum" in schema:
        return "string (one of " + ", ".join(f"`{v}`" for v in schema["enum"]) + ")"
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return f"array of {_type(items)}" if isinstance(items, dict) else "array"
    if kind == "string" and schema.get("format") in {"date-time", "date", "uri"}:
        return f"string ({schema['format']})"
    if isinstance(kind, str):
        return kind
    return "any"


#: JSON Schema keywords shown as a phrase of their own, in this order.
_PLAIN_CONSTRAINTS: tuple[tuple[str, str], ...] = (
    ("exclusiveMinimum", "> {}"),
    ("maxLength", "at most {} characters"),
    ("maxItems", "at most {} items"),
    ("minItems", "at least {} items"),
    ("pattern", "pattern `{}`"),
)


def _constraints(schema: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for variant in [schema, *schema.get("anyOf", [])]:
        if "minimum" in variant and "maximum" in variant:
            found.append(f"{variant['minimum']} to {variant['maximum']}")
        elif "minimum" in variant:
            found.append(f">= {variant['minimum']}")
        elif "maximum" in variant:
            found.append(f"<= {variant['maximum']}")
        found += [text.format(variant[key]) for key, text in _PLAIN_CONSTRAINTS if key in variant]
        items = variant.get("items")
        if isinstance(items, dict) and "enum" in items:
            found.append("each one of " + ", ".join(f"`{v}`" for v in items["enum"]))
    return list(dict.fromkeys(found))


def _fields(schema: dict[str, Any], *, inputs: bool) -> Iterable[str]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    if inputs:
        yield "| Argument | Type | Required | Constraints | Description |"
        yield "| --- | --- | --- | --- | --- |"
    else:
        yield "| Field | Type | Description |"
        yield "| --- | --- | --- |"
    for name, prop in properties.items():
        description = _cell(prop.get("description", ""))
        if inputs:
            default = prop.get("default")
            need = "yes" if name in required else "no"
            if name not in required and default not in (None, [], {}):
                need = f"no (default `{json.dumps(default)}`)"
            yield (
                f"| `{name}` | {_cell(_type(prop))} | {need} | "
                f"{_cell('; '.join(_constraints(prop)))} | {description} |"
            )
        else:
            yield f"| `{name}` | {_cell(_type(prop))} | {description} |"


def _section(action: Action[Any, Any]) -> Iterable[str]:
    yield f"### `{action.name}`: {action.title}"
    yield ""
    if action.aliases:
        yield "Also called: " + ", ".join(f"`{alias}`" for alias in action.aliases) + "."
        yield ""
    yield action.description
    yield ""
    yield f"- Side effect: {_SIDE_EFFECTS[action.side_effect]}"
    yield f"- Costs money: {'yes' if action.costs_money else 'no'}"
    yield f"- Idempotent: {'yes' if action.idempotent else 'no (do not simply retry it)'}"
    yield ""
    yield "Input:"
    yield ""
    if input_schema(action).get("properties"):
        yield from _fields(input_schema(action), inputs=True)
    else:
        yield "No arguments."
    yield ""
    yield "Output:"
    yield ""
    yield from _fields(output_schema(action), inputs=False)
    yield ""
    example = {"action": action.name, "arguments": example_for(action)}
    yield "Example:"
    yield ""
    yield "```json"
    yield json.dumps(example, indent=2, ensure_ascii=False)
    yield "```"
    yield ""


def render(registry: ActionRegistry) -> str:
    """The whole page, Markdown."""
    lines = [
        "# Actions",
        "",
        "<!-- Generated by `python -m twiliokit.actions.docgen`; do not edit by hand. -->",
        "",
        "Every action runs through one entry point, from Python, the CLI, the HTTP API or MCP:",
        "",
        "```python",
        'await invoke("send_sms", {"to": "+14155552671", "body": "Hi"}, context=context)',
        'await invoke({"action": "sendSMS", "arguments": {"to": "+14155552671", "body": "Hi"}},',
        "             context=context)",
        "```",
        "",
        "Arguments are checked before any request; a bad one raises `validation_error` naming",
        "the argument (`field`) and the fix (`hint`). Twilio's refusals come back as",
        "`twilio_error` (and subtypes) with Twilio's `code`, `retryable` and a `hint`. Names",
        "are snake_case; an action's aliases and the seed platforms' argument names",
        "(`recipientPhoneNumber`, `messageSid`, ...) are accepted too, but only the names below",
        "are published in schemas. Dates are ISO 8601 in UTC.",
        "",
        "Sends (`send_sms`, `send_whatsapp`, `make_call`) take an `idempotency_key`: retried with",
        "the same key and arguments within 24 hours they return the first result without",
        "sending again; the same key with other arguments is refused (`validation_error` on",
        "`idempotency_key`); if the first attempt's outcome is unknown (an answer lost in",
        "transit) a retry is refused with `unknown_outcome` and how to check, never resent.",
        "A send that certainly failed frees its key. Keys are kept in the ledger, so they hold",
        "across processes and restarts (in memory when there is no ledger).",
        "",
    ]
    groups: dict[str, list[Action[Any, Any]]] = {}
    # Within a group, in the order of EXAMPLES (the order an agent meets them), then by name.
    rank = {name: index for index, name in enumerate(EXAMPLES)}
    for action in sorted(registry, key=lambda a: (rank.get(a.name, len(rank)), a.name)):
        groups.setdefault(action.group, []).append(action)
    order = [g for g in _GROUP_TITLES if g in groups] + sorted(set(groups) - set(_GROUP_TITLES))
    lines += [
        "| Action | Aliases | Side effect | Costs money | Title |",
        "| --- | --- | --- | --- | --- |",
    ]
    for group in order:
        for action in groups[group]:
            aliases = ", ".join(f"`{a}`" for a in action.aliases)
            money = "yes" if action.costs_money else "no"
            lines.append(
                f"| [`{action.name}`](#{action.name}) | {aliases} | {action.side_effect} | "
                f"{money} | {action.title} |"
            )
    lines.append("")
    for group in order:
        lines += [f"## {_GROUP_TITLES.get(group, group.title())}", ""]
        for action in groups[group]:
            lines += list(_section(action))
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    """Print the page."""
    from twiliokit.actions import catalogue

    print(render(catalogue()), end="")


if __name__ == "__main__":
    main()
