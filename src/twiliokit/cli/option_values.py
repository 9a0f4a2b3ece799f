"""Option values given as text and parsed here: JSON documents (``--args``, ``--json-body``,
``--content-variables``) and ``KEY=VALUE`` pairs (``raw --data``, ``verify start
--rate-limit``), so that each refusal names its flag in the same words."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from twiliokit.errors import ValidationError
from twiliokit.problem_words import range_words

if TYPE_CHECKING:
    import pydantic

__all__ = ["finite_number", "parse_json", "parse_pairs", "split_pair"]


def parse_json(text: str | None, *, source: str, field: str, hint: str, position: str = "") -> Any:
    """The JSON document in ``text`` (``None`` when the option was not given), given as
    ``source`` (e.g. ``--json-body``); invalid JSON is refused naming ``source`` and the
    parser's reason, then ``position`` (formatted with the error's ``line`` and ``column``),
    with ``hint`` saying how to fix it."""
    if text is None:
        return None
    from twiliokit.server.json_types import MAX_DEPTH, too_deep

    deep = ValidationError(
        f"{source} nests arrays and objects more than {MAX_DEPTH} levels deep",
        field=field,
        hint=hint,
    )
    try:
        document = json.loads(text)
    except RecursionError:  # deeper than json.loads goes
        raise deep from None
    except json.JSONDecodeError as exc:
        where = position.format(line=exc.lineno, column=exc.colno)
        reason = exc.msg.removesuffix(" at")  # "Unterminated string starting at" + where
        raise ValidationError(
            f"{source} is not valid JSON: {reason}{where}", field=field, hint=hint
        ) from None
    if too_deep(document):
        raise deep
    return document


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


def finite_number(
    value: float | None, *, option: str, field: str, model: type[pydantic.BaseModel]
) -> float | None:
    """``value``, given to ``option`` for the argument ``field`` of the action whose input is
    ``model``; ``nan`` and infinities are refused as not numbers, with the range the model
    sets for the field (its own check would call ``nan`` "more than 1000")."""
    if value is None or math.isfinite(value):
        return value
    low = high = None
    for item in model.model_fields[field].metadata:
        low = next((getattr(item, k) for k in ("gt", "ge") if hasattr(item, k)), low)
        high = next((getattr(item, k) for k in ("lt", "le") if hasattr(item, k)), high)
    span = range_words(low, high)
    if span is None:
        wanted = "a number"
    else:
        wanted = f"a number {span}" if span.startswith("between") else f"a number of {span}"
    raise ValidationError(
        f"{option} must be {wanted}, not {str(value)!r}",
        field=field,
        hint=f"give {option} as a plain number, e.g. {option} 10",
    )
