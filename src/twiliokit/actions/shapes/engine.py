"""The pure engine behind output shapes: a few declarative spec types, how a spec turns an
action's default output into a platform's answer, and the JSON Schema of that answer.

A spec reads the action's default output (the JSON-ready dict ``invoke`` returns) and the
JSON Schema of that output; it never sees the network or the action. ::

    Obj({"messageSID": Get("sid"), "status": Get("status"), "Response": Get("raw")})

- :class:`Get` takes the value at a dotted path (``"sid"``, ``"raw.uri"``), optionally
  converted (:data:`CONVERTERS`), with a ``fallback`` spec when it is missing or null.
- :class:`Obj` builds an object, one spec per key; :class:`Each` maps a list item by item;
  :class:`Format` fills a string template from the object's fields; :class:`Const` is a fixed
  value; :class:`Without` is the object less some keys.
- :func:`restyle` renames the keys of a whole output to another naming style (camelCase ...),
  guided by its schema so that free-form data (``raw``, template variables, a raw request's
  body) keeps Twilio's own keys.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "CONVERTERS",
    "STYLES",
    "Const",
    "Each",
    "Format",
    "Get",
    "Obj",
    "Spec",
    "Without",
    "apply",
    "restyle",
    "restyle_schema",
    "schema_of",
]

JSON = Any
Schema = dict[str, Any]

_NULL: Schema = {"type": "null"}


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, dict(_NULL)]}


# --------------------------------------------------------------------------- conversions


def _text(value: JSON) -> JSON:
    """A number as the text Twilio's JSON carries it (``1`` -> ``"1"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: JSON) -> JSON:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value))
    except ValueError:
        return None
    return int(number) if number.is_integer() and "." not in str(value) else number


def _parse_iso(value: JSON) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _js_date(value: JSON) -> JSON:
    """An ISO 8601 moment as JavaScript's ``Date.prototype.toJSON`` prints it (what a Node
    library's Date fields become in JSON): UTC, milliseconds, ``Z``."""
    moment = _parse_iso(value)
    if moment is None:
        return value
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Converter:
    """A named conversion of a non-null value, with the JSON Schema of what it gives."""

    convert: Callable[[JSON], JSON]
    schema: Schema


#: The conversions a :class:`Get` may name. Each applies to non-null values only.
CONVERTERS: dict[str, Converter] = {
    "text": Converter(_text, {"type": "string"}),
    "number": Converter(_number, {"type": "number"}),
    "js_date": Converter(_js_date, {"type": "string", "format": "date-time"}),
}


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Get:
    """The value at ``path`` (dots between keys; ``""`` is the object itself)."""

    path: str
    convert: str | None = None
    #: Used when the value is missing or null (e.g. ``raw`` left out of list items).
    fallback: Spec | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if self.convert is not None and self.convert not in CONVERTERS:
            raise ValueError(f"unknown converter {self.convert!r}")


@dataclass(frozen=True)
class Const:
    """A fixed value."""

    value: JSON
    description: str | None = None


@dataclass(frozen=True)
class Format:
    """A string made from the object's fields (``"/Messages/{sid}.json"``); null when any
    field it names is null."""

    template: str
    description: str | None = None


@dataclass(frozen=True)
class Without:
    """The object itself, less these keys."""

    keys: tuple[str, ...]
    description: str | None = None


@dataclass(frozen=True)
class Obj:
    """An object: each key's value is given by its spec, read from the same object."""

    fields: Mapping[str, Spec]
    description: str | None = None


@dataclass(frozen=True)
class Each:
    """The list at ``path``, each item mapped by ``item`` (read from that item)."""

    path: str
    item: Spec
    description: str | None = None


Spec = Get | Const | Format | Without | Obj | Each

_MISSING = object()


def _lookup(source: JSON, path: str) -> JSON:
    value = source
    for key in path.split(".") if path else ():
        if not isinstance(value, Mapping) or key not in value:
            return _MISSING
        value = value[key]
    return value


_PLACEHOLDER = re.compile(r"\{([a-zA-Z0-9_.]+)\}")


def apply(spec: Spec, source: JSON) -> JSON:
    """What ``spec`` makes of ``source`` (an action's JSON-ready output, or part of it)."""
    if isinstance(spec, Get):
        value = _lookup(source, spec.path)
        if value is _MISSING or value is None:
            return apply(spec.fallback, source) if spec.fallback is not None else None
        return CONVERTERS[spec.convert].convert(value) if spec.convert else copy.deepcopy(value)
    if isinstance(spec, Const):
        return copy.deepcopy(spec.value)
    if isinstance(spec, Format):
        values = {name: _lookup(source, name) for name in _PLACEHOLDER.findall(spec.template)}
        if any(value is _MISSING or value is None for value in values.values()):
            return None
        return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), spec.template)
    if isinstance(spec, Without):
        if not isinstance(source, Mapping):
            return None
        return {k: copy.deepcopy(v) for k, v in source.items() if k not in spec.keys}
    if isinstance(spec, Obj):
        return {key: apply(item, source) for key, item in spec.fields.items()}
    items = _lookup(source, spec.path)
    if not isinstance(items, list):
        return []
    return [apply(spec.item, item) for item in items]


# --------------------------------------------------------------------------- schemas


