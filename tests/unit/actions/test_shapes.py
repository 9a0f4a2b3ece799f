"""The output-shape engine and the shapes' data, without I/O: specs, naming styles, schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs; installed with mcp
import pytest

from twiliokit.actions import catalogue
from twiliokit.actions.schema import output_schema
from twiliokit.actions.shapes import (
    DEFAULT_SHAPE,
    SHAPE_NAMES,
    SHAPES,
    get_shape,
    shape_output,
    shaped_output_schema,
)
from twiliokit.actions.shapes.engine import (
    Const,
    Each,
    Format,
    Get,
    Obj,
    Without,
    apply,
    camel_case,
    camel_case_sid,
    restyle,
    restyle_schema,
    schema_of,
)
from twiliokit.errors import ValidationError

SID = "SM" + "0" * 32
ACCOUNT = "AC" + "1" * 32

#: A send_sms output as invoke returns it (the default shape), with Twilio's raw JSON.
SENT: dict[str, Any] = {
    "sid": SID,
    "status": "queued",
    "direction": "outbound-api",
    "from": "+15005550006",
    "to": "+14155552671",
    "body": "hi",
    "num_segments": 1,
    "num_media": 0,
    "price": -0.0079,
    "price_unit": "USD",
    "error_code": None,
    "error_message": None,
    "error_hint": None,
    "account_sid": ACCOUNT,
    "messaging_service_sid": None,
    "date_created": "2026-03-10T12:00:00Z",
    "date_updated": "2026-03-10T12:00:01Z",
    "date_sent": None,
    "raw": {
        "sid": SID,
        "num_segments": "1",
        "num_media": "0",
        "price": "-0.00790",
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{SID}.json",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{SID}/Media.json"},
        "date_created": "Tue, 10 Mar 2026 12:00:00 +0000",
    },
    "encoding": "GSM-7",
    "segments": 1,
    "ucs2_characters": [],
}


def _action(name: str) -> Any:
    action = catalogue().resolve(name)
    assert action is not None
    return action


def test_get_reads_paths_converts_and_falls_back() -> None:
    """Get follows dotted paths, converts non-null values, and uses its fallback for a
    missing or null value."""
    assert apply(Get("raw.uri"), SENT) == SENT["raw"]["uri"]
    assert apply(Get("num_segments", "text"), SENT) == "1"
    assert apply(Get("price", "text"), SENT) == "-0.0079"
    assert apply(Get("num_media", "number"), SENT) == 0
    assert apply(Get("date_created", "js_date"), SENT) == "2026-03-10T12:00:00.000Z"
    assert apply(Get("date_sent", "js_date"), SENT) is None
    assert apply(Get("nope.deeper"), SENT) is None
    assert apply(Get("raw.nope", fallback=Const("x")), SENT) == "x"
    assert apply(Get("error_code", fallback=Get("sid")), SENT) == SID
    assert apply(Get(""), {"a": 1}) == {"a": 1}


def test_format_obj_each_and_without() -> None:
    """Format fills a template (null when a field is null); Obj, Each and Without build
    objects, lists and copies less some keys."""
    assert apply(Format("/A/{account_sid}/M/{sid}"), SENT) == f"/A/{ACCOUNT}/M/{SID}"
    assert apply(Format("{messaging_service_sid}"), SENT) is None
    assert apply(Obj({"a": Get("sid"), "b": Const(2)}), SENT) == {"a": SID, "b": 2}
    page = {"items": [{"sid": "x", "raw": None}, {"sid": "y", "raw": None}]}
    assert apply(Each("items", Get("sid")), page) == ["x", "y"]
    assert apply(Each("missing", Get("sid")), page) == []
    assert apply(Without(("raw",)), page["items"][0]) == {"sid": "x"}


def test_apply_never_changes_its_source() -> None:
    """A shaped answer is a copy: changing it leaves the default output as it was."""
    source = {"raw": {"nested": [1]}}
    copied = apply(Obj({"r": Get("raw")}), source)
    copied["r"]["nested"].append(2)
    assert source == {"raw": {"nested": [1]}}


def test_naming_styles() -> None:
    """camelCase joins words; SmythOS's style also writes SID in capitals (not as the first
    word)."""
    assert camel_case("messaging_service_sid") == "messagingServiceSid"
    assert camel_case("from") == "from"
    assert camel_case_sid("rate_limit_sid") == "rateLimitSID"
    assert camel_case_sid("sid") == "sid"


def test_restyle_renames_declared_keys_only() -> None:
    """Keys the schema declares are renamed all the way down; free-form objects (Twilio's
    raw JSON) keep their own keys."""
    schema = output_schema(_action("list_messages"))
    page = {"messages": [dict(SENT, raw={"num_segments": "1"})], "next_page_token": None}
    renamed = restyle(page, schema, camel_case)
    assert set(renamed) == {"messages", "nextPageToken"}
    item = renamed["messages"][0]
    assert item["numSegments"] == 1
    assert item["accountSid"] == ACCOUNT
    assert item["raw"] == {"num_segments": "1"}


def test_restyle_schema_matches_restyled_data() -> None:
    """The renamed schema validates the renamed output of every action in the catalogue's
    list and record shapes."""
    action = _action("list_messages")
    send_only = {"encoding", "segments", "ucs2_characters"}
    message = {key: value for key, value in SENT.items() if key not in send_only}
    page = {"messages": [message], "next_page_token": "PA1"}
    schema = output_schema(action)
    jsonschema.validate(restyle(page, schema, camel_case), restyle_schema(schema, camel_case))


def test_schema_of_describes_what_apply_gives() -> None:
    """A spec's schema validates the spec's result (types come from the source schema or the
    converter)."""
    action = _action("send_sms")
    for shape in SHAPES.values():
        if not shape.maps("send_sms"):
            continue
        answer = shape_output(shape, action, SENT)
        jsonschema.validate(answer, shaped_output_schema(shape, action))
    spec = Obj({"n": Get("num_segments", "text"), "d": Get("date_created", "js_date")})
    schema = schema_of(spec, output_schema(action))
    assert schema["properties"]["n"]["anyOf"][0] == {"type": "string"}
    assert schema["required"] == ["n", "d"]


def test_default_shape_is_the_output_unchanged() -> None:
    """twiliokit (and no shape at all) answers exactly what invoke always answered."""
    action = _action("send_sms")
    assert get_shape(None).name == DEFAULT_SHAPE
    assert shape_output(get_shape(DEFAULT_SHAPE), action, SENT) == SENT
    assert shaped_output_schema(get_shape(None), action) == output_schema(action)


def test_unknown_shape_is_a_validation_error_listing_the_names() -> None:
    """An unknown name is a ValidationError on field 'shape' whose hint lists every shape."""
    with pytest.raises(ValidationError) as caught:
        get_shape("zapier")
    assert caught.value.field == "shape"
    assert "zapier" in caught.value.message
    for name in SHAPE_NAMES:
        assert name in (caught.value.hint or "")
    assert get_shape(" SmythOS ").name == "smythos"


def test_every_mapped_action_exists() -> None:
    """Each shape maps only actions of the catalogue, by canonical name."""
    names = set(catalogue().names())
    for shape in SHAPES.values():
        assert set(shape.actions) <= names, shape.name
        assert set(shape.notes) <= names, shape.name


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_every_shape_has_a_schema_for_every_action(name: str) -> None:
    """Each shape gives every action an object output schema (MCP requires objects) that is
    itself a valid JSON Schema."""
    shape = get_shape(name)
    for action in catalogue():
        schema = shaped_output_schema(shape, action)
        assert schema.get("type") == "object" or "properties" in schema, action.name
        jsonschema.Draft202012Validator.check_schema(schema)


def test_platforms_answer_their_seed_fields_for_a_send() -> None:
    """The four platforms' send answers: SmythOS messageSID/status/Response, Prismatic data
    in Node casing, Books answer, SB Agent Hub messageSid/status/dateCreated."""
    action = _action("send_sms")
    smythos = shape_output(get_shape("smythos"), action, SENT)
    assert smythos == {"messageSID": SID, "status": "queued", "Response": SENT["raw"]}
    prismatic = shape_output(get_shape("prismatic"), action, SENT)["data"]
    assert prismatic["numSegments"] == "1"
    assert prismatic["price"] == "-0.00790"
    assert prismatic["dateCreated"] == "2026-03-10T12:00:00.000Z"
    assert prismatic["uri"] == SENT["raw"]["uri"]
    assert shape_output(get_shape("books"), action, SENT) == {"answer": SID}
    assert shape_output(get_shape("sb-agent-hub"), action, SENT) == {
        "messageSid": SID,
        "status": "queued",
        "dateCreated": "2026-03-10T12:00:00Z",
    }


def test_prismatic_writes_node_values_when_raw_is_left_out() -> None:
    """List items carry no raw JSON: the Node library's uri, apiVersion, subresourceUris and
    text numbers are written from the default fields."""
    item = dict(SENT, raw=None)
    page = {"messages": [item], "next_page_token": None}
    answer = shape_output(get_shape("prismatic"), _action("list_messages"), page)
    message = answer["data"][0]
    assert message["uri"] == SENT["raw"]["uri"]
    assert message["subresourceUris"] == SENT["raw"]["subresource_uris"]
    assert message["apiVersion"] == "2010-04-01"
    assert (message["numSegments"], message["numMedia"]) == ("1", "0")


def test_fallback_actions_use_the_platform_naming_style() -> None:
    """An action a platform does not have answers in the default shape, renamed to the
    platform's style (inside Prismatic's data envelope)."""
    call = {"sid": "CA" + "2" * 32, "parent_call_sid": None, "price_unit": "USD", "raw": None}
    action = _action("get_call")
    assert set(shape_output(get_shape("prismatic"), action, call)) == {"data"}
    assert "parentCallSid" in shape_output(get_shape("prismatic"), action, call)["data"]
    assert "parentCallSID" in shape_output(get_shape("smythos"), action, call)
    assert "parent_call_sid" in shape_output(get_shape("books"), action, call)


SHAPES_DOC = Path(__file__).resolve().parents[3] / "docs" / "shapes.md"


def test_docs_list_every_shape_and_what_each_maps() -> None:
    """docs/shapes.md has a section per platform with a row for each action it maps
    (regenerate with `.venv/bin/python scripts/shapes_doc.py > docs/shapes.md`)."""
    page = SHAPES_DOC.read_text(encoding="utf-8")
    for shape in SHAPES.values():
        assert f"| `{shape.name}` |" in page
        if shape.is_default:
            continue
        assert f"## `{shape.name}`: {shape.platform}" in page
        for action in shape.actions:
            assert f"| `{action}` | {shape.notes[action]} |" in page, (shape.name, action)
            assert f"`{action}` (its own), `--shape {shape.name}`:" in page
