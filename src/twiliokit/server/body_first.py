"""An ASGI wrapper that reads a request's body before the app runs, so that a client which
leaves mid-body is one debug line here instead of an app's error.

Why: the MCP library logs a client that disconnects while it reads the body as
``ERROR ... Error handling POST request`` with a traceback; a disconnect is not an error.
It reads the whole body into memory anyway, so reading it first costs nothing more.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyFirst"]

logger = logging.getLogger("twiliokit.serving")


class BodyFirst:
    """Runs ``app`` with the request body already received (methods with a body only);
    a request whose client left first never reaches ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "DELETE", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                logger.debug("client disconnected before its %s request was read", scope["method"])
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # what follows the body: a disconnect, eventually
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)
