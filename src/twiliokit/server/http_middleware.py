"""The base of the server's ASGI middleware: each sees only the HTTP requests it handles.

Lifespan and websocket messages (and the requests a middleware leaves alone, say a public
path or a GET without a body) go straight to the wrapped app, untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HttpMiddleware"]


class HttpMiddleware:
    """ASGI middleware around ``app`` that runs ``handle`` for the HTTP requests ``handles``
    picks and passes everything else to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def handles(self, scope: Scope) -> bool:
        """Whether ``handle`` sees this request: every HTTP request unless overridden."""
        return bool(scope["type"] == "http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.handles(scope):
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer (or pass on to ``self.app``) one HTTP request."""
        raise NotImplementedError
