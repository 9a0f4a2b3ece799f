"""Reading a request's JSON body and checking its JSON types: what the action routes take in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import Request

from twiliokit.errors import ValidationError
from twiliokit.problem_words import json_kind
from twiliokit.server.json_types import MAX_DEPTH, check_json_types, too_deep

__all__ = [
    "MAX_BODY_BYTES",
    "TooLargeError",
    "check_types",
    "json_body",
    "keyed",
    "schema_hint",
]

#: The largest request body accepted: action arguments are small.
MAX_BODY_BYTES = 1024 * 1024


class TooLargeError(Exception):
    """The body is over MAX_BODY_BYTES (answered as a 413)."""


def keyed(request: Request, arguments: Any) -> Any:
    """The arguments with the ``Idempotency-Key`` header as ``idempotency_key`` (the HTTP
    convention for retry-safe POSTs), unless the arguments name one themselves."""
    key = request.headers.get("idempotency-key")
    if key is None or not isinstance(arguments, Mapping) or "idempotency_key" in arguments:
        return arguments
    return {**arguments, "idempotency_key": key}


async def json_body(request: Request) -> dict[str, Any]:
    """The request body, a JSON object (empty: ``{}``), or a ValidationError saying what is
    wrong (not JSON, or JSON but not an object: ``null``, an array...)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise TooLargeError
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise TooLargeError
    if not raw.strip():
        return {}
    try:
        document = json.loads(raw)
    except RecursionError:  # deeper than json.loads goes
        raise _too_deep() from None
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"the request body is not valid JSON ({exc.msg.removesuffix(' at')} at line "
            f"{exc.lineno} column "
            f"{exc.colno})",
            field="body",
            hint='Send a JSON object, e.g. {"to": "+14155552671", "body": "Hi"}.',
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(
            "the request body is not UTF-8 JSON",
            field="body",
            hint='Send a JSON object, e.g. {"to": "+14155552671", "body": "Hi"}.',
        ) from None
    if too_deep(document):
        raise _too_deep()
    if not isinstance(document, dict):
        # null is not "no arguments": a client that sends it has lost its arguments somewhere.
        raise ValidationError(
            f"the request body must be a JSON object, not {json_kind(document)}",
            field="body",
            hint='Send a JSON object, e.g. {"to": "+14155552671", "body": "Hi"}, or no body '
            "for an action without required arguments.",
        )
    return document


def _too_deep() -> ValidationError:
    return ValidationError(
        f"the request body nests arrays and objects more than {MAX_DEPTH} levels deep",
        field="body",
        hint="Action arguments are flat or a few levels deep: send them as the action's "
        "schema shows (GET /v1/actions/{name}).",
    )


def schema_hint(action: str | None = None) -> str:
    """The HTTP API's pointer to a schema: the ``action``'s own, or the list of them."""
    where = f"GET /v1/actions/{action}" if action else "GET /v1/actions"
    return f"See the input_schema in {where} or /openapi.json."


def check_types(document: dict[str, Any], schema: dict[str, Any], within: str) -> None:
    """:func:`check_json_types` with the HTTP API's pointer to the schemas."""
    check_json_types(document, schema, within=within, hint=schema_hint())
