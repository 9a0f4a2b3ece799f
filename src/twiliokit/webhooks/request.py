"""Request normalisation (pure): the URL Twilio signed, the form fields, the signature check.

A framework adapter fills in a :class:`RawRequest` (the bytes and headers as received); the
functions here decide everything else without I/O:

- :func:`signed_url`: the URL Twilio requested. From ``public_url`` when configured; else from
  ``X-Forwarded-Proto``/``-Host``/``-Port`` *only* when the peer is a trusted proxy (the value
  that proxy set: the last one in a list); else from the request itself. The path and query
  are kept exactly as sent (still percent-encoded), because that is what Twilio signed.
- :func:`parse_form`: decoded form fields as ``(name, value)`` pairs, repeated names kept.
- :func:`check_signature`: whether ``X-Twilio-Signature`` proves the request came from
  Twilio, and, when it does not, reasons a person can act on (never the body).
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from twiliokit.errors import ValidationError
from twiliokit.webhooks.settings import WebhookSettings
from twiliokit.webhooks.signature import (
    compute_signature,
    explain_signature_failure,
    hmac_digest,
    validate_signature,
)

__all__ = [
    "FORM_TYPE",
    "JSON_TYPE",
    "Pairs",
    "RawRequest",
    "SignatureCheck",
    "check_signature",
    "forwarded_url",
    "media_type",
    "parse_form",
    "signed_url",
]

Pairs = tuple[tuple[str, str], ...]

FORM_TYPE: Final = "application/x-www-form-urlencoded"
JSON_TYPE: Final = "application/json"
#: More form fields than any Twilio webhook sends (an MMS with 10 media has about 50).
MAX_FIELDS: Final = 1000

_HOST: Final = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::[0-9]{1,5})?")
_PORT: Final = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True, slots=True)
class RawRequest:
    """One HTTP request as the server received it.

    ``headers`` have lower-case names (a repeated header joined with ``", "``); ``path`` is the
    raw, still percent-encoded path; ``query`` the raw query string without ``?``; ``peer`` the
    IP address of the connection's other end (``None`` on a unix socket).
    """

    method: str
    scheme: str
    path: str
    query: str
    headers: Mapping[str, str]
    peer: str | None
    body: bytes = field(default=b"", repr=False)
    server: str | None = None
    """``host:port`` the connection arrived at, used only when there is no Host header."""

    @property
    def signature(self) -> str | None:
        """The ``X-Twilio-Signature`` header."""
        return self.headers.get("x-twilio-signature")

    @property
    def idempotency_token(self) -> str | None:
        """The ``I-Twilio-Idempotency-Token`` header (the same on Twilio's retries)."""
        token = self.headers.get("i-twilio-idempotency-token", "").strip()
        return token or None

    @property
    def content_type(self) -> str:
        """The media type of the body, lower case, without parameters."""
        return media_type(self.headers.get("content-type"))


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return (content_type or "").partition(";")[0].strip().lower()


def _last(value: str | None) -> str | None:
    """The value the nearest proxy set: the last of a comma-separated list."""
    if value is None:
        return None
    last = value.rpartition(",")[2].strip()
    return last or None


def _direct_base(request: RawRequest) -> str:
    host = request.headers.get("host", "").strip()
    if not _HOST.fullmatch(host):
        host = request.server or "localhost"
    return f"{request.scheme}://{host}"


def _forwarded_base(request: RawRequest) -> str | None:
    """The scheme and host from ``X-Forwarded-*``, or ``None`` if there are none (or junk)."""
    headers = request.headers
    proto = _last(headers.get("x-forwarded-proto"))
    host = _last(headers.get("x-forwarded-host"))
    port = _last(headers.get("x-forwarded-port"))
    if proto is None and host is None and port is None:
        return None
    scheme = (proto or request.scheme).lower()
    if scheme not in {"http", "https"}:
        return None
    netloc = host or headers.get("host", "").strip()
    if not _HOST.fullmatch(netloc) or (port is not None and not _PORT.fullmatch(port)):
        return None
    if port is not None:
        netloc = _without_port(netloc) + f":{port}"
    elif host is None and proto is not None:
        # Only the scheme was forwarded: a port in Host belongs to the internal hop.
        netloc = _without_port(netloc)
    return f"{scheme}://{netloc}"


def _without_port(netloc: str) -> str:
    if netloc.startswith("["):
        return netloc.partition("]")[0] + "]"
    return netloc.partition(":")[0]


def _target(request: RawRequest) -> str:
    path = request.path or "/"
    return path + (f"?{request.query}" if request.query else "")


def signed_url(request: RawRequest, settings: WebhookSettings) -> str:
    """The URL Twilio requested (and signed), as well as this server can tell."""
    if settings.public_url is not None:
        return settings.public_url + _target(request)
    if settings.is_trusted_proxy(request.peer):
        forwarded = _forwarded_base(request)
        if forwarded is not None:
            return forwarded + _target(request)
    return _direct_base(request) + _target(request)


def forwarded_url(request: RawRequest) -> str | None:
    """The URL the ``X-Forwarded-*`` headers describe, trusted or not (for diagnostics)."""
    forwarded = _forwarded_base(request)
    return None if forwarded is None else forwarded + _target(request)


def parse_form(body: bytes) -> Pairs:
    """Decoded ``application/x-www-form-urlencoded`` fields, in order, repeats kept.

    Raises :class:`ValidationError` (field ``body``) when the body is not UTF-8 form data.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            "the body is not UTF-8 text", field="body", hint="Send form-encoded UTF-8."
        ) from None
    # Hand-written rather than urllib.parse.parse_qsl: on the webhook hot path the stdlib
    # parser (which unquotes every name and value, escaped or not) was the largest single
    # CPU cost per request. Same result: "+" is a space, %XX is UTF-8, a field needs "=".
    fields = text.strip().strip("&").split("&") if text.strip() else []
    if len(fields) > MAX_FIELDS:
        raise ValidationError(f"the body has more than {MAX_FIELDS} form fields", field="body")
    pairs = []
    try:
        for field_text in fields:
            name, equals, value = field_text.partition("=")
            if not equals:
                raise ValueError(field_text)
            if "%" in field_text or "+" in field_text:  # most fields have nothing to decode
                name, value = _unescape(name), _unescape(value)
            pairs.append((name, value))
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(
            "the body is not form-encoded (name=value&name=value)",
            field="body",
            hint=f"Twilio sends {FORM_TYPE}; check what is posting here.",
        ) from None
    return tuple(pairs)


def _unescape(text: str) -> str:
    """``unquote_plus(text, errors="strict")``, several times faster on short values.

    By hand because the stdlib's version (a regular expression, then a bytes join per escaped
    run) cost more than the rest of parsing a webhook: "+" is a space, ``%XX`` a byte (an
    invalid escape stays as written), and the bytes must be UTF-8.
    """
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    first, *rest = text.split("%")
    decoded = bytearray(first.encode())
    for part in rest:
        byte = _ESCAPES.get(part[:2])
        if byte is None:
            decoded += b"%" + part.encode()
        else:
            decoded += byte
            decoded += part[2:].encode()
    return decoded.decode("utf-8")


#: Every two-digit hex escape (any case) -> its byte.
_ESCAPES: Final = {
    f"{a}{b}": bytes([int(a + b, 16)])
    for a in "0123456789abcdefABCDEF"
    for b in "0123456789abcdefABCDEF"
}


def _signed_exactly(url: str, params: Pairs, signature: str | None, token: str) -> bool:
    """The hot path: the signature matches the URL exactly as rebuilt (what Twilio sends
    almost always), compared in constant time. A miss goes on to the full validator, which
    also tries the URL with and without its port."""
    if not signature:
        return False
    try:
        if len({name for name, _ in params}) == len(params):
            # No repeated names (every webhook Twilio sends): sorting the pairs sorts by name,
            # which is all compute_signature's grouping of repeated values does otherwise.
            payload = url + "".join([name + value for name, value in sorted(params)])
            digest = hmac_digest(token, payload)
            expected = base64.b64encode(digest)
        else:
            expected = compute_signature(url, params, token).encode()
        return hmac.compare_digest(expected, signature.encode())
    except (TypeError, ValueError, UnicodeError):
        return False


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The outcome of checking a request's signature."""

    valid: bool
    url: str
    """The URL the signature was checked against."""
    reasons: tuple[str, ...] = ()
    """Why it failed, for people (empty when valid)."""


