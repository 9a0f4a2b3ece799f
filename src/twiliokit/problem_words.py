"""What is wrong with one value, in words people use, from one of pydantic's error entries.

pydantic says "Input should be a valid integer, unable to parse string as an integer" and
"String should have at most 64 characters"; twiliokit's errors say "'limit' must be a whole
number". :func:`plain_problem` gives the part after the quoted name, for the HTTP API's query
and path parameters and for action arguments alike, with bounds as people write them
(:func:`number_words`: "more than 0", "at most 1,000", not pydantic's ``0.0`` and ``1000.0``).
The value itself is never repeated: it may be a phone number or a message body. Pure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["BOUND_WORDS", "json_kind", "number_words", "plain_problem", "range_words"]

#: pydantic error types whose whole meaning is "wrong type", and how to say what is wanted.
_WANTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "datetime_parsing": "a timestamp such as 2026-12-06T09:30:00Z",
    "datetime_type": "a timestamp such as 2026-12-06T09:30:00Z",
    "date_parsing": "a day such as 2026-12-06",
    "url_parsing": "a URL",
    "url_type": "a URL",
    "finite_number": "a finite number (not NaN or infinity)",
    "string_unicode": "text (it holds an unpaired surrogate such as \\ud800, which is not text)",
}


#: pydantic's range errors: how to say the bound, and the key its value has in ``ctx``.
BOUND_WORDS: Final[Mapping[str, tuple[str, str]]] = {
    "greater_than_equal": ("at least", "ge"),
    "less_than_equal": ("at most", "le"),
    "greater_than": ("more than", "gt"),
    "less_than": ("less than", "lt"),
}


def number_words(value: Any) -> str:
    """A number as people write it: ``0`` (not ``0.0``), ``1,000``, ``0.1``, ``2,500.5``.
    Anything that is not a finite number is given as it is."""
    if isinstance(value, bool):
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return str(value)
    if number.is_integer():
        return f"{int(number):,}"
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def range_words(low: Any, high: Any) -> str | None:
    """A range as people say it: "between 0 and 1,000", "at least 1", "at most 60"; ``None``
    without either bound."""
    if low is not None and high is not None:
        return f"between {number_words(low)} and {number_words(high)}"
    if low is not None:
        return f"at least {number_words(low)}"
    if high is not None:
        return f"at most {number_words(high)}"
    return None


def json_kind(value: Any) -> str:
    """A decoded JSON value's type, as JSON names it (with an article)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def plain_problem(error: Mapping[str, Any]) -> str:
    """``must be at most 1000``, ``is required``...: one pydantic error entry in words."""
    kind = str(error.get("type", ""))
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind in _WANTED:
        return f"must be {_WANTED[kind]}"
    if kind in BOUND_WORDS:
        words, key = BOUND_WORDS[kind]
        return f"must be {words} {number_words(context.get(key))}"
    if kind in {"enum", "literal_error"}:
        return f"must be one of {context.get('expected', 'the documented values')}"
    if kind in {"string_too_long", "string_too_short"}:
        words, key = (
            ("at most", "max_length") if kind.endswith("long") else ("at least", "min_length")
        )
        return f"must be {words} {number_words(context.get(key))} characters long"
    if kind in {"too_long", "too_short"}:
        words, key = ("at most", "max_length") if kind == "too_long" else ("at least", "min_length")
        count = context.get(key)
        return f"must have {words} {number_words(count)} {'item' if count == 1 else 'items'}"
    if kind == "string_pattern_mismatch":
        return _pattern_words(str(context.get("pattern", "")))
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not an argument of this action"
    message = str(error.get("msg") or "is not valid").removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


#: A SID's pattern (``^SM[0-9a-fA-F]{32}$``, ``^(SM|MM)[0-9a-fA-F]{32}$``) and its prefixes.
_SID_PATTERN = re.compile(r"\^\(?((?:[A-Z]{2}\|)*[A-Z]{2})\)?\[0-9a-fA-F\]\{32\}\$")


def _pattern_words(pattern: str) -> str:
    """What a pattern wants, in words where it is a known shape (a SID), else the pattern."""
    sid = _SID_PATTERN.fullmatch(pattern)
    if sid:
        return f"must be {' or '.join(sid.group(1).split('|'))} followed by 32 hex characters"
    return f"must match {pattern}"
