"""Settable resource fields from a form: one table per resource (form parameter -> attribute
and how to read it), validated in full before anything changes. Pure, no I/O.

IncomingPhoneNumbers and Messaging Services share it: URLs (an empty value clears one; not
http(s) is Twilio's 11100), methods (GET or POST), booleans, and names up to 64 characters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.web import TRUE_WORDS, Form

#: Reads one parameter (present in the form) and returns the attribute's new value.
Reader = Callable[[Form, str], Any]
Table = Mapping[str, tuple[str, Reader]]
MAX_NAME: Final = 64
_METHODS: Final = frozenset({"GET", "POST"})


def url_value(form: Form, name: str) -> str | None:
    value = form.get(name) or ""
    if value == "":
        return None  # an empty value clears the URL, as on Twilio
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ApiError(400, 11100, f"Invalid URL format for {name}: {value!r}. Use an http(s) URL.")
    return value


def method_value(form: Form, name: str) -> str:
    value = form.get(name) or ""
    method = value.strip().upper()
    if method not in _METHODS:
        raise ApiError(400, 20001, f"Invalid {name}: {value!r}. Use GET or POST.")
    return method


_FALSE: Final = frozenset({"false", "0", "no"})


def bool_value(form: Form, name: str) -> bool:
    """true or false (Twilio's 20001 otherwise: ``maybe`` must not switch a setting off)."""
    value = (form.get(name) or "").strip()
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in _FALSE:
        return False
    raise ApiError(400, 20001, f"Invalid {name}: {value!r}. Use true or false.")


def name_value(form: Form, name: str) -> str:
    """A friendly name: at most 64 characters (Twilio's 20002 beyond); may be empty."""
    value = form.get(name) or ""
    if len(value) > MAX_NAME:
        raise ApiError(
            400, 20002, f"Invalid {name}: at most {MAX_NAME} characters, got {len(value)}"
        )
    return value


def choice_reader(allowed: tuple[str, ...]) -> Reader:
    """A reader accepting one of ``allowed`` (Twilio's 20001 otherwise)."""

    def read(form: Form, name: str) -> str:
        value = (form.get(name) or "").strip()
        if value not in allowed:
            raise ApiError(
                400, 20001, f"Invalid {name}: {value!r}. Use one of {', '.join(allowed)}."
            )
        return value

    return read


def int_reader(low: int, high: int) -> Reader:
    """A reader accepting a whole number in [low, high] (Twilio's 20001 otherwise)."""

    def read(form: Form, name: str) -> int:
        raw = (form.get(name) or "").strip()
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise ApiError(
                400, 20001, f"Invalid {name}: {raw!r}. Use a whole number from {low} to {high}."
            )
        return value

    return read


def apply_form(record: Any, form: Form, table: Table) -> None:
    """Read every parameter of ``table`` present in ``form`` first (raising Twilio's error on a
    bad one, so a refused request changes nothing), then set them all on ``record``."""
    changes = {attr: read(form, param) for param, (attr, read) in table.items() if param in form}
    for attribute, value in changes.items():
        setattr(record, attribute, value)
