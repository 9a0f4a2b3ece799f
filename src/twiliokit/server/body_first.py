"""An ASGI wrapper that reads a request's body before the app runs, so that a client which
leaves mid-body is one debug line here instead of an app's error.

Why: the MCP library logs a client that disconnects while it reads the body as
``ERROR ... Error handling POST request`` with a traceback; a disconnect is not an error.
It reads the whole body into memory anyway, so reading it first costs nothing more.
"""

from __future__ import annotations

import logging

from starlette.types import Message, Receive, Scope, Send

from twiliokit.server.http_middleware import HttpMiddleware

__all__ = ["BodyFirst"]

logger = logging.getLogger("twiliokit.serving")

_BODILESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


class BodyFirst(HttpMiddleware):
    """Runs ``app`` with the request body already received (methods with a body only);
    a request whose client left first never reaches ``app``."""

    def handles(self, scope: Scope) -> bool:
        """HTTP requests of the methods that carry a body."""
        return super().handles(scope) and scope["method"] not in _BODILESS

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
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
