"""Validate emulator responses against Twilio's own OpenAPI documents (vendored in
tests/conformance/oai/, trimmed upstream copies; see SOURCE.md there)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

OAI_DIR = Path(__file__).resolve().parents[1] / "conformance" / "oai"
_PRODUCTS = (
    ("/2010-04-01/", "twilio_api_v2010.json", "https://api.twilio.com"),
    ("/v2/PhoneNumbers", "twilio_lookups_v2.json", "https://lookups.twilio.com"),
    ("/v2/", "twilio_verify_v2.json", "https://verify.twilio.com"),
    ("/v1/Content", "twilio_content_v1.json", "https://content.twilio.com"),
    ("/v1/Services", "twilio_messaging_v1.json", "https://messaging.twilio.com"),
)


@functools.cache
def _spec(filename: str) -> OpenAPI:
    return OpenAPI.from_file_path(str(OAI_DIR / filename))


@dataclass
class _Request:
    host_url: str
    path: str
    method: str
    content_type: str
    body: bytes | None
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass
class _Response:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes


def product_of(path: str) -> tuple[str, str]:
    for prefix, filename, host in _PRODUCTS:
        if path.startswith(prefix):
            return filename, host
    raise AssertionError(f"no Twilio OpenAPI document covers {path}")


def assert_conforms(response: httpx.Response) -> Any:
    """Raise unless ``response`` is what Twilio's OpenAPI document says that operation returns.
    Returns the parsed JSON body."""
    request = response.request
    url = urlsplit(str(request.url))
    filename, host = product_of(url.path)
    body = request.content or None
    req = _Request(
        host_url=host,
        path=url.path,
        method=request.method.lower(),
        content_type=request.headers.get("content-type", "application/x-www-form-urlencoded"),
        body=body,
        parameters=RequestParameters(
            query=ImmutableMultiDict(parse_qsl(url.query, keep_blank_values=True))
        ),
    )
    resp = _Response(
        status_code=response.status_code,
        content_type=response.headers.get("content-type", "application/json"),
        headers=Headers(list(response.headers.items())),
        data=response.content,
    )
    _spec(filename).validate_response(req, resp)
    return response.json() if response.content else None
