"""The JSON type check of HTTP bodies: only JSON types, through anyOf, objects and arrays."""

from __future__ import annotations

from typing import Any

import pytest

from twiliokit.server.json_types import TypeMismatch, type_mismatch

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "flag": {"type": "boolean"},
        "count": {"type": "integer"},
        "to": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "urls": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
        "anything": {"$ref": "#/$defs/Unknown"},
    },
}


@pytest.mark.parametrize(
    "document",
    [{"flag": True}, {"count": 20}, {"count": 20.0}, {"to": None}, {"urls": ["a"]},
     {"anything": [1, "x"]}, {"notInTheSchema": 0}],
)  # fmt: skip
def test_values_of_the_declared_types_pass(document: dict[str, Any]) -> None:
    """Declared types pass (20.0 is a whole number in JSON); what the schema does not
    describe (a $ref, an unknown key left to the action) is not judged here."""
    assert type_mismatch(document, SCHEMA) is None


@pytest.mark.parametrize(
    ("document", "mismatch"),
    [
        ({"flag": 0}, TypeMismatch("flag", "true or false", "a number")),
        ({"count": "20"}, TypeMismatch("count", "a whole number", "a string")),
        ({"count": True}, TypeMismatch("count", "a whole number", "true")),
        ({"count": 1.5}, TypeMismatch("count", "a whole number", "a number")),
        ({"to": 1}, TypeMismatch("to", "a string or null", "a number")),
        ({"urls": ["a", 1]}, TypeMismatch("urls.1", "a string", "a number")),
        ([], TypeMismatch("", "an object", "an array")),
    ],
)
def test_the_first_wrong_type_is_named_with_its_path(document: Any, mismatch: TypeMismatch) -> None:
    """A wrong type is reported where it is, with what was allowed and given in JSON words."""
    assert type_mismatch(document, SCHEMA) == mismatch
