"""Option values given as text and parsed here: JSON documents (``--args``, ``--json-body``,
``--content-variables``) and ``KEY=VALUE`` pairs (``raw --data``, ``verify start
--rate-limit``), so that each refusal names its flag in the same words."""

from __future__ import annotations

import json
from typing import Any

from twiliokit.errors import ValidationError

__all__ = ["parse_json", "parse_pairs", "split_pair"]


def parse_json(text: str | None, *, source: str, field: str, hint: str, position: str = "") -> Any:
    """The JSON document in ``text`` (``None`` when the option was not given), given as
    ``source`` (e.g. ``--json-body``); invalid JSON is refused naming ``source`` and the
    parser's reason, then ``position`` (formatted with the error's ``line`` and ``column``),
    with ``hint`` saying how to fix it."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = position.format(line=exc.lineno, column=exc.colno)
        raise ValidationError(
            f"{source} is not valid JSON: {exc.msg}{where}", field=field, hint=hint
        ) from None


def split_pair(item: str, *, option: str, field: str, key: str, hint: str) -> tuple[str, str]:
    """``item``, given to ``option`` as ``KEY=VALUE``, as its stripped key and its value;
    anything else is refused naming the option, with ``key`` as the key's placeholder."""
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise ValidationError(f"{option} {item!r} is not {key}=VALUE", field=field, hint=hint)
    return name.strip(), value


def parse_pairs(values: list[str] | None, *, option: str, field: str) -> dict[str, Any] | None:
    """``k=v`` options as a dict; a key given more than once collects its values in a list
    (Twilio's repeated parameters, e.g. ``MediaUrl``)."""
    if not values:
        return None
    hint = f"write it as {option} Name=value, one per pair"
    collected: dict[str, list[str]] = {}
    for item in values:
        key, value = split_pair(item, option=option, field=field, key="KEY", hint=hint)
        collected.setdefault(key, []).append(value)
    return {key: found[0] if len(found) == 1 else found for key, found in collected.items()}
