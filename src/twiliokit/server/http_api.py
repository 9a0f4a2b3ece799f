"""The HTTP actions API: the catalogue and the ledger over HTTP, for agents and workflow tools.

::

    GET  /v1/actions                    the catalogue: metadata and both schemas per action
    GET  /v1/actions/{name}             one action
    POST /v1/actions/{name}             run it; the body is its arguments (a JSON object)
    POST /v1/actions                    run {"action": NAME, "arguments": {...}}
    GET  /v1/messages                   ledger search (contact, direction, status, channel,
                                        since, until, text, limit)
    GET  /v1/conversations/{contact}    recent messages to and from a contact, with statuses
    GET  /v1/messages/{sid}/events      a message's status history
    GET  /openapi.json, /healthz        public; everything else needs the bearer token

Every request but the public two needs ``Authorization: Bearer <TWILIOKIT_API_TOKEN>``
(compared in constant time). Every error is ``{"error": {type, message, code, status,
retryable, hint, field}}`` (the CLI's ``--json`` error object) with the status
:func:`status_for` gives; ``/openapi.json`` documents all of it, with one path per action
carrying its input and output schemas. Actions run through the guardrails
(:class:`~twiliokit.server.guardrails.GuardedCatalogue`), exactly as over MCP; so do the ledger
reads, which answer with the ledger actions' outputs (``search_ledger``, ``get_conversation``,
``get_message_status_history``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.types import ASGIApp

from twiliokit.server.http_routes.actions import REPLAYED_HEADER, add_action_routes
from twiliokit.server.http_routes.auth import API_TOKEN_ENV, PUBLIC_PATHS, BearerTokenMiddleware
from twiliokit.server.http_routes.bodies import MAX_BODY_BYTES
from twiliokit.server.http_routes.errors import (
    ErrorResponse,
    ErrorsAsJson,
    add_error_handlers,
    allowed_methods,
    error_document,
    error_responses,
    status_for,
)
from twiliokit.server.http_routes.ledger import add_ledger_routes
from twiliokit.server.http_routes.openapi import document_actions

if TYPE_CHECKING:
    from twiliokit.server.guardrails import GuardedCatalogue
    from twiliokit.server.runtime import AgentRuntime

__all__ = [
    "API_TOKEN_ENV",
    "MAX_BODY_BYTES",
    "PUBLIC_PATHS",
    "REPLAYED_HEADER",
    "BearerTokenMiddleware",
    "ErrorResponse",
    "allowed_methods",
    "create_http_api",
    "error_document",
    "status_for",
]


def _known_secrets(runtime: Callable[[], AgentRuntime], api_token: str) -> list[str]:
    """The API token and the connection's secrets (none of its own while the runtime is not
    open)."""
    try:
        connection = runtime().context.connection
    except Exception:  # not open yet, or closing: what is known is masked
        return [api_token]
    return [api_token, *connection.secret_values()]


def create_http_api(
    catalogue: GuardedCatalogue,
    runtime: Callable[[], AgentRuntime],
    *,
    api_token: str,
) -> ASGIApp:
    """The HTTP API as an ASGI app, bearer token required. ``runtime()`` gives the open
    runtime per request (the service opens it in its lifespan).

    Its rooms are in :mod:`twiliokit.server.http_routes`: the action routes, the ledger routes,
    the errors, the OpenAPI document and the token."""
    from twiliokit import __version__

    app = FastAPI(
        title="twiliokit HTTP actions API",
        version=__version__,
        description=__doc__,
        docs_url=None,  # no HTML docs: they load scripts from a CDN; /openapi.json is enough
        redoc_url=None,
        responses=error_responses(),
    )
    add_error_handlers(app, secrets=lambda: _known_secrets(runtime, api_token))
    # Inside Starlette's ServerErrorMiddleware (which would answer in plain text and re-raise),
    # outside the routes: an unexpected exception ends here as a JSON 500.
    app.add_middleware(ErrorsAsJson)
    _add_meta_routes(app)
    add_action_routes(app, catalogue, runtime)
    add_ledger_routes(app, runtime)
    document_actions(app, catalogue)
    return BearerTokenMiddleware(app, token=api_token)


def _add_meta_routes(app: FastAPI) -> None:
    """The service's own routes (``/openapi.json`` is FastAPI's)."""

    @app.get("/healthz", tags=["service"], summary="Liveness check (no token needed).")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}