def _variants(schema: Schema) -> list[Schema]:
    """The alternatives of a schema (``anyOf``/``oneOf``), or the schema itself."""
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list):
            return [option for option in options if isinstance(option, dict)]
    return [schema]


def _is_null(schema: Schema) -> bool:
    return schema.get("type") == "null"


def _property(schema: Schema, key: str) -> Schema | None:
    for variant in _variants(schema):
        properties = variant.get("properties")
        if isinstance(properties, dict) and key in properties:
            found: Schema = properties[key]
            return found
    return None


def _at(schema: Schema, path: str) -> Schema | None:
    node: Schema | None = schema
    for key in path.split(".") if path else ():
        if node is None:
            return None
        node = _property(node, key)
    return node


def _items(schema: Schema | None) -> Schema:
    for variant in _variants(schema or {}):
        items = variant.get("items")
        if isinstance(items, dict):
            return items
    return {}


def _described(schema: Schema, description: str | None) -> Schema:
    if description:
        schema = {**schema, "description": description}
    return schema


def _clean(schema: Schema) -> Schema:
    """A copy without the title pydantic derived from the old property name."""
    result = copy.deepcopy(schema)
    result.pop("title", None)
    return result


def schema_of(spec: Spec, source: Schema) -> Schema:
    """The JSON Schema of what ``spec`` makes of values that ``source`` describes."""
    if isinstance(spec, Get):
        found = _at(source, spec.path)
        if spec.convert:
            base = _nullable(dict(CONVERTERS[spec.convert].schema))
            if found is not None and "description" in found:
                base["description"] = found["description"]
        elif spec.fallback is not None:
            # Inside a free-form object (``raw``) the path has no schema: the fallback's
            # describes both; else the value is either.
            base = schema_of(spec.fallback, source)
            if found is not None:
                base = {"anyOf": [_clean(found), base]}
        else:
            base = _clean(found) if found is not None else {}
        return _described(base, spec.description)
    if isinstance(spec, Const):
        return _described({"const": spec.value}, spec.description)
    if isinstance(spec, Format):
        return _described(_nullable({"type": "string"}), spec.description)
    if isinstance(spec, Without):
        result = _clean(source)
        for variant in _variants(result):
            properties = variant.get("properties")
            if isinstance(properties, dict):
                for key in spec.keys:
                    properties.pop(key, None)
                required = variant.get("required")
                if isinstance(required, list):
                    variant["required"] = [name for name in required if name not in spec.keys]
        return _described(result, spec.description)
    if isinstance(spec, Obj):
        return _described(
            {
                "type": "object",
                "properties": {key: schema_of(item, source) for key, item in spec.fields.items()},
                "required": list(spec.fields),
            },
            spec.description,
        )
    item_source = _items(_at(source, spec.path))
    return _described(
        {"type": "array", "items": schema_of(spec.item, item_source)}, spec.description
    )


# --------------------------------------------------------------------------- naming styles


def _words(name: str) -> list[str]:
    return [word for word in name.split("_") if word]


def snake_case(name: str) -> str:
    """twiliokit's and Twilio's own style: ``num_segments``."""
    return name


def camel_case(name: str) -> str:
    """JavaScript's style (Twilio's Node library, Prismatic, SB Agent Hub): ``numSegments``."""
    words = _words(name)
    if not words:
        return name
    return words[0] + "".join(word[:1].upper() + word[1:] for word in words[1:])


def camel_case_sid(name: str) -> str:
    """SmythOS's style: camelCase with ``SID`` in capitals (``rateLimitSID``)."""
    words = _words(name)
    if not words:
        return name
    rest = ["SID" if word == "sid" else word[:1].upper() + word[1:] for word in words[1:]]
    return words[0] + "".join(rest)


#: Naming styles by name.
STYLES: dict[str, Callable[[str], str]] = {
    "snake_case": snake_case,
    "camelCase": camel_case,
    "camelCase with SID": camel_case_sid,
}


def _object_variant(schema: Schema) -> Schema | None:
    for variant in _variants(schema):
        if isinstance(variant.get("properties"), dict):
            return variant
    return None


def restyle(value: JSON, schema: Schema, rename: Callable[[str], str]) -> JSON:
    """``value`` with the keys its ``schema`` declares renamed by ``rename``, all the way
    down; keys the schema does not declare (free-form objects) are kept as they are."""
    if isinstance(value, list):
        item_schema = _items(schema)
        return [restyle(item, item_schema, rename) for item in value]
    if not isinstance(value, Mapping):
        return value
    variant = _object_variant(schema)
    if variant is None:
        return dict(value)
    properties: dict[str, Schema] = variant["properties"]
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in properties:
            result[rename(key)] = restyle(item, properties[key], rename)
        else:
            result[key] = item
    return result


def restyle_schema(schema: Schema, rename: Callable[[str], str]) -> Schema:
    """The schema of :func:`restyle`'s answer: the same, with declared names renamed."""

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        result = {key: walk(item) for key, item in node.items() if key != "properties"}
        properties = node.get("properties")
        if isinstance(properties, dict):
            result["properties"] = {
                rename(key): walk({k: v for k, v in item.items() if k != "title"})
                if isinstance(item, dict)
                else item
                for key, item in properties.items()
            }
            required = node.get("required")
            if isinstance(required, list):
                result["required"] = [rename(name) for name in required]
        return result

    walked: Schema = walk(schema)
    return walked
