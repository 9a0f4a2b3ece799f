"""Check that a JSON document has the JSON types a JSON Schema declares, and nothing more.

The actions validate their arguments with pydantic, which coerces like Python (``0`` is
``false``, ``"20"`` and ``true`` are integers). Over HTTP a body is JSON whose schema the
OpenAPI document publishes, and a client that sends ``"include_raw": 0`` has a bug the
server should point at, not hide. :func:`type_mismatch` finds the first value whose JSON
type the schema does not allow; every other rule (patterns, ranges, formats, rules across
arguments) stays with the action, which words its errors for people.

Hand-written rather than the ``jsonschema`` library: only the ``type`` keyword (through
``anyOf``/``oneOf``, ``properties``, ``additionalProperties`` and ``items``) is checked,
since a full validator here would answer every other rule in its own wording, before the
action's clearer one. Pure, no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twiliokit.errors import ValidationError
from twiliokit.problem_words import json_kind

if TYPE_CHECKING:
    from twiliokit.actions.registry import Action

__all__ = [
    "MAX_DEPTH",
    "TypeMismatch",
    "check_argument_types",
    "check_json_types",
    "too_deep",
    "type_mismatch",
]

#: The deepest nesting of arrays and objects taken in arguments: theirs is a few levels
#: (``content_variables``, ``buckets``); far deeper only exhausts a recursive reader.
MAX_DEPTH = 32

_ARTICLES = {
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


@dataclass(frozen=True, slots=True)
class TypeMismatch:
    """A value whose JSON type the schema does not allow."""

    #: Where it is: ``include_raw``, ``media_urls.0``, ``buckets.1.max``.
    path: str
    #: What the schema allows, in words (``true or false``, ``a whole number or null``).
    expected: str
    #: What was given, in JSON's words (``0`` is ``a number``).
    given: str


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests more than ``limit`` arrays and objects inside one another
    (walked level by level, not recursively, so any depth json.loads returned can be asked)."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for node in level
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return False
    return any(isinstance(node, dict | list) for node in level)


def check_json_types(
    document: Mapping[str, Any], schema: Mapping[str, Any], *, hint: str, within: str = ""
) -> None:
    """A ValidationError naming the first value whose JSON type ``schema`` does not allow
    (``"include_raw": 0``): the actions would coerce it as Python does, hiding the bug.
    ``within`` prefixes the path (``arguments.``); ``hint`` says where the schema is."""
    mismatch = type_mismatch(document, schema)
    if mismatch is not None:
        field = within + mismatch.path
        raise ValidationError(
            f"'{field}' must be {mismatch.expected}, not {mismatch.given}", field=field, hint=hint
        )


def check_argument_types(
    action: Action[Any, Any],
    arguments: Mapping[str, Any],
    *,
    hint: str | None = None,
    within: str = "",
) -> None:
    """:func:`check_json_types` against ``action``'s input schema (built once per action),
    so that the HTTP API, MCP and ``actions run`` take or refuse the same arguments. ``hint``
    says where the schema is; by default the command line's pointer, which each surface
    words its own way (``twiliokit.server.hint_words``)."""
    if hint is None:
        hint = f"see `twiliokit actions schema {action.name}` for the arguments it takes"
    check_json_types(arguments, _input_schema(action), hint=hint, within=within)


@functools.cache
def _input_schema(action: Action[Any, Any]) -> dict[str, Any]:
    from twiliokit.actions.schema import input_schema

    return input_schema(action)


def type_mismatch(value: Any, schema: Mapping[str, Any], path: str = "") -> TypeMismatch | None:
    """The first value in ``value`` whose JSON type ``schema`` does not allow, or ``None``.

    Parts of the schema this does not read (``$ref``, ``allOf``, no ``type``) allow any type.
    """
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(alternatives, list):
        found = [type_mismatch(value, option, path) for option in alternatives]
        if any(mismatch is None for mismatch in found):
            return None
        deeper = [m for m in found if m is not None and m.path != path]
        if deeper:  # the value's own type fits an alternative; something inside it does not
            return deeper[0]
        allowed = dict.fromkeys(m.expected for m in found if m is not None)
        return TypeMismatch(path, " or ".join(allowed), json_kind(value))
    declared = schema.get("type")
    if declared is not None:
        types = [declared] if isinstance(declared, str) else list(declared)
        if not any(_is(value, kind) for kind in types):
            expected = " or ".join(_ARTICLES.get(kind, kind) for kind in types)
            return TypeMismatch(path, expected, json_kind(value))
    if isinstance(value, dict):
        return _members(value, schema, path)
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            mismatch = type_mismatch(item, schema["items"], _join(path, str(index)))
            if mismatch is not None:
                return mismatch
    return None


def _members(value: dict[str, Any], schema: Mapping[str, Any], path: str) -> TypeMismatch | None:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    others = schema.get("additionalProperties")
    for key, item in value.items():
        member = properties.get(key, others if isinstance(others, Mapping) else None)
        if isinstance(member, Mapping):
            mismatch = type_mismatch(item, member, _join(path, key))
            if mismatch is not None:
                return mismatch
    return None


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        # JSON has one number type: 20.0 is a whole number (as JSON Schema says), true is not.
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    checks: dict[str, Any] = {
        "boolean": lambda v: isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        "null": lambda v: v is None,
    }
    check = checks.get(kind)
    return True if check is None else bool(check(value))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
