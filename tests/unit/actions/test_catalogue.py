"""The catalogue as agents see it: names, aliases, metadata, schemas, exports and the docs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from twiliokit.actions import catalogue
from twiliokit.actions.docgen import EXAMPLES, example_for, render
from twiliokit.actions.invoke import parse_arguments
from twiliokit.actions.registry import SAFE_NAME, Action
from twiliokit.actions.schema import FORMATS, export, input_schema, output_schema, property_names

REGISTRY = catalogue()
#: Every action, including other areas' (schemas and exports must hold for all of them).
ACTIONS = list(REGISTRY)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "actions.md"

#: The catalogue the issue asks for (and the seed platforms' names for them).
EXPECTED: dict[str, tuple[str, ...]] = {
    "send_sms": ("sendSMS",),
    "send_whatsapp": ("sendWhatsAppMessage",),
    "get_message": ("getSMS",),
    "list_messages": ("listMessages",),
    "redact_message": (),
    "delete_message": (),
    "list_message_media": (),
    "list_whatsapp_templates": (),
    "list_phone_numbers": (),
    "make_call": ("makeCall",),
    "get_call": ("getCallStatus",),
    "list_calls": (),
    "end_call": (),
    "create_verify_service": (),
    "list_verify_services": (),
    "create_rate_limit": ("createRateLimit",),
    "fetch_rate_limit": ("fetchRateLimit",),
    "list_rate_limits": ("listRateLimits",),
    "update_rate_limit": (),
    "delete_rate_limit": ("deleteRateLimit",),
    "create_rate_limit_bucket": ("create_bucket",),
    "list_rate_limit_buckets": ("list_buckets",),
    "delete_rate_limit_bucket": ("delete_bucket",),
    "create_verify_webhook": ("createWebhook",),
    "list_verify_webhooks": (),
    "delete_verify_webhook": (),
    "start_verification": (),
    "check_verification": (),
    "lookup_phone_number": (),
    "raw_request": ("rawRequest",),
}


#: The Twilio actions of this issue (other modules add more, e.g. the ledger's).
TWILIO_ACTIONS = [a for a in ACTIONS if a.name in EXPECTED]


def ids(action: Action[Any, Any]) -> str:
    return action.name


def test_the_catalogue_has_every_action_with_its_aliases() -> None:
    """Every action of the issue is registered, with the seed platforms' names as aliases."""
    assert {a.name: a.aliases for a in TWILIO_ACTIONS} == EXPECTED


def test_names_and_aliases_are_unique_and_safe() -> None:
    """No name or alias is taken twice, and all fit every LLM tool API."""
    names = [n for a in ACTIONS for n in (a.name, *a.aliases)]
    assert len(names) == len(set(names))
    assert all(SAFE_NAME.match(n) for n in names)


@pytest.mark.parametrize("alias", [a for aliases in EXPECTED.values() for a in aliases])
def test_aliases_resolve_to_their_action(alias: str) -> None:
    """Each alias finds the same action as its canonical name."""
    action = REGISTRY.resolve(alias)
    assert action is not None
    assert alias in action.aliases


@pytest.mark.parametrize("action", ACTIONS, ids=ids)
def test_every_property_name_is_safe_for_llm_tool_apis(action: Action[Any, Any]) -> None:
    """No property name anywhere in either schema breaks OpenAI/Anthropic/Gemini/MCP rules."""
    names = property_names(input_schema(action)) | property_names(output_schema(action))
    assert names
    assert all(SAFE_NAME.match(name) for name in names), sorted(names)
    assert SAFE_NAME.match(action.name)


@pytest.mark.parametrize("action", ACTIONS, ids=ids)
def test_schemas_publish_only_canonical_names(action: Action[Any, Any]) -> None:
    """Seed aliases are accepted but never published; refs are inlined; nothing is hidden
    that an agent must send."""
    schema = input_schema(action)
    text = json.dumps(schema)
    assert "$ref" not in text
    assert "$defs" not in text
    published = set(schema.get("properties", {}))
    assert not published & {"recipientPhoneNumber", "twilioPhoneNumber", "messageSid", "from_"}
    assert "account_sid" not in published
    assert schema["type"] == "object"
    assert schema.get("additionalProperties") is False


@pytest.mark.parametrize("action", TWILIO_ACTIONS, ids=ids)
def test_every_input_and_output_field_is_described(action: Action[Any, Any]) -> None:
    """A model reads the descriptions: every top-level input and output field has one."""
    for schema in (input_schema(action), output_schema(action)):
        for name, prop in schema.get("properties", {}).items():
            assert len(prop.get("description", "")) >= 10, (action.name, name)


@pytest.mark.parametrize("action", TWILIO_ACTIONS, ids=ids)
def test_metadata_is_coherent(action: Action[Any, Any]) -> None:
    """Reads are idempotent and safe; creates are not idempotent; the description says what
    it costs; titles are short."""
    assert action.side_effect in {"read", "write", "destructive"}
    if action.side_effect == "read":
        assert action.idempotent
    if action.name.startswith(("send_", "make_", "create_", "start_")):
        assert action.side_effect == "write"
        assert not action.idempotent
    if action.name.startswith(("delete_", "end_", "redact_")):
        assert action.side_effect == "destructive"
        assert action.idempotent
    if action.name.startswith(("send_", "make_", "start_", "lookup_")):
        assert action.costs_money
    description = action.description.lower()
    assert len(description) >= 120
    assert ("free" in description) or ("cost" in description) or ("money" in description)
    assert len(action.title) <= 50
    assert action.group in {"messaging", "numbers", "voice", "verify", "lookup", "raw"}
    assert action.open_world


@pytest.mark.parametrize("action", ACTIONS, ids=ids)
def test_reads_are_idempotent_and_titled(action: Action[Any, Any]) -> None:
    """For every action in the catalogue: reads are idempotent; title and description exist."""
    if action.side_effect == "read":
        assert action.idempotent
    assert action.title
    assert len(action.description) >= 40


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_format_builds_and_is_json(fmt: Any) -> None:
    """The whole catalogue exports in every tool format, as JSON, one tool per action."""
    tools = export(REGISTRY, fmt)
    assert len(tools) == len(REGISTRY) >= len(EXPECTED)
    json.dumps(tools)
    if fmt == "openai":
        assert all(t["function"]["parameters"]["type"] == "object" for t in tools)
    if fmt == "mcp":
        read_only = {t["name"] for t in tools if t["annotations"]["readOnlyHint"]}
        assert "get_message" in read_only
        assert "send_sms" not in read_only
        destructive = {t["name"] for t in tools if t["annotations"]["destructiveHint"]}
        assert {"delete_message", "end_call", "raw_request"} <= destructive


@pytest.mark.parametrize("action", TWILIO_ACTIONS, ids=ids)
def test_documented_examples_validate(action: Action[Any, Any]) -> None:
    """Each action's example in docs/actions.md is accepted by its input model."""
    assert example_for(action) is EXAMPLES[action.name]
    parse_arguments(action, EXAMPLES[action.name])


def test_docs_page_is_current() -> None:
    """docs/actions.md is exactly what docgen renders (regenerate it with
    `python -m twiliokit.actions.docgen > docs/actions.md`)."""
    assert DOCS.read_text(encoding="utf-8") == render(REGISTRY)


def test_docs_page_covers_every_action_and_field() -> None:
    """Every action and every published argument appears on the page."""
    page = render(REGISTRY)
    for action in ACTIONS:
        assert f"### `{action.name}`" in page
        for name in input_schema(action).get("properties", {}):
            assert f"| `{name}` |" in page
