"""``create_receiver_app``: the webhook receiver as an ASGI app of its own.

::

    app = create_receiver_app(WebhookSettings(auth_token=...), "sqlite:///ledger.db", handlers)
    uvicorn.run(app)

To serve it beside other routes (the HTTP actions API, MCP), build a
:class:`~twiliokit.webhooks.receiver.WebhookReceiver` and put ``receiver.routes`` into the
bigger app, entering :func:`receiver_lifespan` from that app's lifespan: a mounted Starlette
app's own lifespan does not run.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Lifespan, Receive, Scope, Send

from twiliokit.ledger import LedgerStore, open_ledger
from twiliokit.webhooks.endpoint import WebhookEndpoint, _error
from twiliokit.webhooks.forward import Forwarder
from twiliokit.webhooks.handlers import Handlers
from twiliokit.webhooks.receiver import WebhookReceiver
from twiliokit.webhooks.settings import WebhookSettings

__all__ = ["create_receiver_app", "receiver_lifespan"]


@contextlib.asynccontextmanager
async def receiver_lifespan(
    receiver: WebhookReceiver, ledger: LedgerStore | str | None = None
) -> AsyncIterator[WebhookReceiver]:
    """Run ``receiver`` (forwarder, background handlers) for the life of the server.

    ``ledger`` given as a URL is opened (and migrated) here and closed afterwards; a store
    object is the caller's to close.
    """
    opened: LedgerStore | None = None
    if isinstance(ledger, str):
        opened = await open_ledger(ledger)
        receiver.ledger = opened
    elif ledger is not None:
        receiver.ledger = ledger
    try:
        await receiver.start()
        try:
            yield receiver
        finally:
            await receiver.aclose()
    finally:
        if opened is not None:
            await opened.close()


def create_receiver_app(
    settings: WebhookSettings,
    ledger: LedgerStore | str,
    handlers: Handlers | None = None,
    *,
    forwarder: Forwarder | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Starlette:
    """A Starlette app serving the five webhook routes (``app.state.receiver`` is the receiver).

    ``ledger`` is an open store (the caller closes it) or a ledger URL (opened at startup,
    closed at shutdown; ``memory://`` for a throwaway one).
    """
    receiver = WebhookReceiver(settings, None, handlers, forwarder=forwarder, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with receiver_lifespan(receiver, ledger):
            yield

    app = _ReceiverApp(receiver, lifespan)
    app.state.receiver = receiver
    return app


class _ReceiverApp(Starlette):
    """Starlette serving the receiver's routes, except that a request for exactly one of the
    five paths, with a method it takes, goes straight to its endpoint.

    A path it does not serve answers 404, a method a route does not take 405 with ``Allow``,
    both with the error object the receiver's own refusals use.

    Why: the router and the middleware stack (error and exception handlers, which have nothing
    to handle here: the endpoints answer every failure themselves) cost a noticeable share of a
    webhook's CPU time. Everything else (lifespan, 404, 405, HEAD, a trailing slash) is
    Starlette's, as before.
    """

    def __init__(self, receiver: WebhookReceiver, lifespan: Lifespan[Starlette]) -> None:
        endpoints = receiver.endpoints
        super().__init__(
            routes=receiver.routes,
            lifespan=lifespan,
            exception_handlers={HTTPException: _http_error},
        )
        self._direct: dict[tuple[str, str], WebhookEndpoint] = {
            (method, path): endpoint
            for path, endpoint in endpoints.items()
            for method in endpoint.methods
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self._direct.get((scope["method"], scope["path"]))
            if endpoint is not None:
                scope["app"] = self
                await endpoint(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = sorted(
            method.strip() for method in (exc.headers or {}).get("Allow", "").split(",")
        )
        message = f"{request.method} is not allowed on {request.url.path}; it takes " + (
            " and ".join(allowed)
        )
        headers = {"Allow": ", ".join(allowed)}
        return _error(405, "method_not_allowed", message, headers=headers)
    if exc.status_code == 404:
        message = f"there is no webhook endpoint {request.url.path}"
        paths = ", ".join(str(getattr(route, "path", "")) for route in request.app.routes)
        return _error(404, "not_found", message, hint=f"The webhook routes are {paths}.")
    return _error(exc.status_code, "http_error", str(exc.detail))
