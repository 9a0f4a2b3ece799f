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

from twiliokit.ledger import LedgerStore, open_ledger
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

    app = Starlette(routes=receiver.routes, lifespan=lifespan)
    app.state.receiver = receiver
    return app
