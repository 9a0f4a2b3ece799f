"""Reading a request's JSON body and checking its JSON types: what the action routes take in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import Request

from twiliokit.errors import ValidationError
from twiliokit.server.json_types import json_kind, type_mismatch

__all__ = ["MAX_BODY_BYTES", "TooLargeError", "check_types", "json_body", "keyed"]

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
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"the request body is not valid JSON ({exc.msg} at line {exc.lineno} column "
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
    if not isinstance(document, dict):
        # null is not "no arguments": a client that sends it has lost its arguments somewhere.
        raise ValidationError(
            f"the request body must be a JSON object, not {json_kind(document)}",
            field="body",
            hint='Send a JSON object, e.g. {"to": "+14155552671", "body": "Hi"}, or no body '
            "for an action without required arguments.",
        )
    return document


def check_types(document: dict[str, Any], schema: dict[str, Any], within: str) -> None:
    """A ValidationError naming the first value whose JSON type ``schema`` does not allow
    (``"include_raw": 0``): the actions would coerce it as Python does, hiding the bug."""
    mismatch = type_mismatch(document, schema)
    if mismatch is not None:
        field = within + mismatch.path
        raise ValidationError(
            f"'{field}' must be {mismatch.expected}, not {mismatch.given}",
            field=field,
            hint="See the input_schema in GET /v1/actions/{name} or /openapi.json.",
        )
