"""One webhook route as a plain ASGI app, and the answers the receiver gives.

:class:`WebhookEndpoint` reads the request (:func:`read_request`: headers, the body up to
``max_body_bytes``, the path Twilio signed), hands it to the receiver's one handler, sends the
answer and tells the ``observe`` hook what became of it. It is not a Starlette request handler:
at thousands of webhooks a second, Starlette's per-request ``Request`` and exception-handling
wrappers cost about as much as everything the receiver itself does.

The answers are built here so that every kind of webhook says the same thing the same way:
the error object of every twiliokit surface (:func:`_error`), the empty TwiML answer (built
once and shared), and :class:`_DuplicateReply`, the marker by which metrics count a duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Final, Protocol

from starlette.datastructures import URL
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from twiliokit import twiml
from twiliokit.errors import TwiliokitError
from twiliokit.webhooks.request import RawRequest

if TYPE_CHECKING:
    from twiliokit.webhooks.settings import WebhookSettings

__all__ = ["EMPTY_TWIML", "WebhookEndpoint", "WebhookObserver", "read_request"]

#: What a webhook answers when there is nothing to say (also every duplicate's answer).
EMPTY_TWIML: Final = str(twiml.Response())
_XML: Final = "text/xml"

#: Told of each webhook request answered: ``(kind, result, seconds)`` (metrics).
WebhookObserver = Callable[[str, str, float], None]

_RouteHandler = Callable[[RawRequest], Awaitable[Response]]


class _Reject(Exception):
    """Stop handling a request and answer with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


class _Gone(Exception):
    """The client disconnected before its request body arrived: there is nobody to answer."""


class _Owner(Protocol):
    """What an endpoint reads of its receiver: the body bound and the metrics hook."""

    settings: WebhookSettings
    observe: WebhookObserver | None


class WebhookEndpoint:
    """One webhook route as an ASGI app: read the request, answer what the receiver says.

    ``methods`` are those the route takes (Starlette's ``Route`` answers 405 to others);
    ``kind`` names the route to the ``observe`` hook (the handler's name by default).
    """

    def __init__(
        self,
        receiver: _Owner,
        handle: _RouteHandler,
        methods: tuple[str, ...],
        kind: str = "",
    ):
        self.receiver = receiver
        self.handle = handle
        self.methods = methods
        self.kind = kind or getattr(handle, "__name__", "webhook")

    def __repr__(self) -> str:
        return f"WebhookEndpoint({self.kind!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        receiver = self.receiver
        observe = receiver.observe
        started = time.perf_counter() if observe is not None else 0.0
        try:
            raw = await read_request(scope, receive, receiver.settings.max_body_bytes)
        except _Reject as reject:
            response = reject.response
        except _Gone:
            return
        else:
            response = await self.handle(raw)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": response.raw_headers,
            }
        )
        await send({"type": "http.response.body", "body": response.body})
        if observe is not None:
            observe(self.kind, _result_of(response), time.perf_counter() - started)


async def read_request(scope: Scope, receive: Receive, limit: int) -> RawRequest:
    """The request as received (413 above ``limit`` bytes of body; :class:`_Gone` when the
    client left before sending its body)."""
    received = scope["headers"]
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in received}
    if len(headers) != len(received):  # a repeated header: its values joined, in order
        headers = {}
        for name, value in received:
            key, text = name.decode("latin-1").lower(), value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _Reject(_error(413, "payload_too_large", f"the body is over {limit} bytes"))
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _Reject(_error(413, "payload_too_large", f"the body is over {limit} bytes"))
        chunks.append(chunk)
        more = message.get("more_body", False)
    raw_path = scope.get("raw_path")
    # Some servers put the query in raw_path too; the query string is taken separately.
    path = (
        raw_path.partition(b"?")[0].decode("latin-1")
        if isinstance(raw_path, bytes) and raw_path
        else URL(scope=scope).path
    )
    client = scope.get("client")
    server = scope.get("server")
    return RawRequest(
        method=scope["method"],
        scheme=scope.get("scheme", "http"),
        path=path,
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        peer=client[0] if client else None,
        body=chunks[0] if len(chunks) == 1 else b"".join(chunks),
        server=f"{server[0]}:{server[1]}" if server and server[1] else None,
    )


def _result_of(response: Response) -> str:
    """What became of a webhook request, from the answer given (for metrics)."""
    if isinstance(response, _DuplicateReply):
        return "duplicate"
    status = response.status_code
    if status < 400:
        return "accepted"
    if status == 403:
        return "signature_failure"
    return "error" if status >= 500 else "rejected"


def _error(
    status: int,
    error_type: str,
    message: str,
    *,
    field: str | None = None,
    hint: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The error object every twiliokit surface answers with (as the HTTP API's): no Twilio
    ``code``/``status`` here; retryable only when the server itself failed (503)."""
    body = {
        "error": {
            "type": error_type,
            "message": message,
            "code": None,
            "status": None,
            "retryable": status >= 500,
            "hint": hint,
            "field": field,
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _bad_request(exc: TwiliokitError) -> JSONResponse:
    return _error(400, "validation_error", exc.message, field=exc.field, hint=exc.hint)


def _xml(text: str) -> Response:
    if text == EMPTY_TWIML:
        return _EMPTY_REPLY
    return Response(text, media_type=_XML)


#: The empty answer, built once: only its status, headers and body are ever read
#: (:class:`WebhookEndpoint` sends them), so every request can share it.
_EMPTY_REPLY: Final = Response(EMPTY_TWIML, media_type=_XML)
#: The answer to a JSON webhook (Verify) handled.
_EMPTY_OK: Final = Response(status_code=200)


class _DuplicateReply(Response):
    """The answer to a duplicate delivery: what the first copy got when it had no reply."""


_DUPLICATE_XML: Final = _DuplicateReply(EMPTY_TWIML, media_type=_XML)
_DUPLICATE_EMPTY: Final = _DuplicateReply(status_code=200)
