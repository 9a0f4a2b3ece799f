"""Building requests, without sending them.

A resource describes a call as a :class:`RequestSpec` (method, product, path, parameters by
Twilio's names). :func:`prepare` turns it into a :class:`PreparedRequest` for one connection:
the absolute URL, parameters encoded the way Twilio expects, and the timeout and retry policy
that apply. :func:`httpx_arguments` is the last step, the keyword arguments for
``httpx.Client.build_request``.

Encoding rules (Twilio's, and what its SDKs do, minus their traps):

- ``None`` is dropped: "not given", so Twilio applies its default.
- A list or tuple becomes the same key repeated (``MediaUrl``, ``StatusCallbackEvent``).
- ``True``/``False`` become ``true``/``false``.
- A ``datetime`` must be timezone-aware and is sent in UTC as ``YYYY-MM-DDTHH:MM:SSZ``; the
  official SDK sends the local wall-clock time with a ``Z``, which silently shifts a filter by
  the UTC offset. A ``date`` is sent as ``YYYY-MM-DD``.
- A mapping becomes one JSON-encoded value (``RateLimits``, ``ChannelConfiguration``,
  ``ContentVariables``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Literal
from urllib.parse import urlencode

from twiliokit.errors import ValidationError
from twiliokit.http.policies import RetryPolicy, Timeout
from twiliokit.http.products import Routing, forwarded_host, resolve_url

__all__ = [
    "IDEMPOTENT_METHODS",
    "FileValue",
    "Params",
    "PreparedRequest",
    "RequestSpec",
    "ResponseType",
    "encode_params",
    "encode_value",
    "httpx_arguments",
    "prepare",
]

#: Methods whose repetition has the same effect as doing them once (RFC 9110 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_METHODS = IDEMPOTENT_METHODS | {"POST", "PATCH"}

#: Parameters whose values never appear in errors (passwords, one-time codes).
_SECRET_PARAMS = frozenset({"SipAuthPassword", "CustomCode", "Code", "AuthToken", "Password"})
_REDACTED = "<redacted>"

#: A multipart file: raw bytes, or (filename, bytes) or (filename, bytes, content type). Files
#: are held in memory so that a retried request can send them again.
FileValue = bytes | tuple[str, bytes] | tuple[str, bytes, str]
#: Parameters by Twilio's names: a mapping, or pairs (to repeat a key or keep an order).
Params = Mapping[str, Any] | Iterable[tuple[str, Any]]
ResponseType = Literal["json", "text", "binary"]


def _is_decimal(value: Any) -> bool:
    # A Decimal exists only if someone imported decimal: looking in sys.modules spares every
    # send the import (cold start is a measured goal).
    decimal = sys.modules.get("decimal")
    return decimal is not None and isinstance(value, decimal.Decimal)


def encode_value(name: str, value: Any) -> list[str]:
    """The string form(s) of one parameter value (several for a list, none for ``None``)."""
    if value is None:
        return []
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, str):
        return [value]
    if isinstance(value, int | float) or _is_decimal(value):
        return [str(value)]
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(
                f"{name} is a naive datetime: Twilio filters are in UTC, so say which time "
                "zone you mean",
                field=name,
                hint="Pass an aware datetime, e.g. datetime(2024, 3, 1, 12, tzinfo=UTC), or a "
                "'YYYY-MM-DD' date.",
            )
        try:
            return [value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
        except OverflowError:  # its offset takes it before year 1 or after 9999 in UTC
            raise ValidationError(
                f"{name} is out of range: {value.isoformat()} is not a time between the years "
                "1 and 9999 in UTC",
                field=name,
            ) from None
    if isinstance(value, date):
        return [value.isoformat()]
    if isinstance(value, Mapping):
        import json  # only for mapping values; kept off the import path of every send

        return [json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)]
    if isinstance(value, Sequence | set | frozenset) and not isinstance(value, bytes | bytearray):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [text for item in items for text in encode_value(name, item)]
    raise ValidationError(
        f"{name} has a value of type {type(value).__name__} that cannot be sent to Twilio",
        field=name,
    )


def encode_params(params: Params | None) -> tuple[tuple[str, str], ...]:
    """``params`` as ``(name, value)`` pairs in order, with the encoding rules above."""
    if params is None:
        return ()
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str]] = []
    for name, value in items:
        if not isinstance(name, str) or not name:
            raise ValidationError(f"parameter name {name!r} must be a non-empty string")
        pairs.extend((name, text) for text in encode_value(name, value))
    return tuple(pairs)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One Twilio API call, described by Twilio's names, independent of any connection."""

    method: str
    #: The product whose host serves ``path`` (``api``, ``verify``, ``lookups``, ``content``).
    product: str
    #: A path on the product's host (``/2010-04-01/...``), or a full ``*.twilio.com`` URL.
    path: str
    query: tuple[tuple[str, str], ...] = ()
    #: Form fields (``application/x-www-form-urlencoded``, or multipart with ``files``).
    form: tuple[tuple[str, str], ...] | None = None
    #: A JSON body (the few Twilio APIs that take one, such as Content create).
    json: Any = None
    files: tuple[tuple[str, FileValue], ...] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    #: Safe to send again after a lost answer. Defaults to the method's HTTP semantics; an
    #: update that only sets fields is idempotent even though it is a POST.
    idempotent: bool | None = None
    #: How to find out whether this request took effect if the answer is lost; ``{sent_at}``
    #: is replaced by the UTC time the attempt started.
    check: str | None = None
    timeout: Timeout | None = None
    retry: RetryPolicy | None = None
    response_type: ResponseType = "json"


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A request ready to send: absolute URL, encoded parameters, the policy that applies."""

    method: str
    url: str
    product: str
    #: The base URL of ``product`` for this connection (to resolve relative page links).
    base_url: str
    query: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...] | None
    json: Any
    files: tuple[tuple[str, FileValue], ...] | None
    headers: tuple[tuple[str, str], ...]
    idempotent: bool
    timeout: Timeout
    retry: RetryPolicy
    check: str | None = None
    response_type: ResponseType = "json"

    @property
    def target(self) -> str:
        """``METHOD url`` for messages (no query string: it may hold phone numbers)."""
        return f"{self.method} {self.url.split('?', 1)[0]}"

    def params_for_errors(self) -> dict[str, Any]:
        """The form fields (or query) as a dict for error reports, secrets masked."""
        pairs = self.form if self.form is not None else self.query
        out: dict[str, Any] = {}
        for name, value in pairs:
            shown = _REDACTED if name in _SECRET_PARAMS else value
            if name in out:
                previous = out[name]
                out[name] = [*previous, shown] if isinstance(previous, list) else [previous, shown]
            else:
                out[name] = shown
        return out


def prepare(
    spec: RequestSpec,
    routing: Routing,
    *,
    timeout: Timeout,
    retry: RetryPolicy,
) -> PreparedRequest:
    """``spec`` ready to send over a connection routed by ``routing``.

    ``timeout`` and ``retry`` are the client's defaults; the spec's own win.
    """
    method = spec.method.strip().upper()
    if method not in _METHODS:
        raise ValidationError(
            f"method {spec.method!r} is not one of {', '.join(sorted(_METHODS))}", field="method"
        )
    url, product = resolve_url(spec.product, spec.path, routing)
    if spec.json is not None and (spec.form is not None or spec.files is not None):
        raise ValidationError("send either form data or a JSON body, not both", field="json")
    for name, _ in spec.headers:
        if name.lower() in {"authorization", "host", "content-length"}:
            raise ValidationError(
                f"the {name} header is set by twiliokit and cannot be overridden",
                field="headers",
            )
    idempotent = spec.idempotent if spec.idempotent is not None else method in IDEMPOTENT_METHODS
    headers = spec.headers
    forwarded = forwarded_host(product, routing)
    if forwarded and not any(name.lower() == "x-forwarded-host" for name, _ in headers):
        headers = (*headers, ("X-Forwarded-Host", forwarded))
    return PreparedRequest(
        method=method,
        url=url,
        product=product,
        base_url=resolve_url(product, "/", routing)[0].rstrip("/"),
        query=spec.query,
        form=spec.form,
        json=spec.json,
        files=spec.files,
        headers=headers,
        idempotent=idempotent,
        timeout=spec.timeout or timeout,
        retry=spec.retry or retry,
        check=spec.check,
        response_type=spec.response_type,
    )


def httpx_arguments(request: PreparedRequest) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client.build_request``, all but the timeout (which the
    transport converts from ``request.timeout``).

    A plain form body is encoded here rather than by httpx so that a repeated key keeps its
    position among the others (httpx groups a mapping's values per key).
    """
    headers = dict(request.headers)
    kwargs: dict[str, Any] = {"method": request.method, "url": request.url}
    if request.query:
        kwargs["params"] = list(request.query)
    if request.files is not None:
        data: dict[str, list[str]] = {}
        for name, value in request.form or ():
            data.setdefault(name, []).append(value)
        kwargs["data"] = data
        kwargs["files"] = [(name, value) for name, value in request.files]
    elif request.form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        kwargs["content"] = urlencode(request.form).encode("ascii")
    elif request.json is not None:
        kwargs["json"] = request.json
    if headers:
        kwargs["headers"] = headers
    return kwargs
