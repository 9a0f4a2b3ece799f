# The seeds' examples are kept verbatim, long lines and all.
# ruff: noqa: E501
"""The seed platforms' own answers (shared/seeds/*.txt beside the project), copied as fixtures, and checks
that an answer from twiliokit has their form: the same keys, nesting and JSON types.

Prismatic's and SB Agent Hub's seeds give example answers (kept verbatim below); SmythOS's and
the Books platform's give tables of output fields with their types (kept as tables).
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Prismatic "Get SMS" (seed 001_9d7a286841f5cfe5.txt), verbatim.
PRISMATIC_GET_SMS: dict[str, Any] = json.loads(
    """
{
"data": {
"body": "Testing",
"numSegments": "1",
"direction": "outbound-api",
"from": "+12345678901",
"to": "+10987654321",
"dateUpdated": "2025-05-14T22:42:25.000Z",
"price": null,
"errorMessage": null,
"uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json",
"accountSid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
"numMedia": "0",
"status": "queued",
"messagingServiceSid": null,
"sid": "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
"dateSent": null,
"dateCreated": "2025-05-14T22:42:25.000Z",
"errorCode": null,
"priceUnit": "USD",
"apiVersion": "2010-04-01",
"subresourceUris": {
"media": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/Media.json"
}
}
}
"""
)

#: Prismatic "Send SMS" (seed 003_d99e172d3c742067.txt), verbatim. (Its ``subresourceUris``
#: is an empty string there, an artefact of the docs generator: the Node library gives the
#: object seed 001 shows.)
PRISMATIC_SEND_SMS: dict[str, Any] = json.loads(
    """
{
"data": {
"accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
"apiVersion": "2010-04-01",
"body": "body",
"dateCreated": "2010-04-01T00:00:00.000Z",
"dateSent": "2010-04-01T00:00:00.000Z",
"dateUpdated": "2010-04-01T00:00:00.000Z",
"direction": "outbound-api",
"errorCode": null,
"errorMessage": null,
"from": "+15017122661",
"messagingServiceSid": "MGXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
"numMedia": "0",
"numSegments": "1",
"price": null,
"priceUnit": null,
"sid": "SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
"status": "sent",
"subresourceUris": "",
"to": "+15558675310",
"uri": "/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages/SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX.json"
}
}
"""
)

#: SB Agent Hub "sendSMS" response (seed 004_871d376b3b903cf9.txt), verbatim.
SB_AGENT_HUB_SEND_SMS: dict[str, Any] = {
    "messageSid": "SM...",
    "status": "queued",
    "dateCreated": "2025-01-15T10:30:00Z",
}

#: SmythOS output tables (seed 000_d801cfed91e9f702.txt): field -> type.
SMYTHOS_SEND: dict[str, str] = {"messageSID": "string", "status": "string", "Response": "object"}
SMYTHOS_CREATE_RATE_LIMIT: dict[str, str] = {"rateLimitSID": "string", "Response": "object"}
SMYTHOS_LIST_RATE_LIMITS: dict[str, str] = {"rateLimits": "array"}
SMYTHOS_FETCH_RATE_LIMIT: dict[str, str] = {
    "description": "string",
    "url": "string",
    "Response": "object",
}

#: The Books platform's "Twilio sms message" concept (seed 002_6da870e753563f21.txt), in its
#: order: field -> type.
BOOKS_SMS_MESSAGE: dict[str, str] = {
    "sid": "optional[text]",
    "body": "optional[text]",
    "num_segments": "optional[text]",
    "sender_number": "optional[text]",
    "recipient_number": "optional[text]",
    "price": "optional[number]",
    "account_sid": "text",
    "num_media": "number",
    "status": "optional[text]",
    "messaging_service_sid": "text",
    "date_sent": "optional[datetime]",
    "date_created": "optional[datetime]",
    "date_updated": "optional[datetime]",
    "price_unit": "text",
    "error_code": "optional[number]",
    "error_message": "optional[text]",
}

_JS_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def same_form(answer: Any, example: Any, path: str = "$") -> list[str]:
    """How ``answer`` differs in form from the seed's ``example``: keys (recursively), JSON
    types where both are non-null, and the date format the example uses. Empty: the same."""
    problems: list[str] = []
    if isinstance(example, dict) and isinstance(answer, dict):
        if set(answer) != set(example):
            problems.append(
                f"{path}: keys differ: extra {sorted(set(answer) - set(example))}, "
                f"missing {sorted(set(example) - set(answer))}"
            )
        for key in set(answer) & set(example):
            problems += same_form(answer[key], example[key], f"{path}.{key}")
        return problems
    if answer is None or example is None or example == "":
        return problems
    if _kind(answer) != _kind(example):
        problems.append(f"{path}: {_kind(answer)} where the seed has {_kind(example)}")
    elif isinstance(example, str):
        for pattern in (_JS_DATE, _ISO_Z):
            if pattern.match(example) and not pattern.match(answer):
                problems.append(f"{path}: {answer!r} is not written like {example!r}")
    return problems


_TABLE_KINDS = {
    "string": {"string"},
    "object": {"object"},
    "array": {"array"},
    "text": {"string"},
    "number": {"number"},
    "datetime": {"string"},
}


def fits_table(answer: dict[str, Any], table: dict[str, str]) -> list[str]:
    """How ``answer`` differs from a seed's table of output fields (exactly those keys, each
    of its type; ``optional[...]`` allows null). Empty: it fits."""
    problems: list[str] = []
    if list(answer) != list(table) and set(answer) != set(table):
        problems.append(f"keys differ: {sorted(answer)} vs {sorted(table)}")
    for key, declared in table.items():
        value = answer.get(key)
        optional = declared.startswith("optional[")
        base = declared.removeprefix("optional[").removesuffix("]")
        if value is None:
            if not optional:
                problems.append(f"{key}: null, but the seed says {declared}")
            continue
        if _kind(value) not in _TABLE_KINDS[base]:
            problems.append(f"{key}: {_kind(value)} where the seed says {declared}")
        if base == "datetime" and not _ISO.match(value):
            problems.append(f"{key}: {value!r} is not an ISO 8601 datetime")
    return problems