def check_signature(
    request: RawRequest,
    settings: WebhookSettings,
    *,
    params: Pairs | None,
    explain: bool = True,
) -> SignatureCheck:
    """Check ``X-Twilio-Signature`` for a request whose form fields are ``params``.

    ``params`` are the decoded body fields of a form POST, ``()`` for a GET (its parameters are
    in the signed URL) and ``None`` when the body is not form data (then the URL must carry
    ``bodySHA256`` of the raw body). Without an auth token the check fails. With
    ``explain`` the reasons of a failure are worked out (costlier: only on failure).
    """
    url = signed_url(request, settings)
    token = settings.auth_token
    if not token:
        return SignatureCheck(False, url, ("no auth token is configured to check signatures",))
    # The raw body matters only when Twilio hashed it into the URL, or when it is not form
    # data (then the validator refuses it, since the signature does not cover it).
    body = request.body if params is None or "bodySHA256" in request.query else None
    signed_params = () if params is None else params
    if body is None and _signed_exactly(url, signed_params, request.signature, token):
        return SignatureCheck(True, url)
    if validate_signature(
        url=url, params=signed_params, signature=request.signature, auth_token=token, body=body
    ):
        return SignatureCheck(True, url)
    if not explain:
        return SignatureCheck(False, url)
    candidates = [_direct_base(request) + _target(request)]
    forwarded = forwarded_url(request)
    if forwarded is not None:
        candidates.append(forwarded)
    reasons = explain_signature_failure(
        url=url,
        params=signed_params,
        signature=request.signature,
        auth_token=token,
        body=body,
        candidate_urls=[c for c in candidates if c != url],
    )
    if (
        forwarded is not None
        and settings.public_url is None
        and not settings.is_trusted_proxy(request.peer)
    ):
        reasons.append(
            f"X-Forwarded-* headers came from {request.peer or 'a unix socket'}, which is not a "
            "trusted proxy, so they were ignored; if that is your proxy, add it to "
            "trusted_proxies (--trusted-proxy), or set --public-url"
        )
    return SignatureCheck(False, url, tuple(reasons))
