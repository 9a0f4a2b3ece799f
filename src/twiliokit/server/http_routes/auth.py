"""The bearer token every request but the public paths needs."""

from __future__ import annotations

import hmac

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from twiliokit.errors import ConfigurationError
from twiliokit.server.http_middleware import HttpMiddleware
from twiliokit.server.http_routes.errors import error_document

__all__ = ["API_TOKEN_ENV", "PUBLIC_PATHS", "BearerTokenMiddleware"]

#: The environment variable holding the API's bearer token.
API_TOKEN_ENV = "TWILIOKIT_API_TOKEN"  # noqa: S105 - a variable name
#: Paths served without the token (they reveal nothing about the account).
PUBLIC_PATHS = frozenset({"/openapi.json", "/healthz"})


class BearerTokenMiddleware(HttpMiddleware):
    """Require ``Authorization: Bearer <token>`` on every HTTP request except ``public``.

    The comparison is constant-time (``hmac.compare_digest``); the token never appears in a
    response or a log.
    """

    def __init__(self, app: ASGIApp, *, token: str, public: frozenset[str] = PUBLIC_PATHS):
        if not token:
            raise ConfigurationError("the API token must not be empty", field="api_token")
        super().__init__(app)
        self._token = token.encode()
        self._public = public

    def handles(self, scope: Scope) -> bool:
        """HTTP requests but those to the public paths."""
        return super().handles(scope) and scope.get("path") not in self._public

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = _bearer(scope)
        if given is None or not hmac.compare_digest(given, self._token):
            message = "a bearer token is required" if given is None else "the token is wrong"
            response = JSONResponse(
                error_document(
                    "unauthorized",
                    message,
                    hint=f"Send 'Authorization: Bearer <token>' with the value of {API_TOKEN_ENV} "
                    "(printed when the server first generated it, and kept in the user config "
                    "directory).",
                    field="authorization",
                ),
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="twiliokit"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _bearer(scope: Scope) -> bytes | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.strip().partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return bytes(token.strip())
            return None
    return None
