"""Raw requests: any Twilio endpoint, with the same routing, retries and errors as the typed
resources. Used by the ``raw_request`` action.

The path is relative to a product's host (``/2010-04-01/Accounts/AC.../Messages.json`` on
``api``), or a full ``https://*.twilio.com/...`` URL; any other host is refused, because the
request carries the account's credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twiliokit.errors import TwilioError, ValidationError
from twiliokit.http.policies import RetryPolicy, Timeout
from twiliokit.http.request import (
    FileValue,
    Params,
    PreparedRequest,
    RequestSpec,
    ResponseType,
    encode_params,
)
from twiliokit.resources._base import Operation

if TYPE_CHECKING:
    from twiliokit.http.errors import Reply

__all__ = ["RawResponse", "request"]

_RESPONSE_TYPES = ("json", "text", "binary")


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A successful answer: ``data`` is decoded JSON (``None`` for an empty body), text or
    bytes, as asked by ``response_type``."""

    status_code: int
    headers: dict[str, str] = field(repr=False)
    data: Any
    request_id: str | None = None
    url: str = ""


def _parse(response_type: ResponseType) -> Callable[[Reply, PreparedRequest], RawResponse]:
    def parse(reply: Reply, request: PreparedRequest) -> RawResponse:
        # Imported here, with the first answer: the client imports this module, and building
        # a message needs neither json nor the error helpers (cold import is a measured goal).
        import json

        from twiliokit.http.errors import request_id

        content = reply.content
        data: Any
        if response_type == "binary":
            data = content
        elif response_type == "text":
            data = content.decode("utf-8", errors="replace")
        elif not content.strip():
            data = None
        else:
            try:
                data = json.loads(content)
            except (ValueError, UnicodeDecodeError) as exc:
                raise TwilioError(
                    f"Twilio answered {reply.status_code} with a body that is not JSON",
                    status=reply.status_code,
                    request_id=request_id(reply.headers),
                    method=request.method,
                    url=request.url.split("?", 1)[0],
                    hint="Ask for response_type='text' or 'binary' (media files, TwiML, XML).",
                ) from exc
        return RawResponse(
            status_code=reply.status_code,
            headers=dict(reply.headers.items()),
            data=data,
            request_id=request_id(reply.headers),
            url=request.url,
        )

    return parse


def request(
    method: str,
    path_or_url: str,
    *,
    product: str = "api",
    params: Params | None = None,
    data: Params | None = None,
    json: Any = None,
    json_body: Any = None,
    files: Mapping[str, FileValue] | None = None,
    headers: Mapping[str, str] | None = None,
    response_type: ResponseType = "json",
    timeout: Timeout | float | None = None,
    retry: RetryPolicy | None = None,
    idempotent: bool | None = None,
) -> Operation[RawResponse]:
    """Any Twilio endpoint: ``path_or_url`` is a path on ``product``'s host or a full
    ``https://*.twilio.com`` URL (other hosts are refused). ``params`` go in the query string,
    ``data`` in a form body (multipart when ``files`` are given), ``json`` as JSON
    (``json_body`` is its older name). Parameter values follow the same encoding as the typed
    resources (lists repeat the key, datetimes go out in UTC). Error answers raise like every
    other call.

    ``idempotent`` defaults to the method's HTTP semantics (POST is not): a POST whose answer
    is lost raises :class:`~twiliokit.errors.UnknownOutcomeError` instead of being re-sent.
    """
    if response_type not in _RESPONSE_TYPES:
        raise ValidationError(
            f"response_type must be one of {', '.join(_RESPONSE_TYPES)}, not {response_type!r}",
            field="response_type",
        )
    if json_body is not None:
        if json is not None:
            raise ValidationError("give json or json_body (its older name), not both", field="json")
        json = json_body
    if json is not None and (data is not None or files):
        raise ValidationError("send either data (form) or json, not both", field="json")
    header_pairs: tuple[tuple[str, str], ...] = ()
    if headers:
        for name, value in headers.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise ValidationError("header names and values must be strings", field="headers")
        header_pairs = tuple(headers.items())
    form = encode_params(data) if data is not None or files else None
    spec = RequestSpec(
        method=method,
        product=product,
        path=path_or_url,
        query=encode_params(params),
        form=form,
        json=json,
        files=tuple(files.items()) if files else None,
        headers=header_pairs,
        idempotent=idempotent,
        timeout=Timeout.of(timeout) if timeout is not None else None,
        retry=retry,
        response_type=response_type,
    )
    return Operation(spec, _parse(response_type))
