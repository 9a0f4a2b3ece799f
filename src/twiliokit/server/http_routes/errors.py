"""The HTTP API's errors: the JSON error object, the status of each error, and the handlers
that answer every failure with it (never a traceback, never a plain-text page)."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Message, Receive, Scope, Send

from twiliokit.errors import (
    ComplianceError,
    ConfigurationError,
    NotFoundError,
    NotRecordedError,
    PolicyError,
    RateLimitError,
    StorageError,
    TimeoutError,
    TransportError,
    TwilioError,
    TwiliokitError,
    UnknownOutcomeError,
    ValidationError,
)
from twiliokit.problem_words import plain_problem
from twiliokit.redaction import masked
from twiliokit.server.guardrails import HourlyCapError
from twiliokit.server.hint_words import for_surface
from twiliokit.server.http_middleware import HttpMiddleware
from twiliokit.server.http_routes.bodies import MAX_BODY_BYTES, TooLargeError

if TYPE_CHECKING:
    from twiliokit.server.guardrails import GuardedCatalogue

__all__ = [
    "ERROR_STATUSES",
    "ErrorObject",
    "ErrorResponse",
    "ErrorsAsJson",
    "UnknownActionError",
    "add_error_handlers",
    "allowed_methods",
    "error_document",
    "error_response",
    "error_responses",
    "status_for",
    "unknown_action",
]

logger = logging.getLogger("twiliokit.server.http_api")


class ErrorObject(BaseModel):
    """The JSON error object every twiliokit surface shows (CLI ``--json``, HTTP, MCP)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="Machine-readable error type, e.g. validation_error.")
    message: str = Field(description="What went wrong, for people and models.")
    code: int | None = Field(description="Twilio's error code, when Twilio gave one.")
    status: int | None = Field(description="The HTTP status Twilio answered with, if any.")
    retryable: bool = Field(description="Whether repeating the same request later may work.")
    hint: str | None = Field(description="What to do about it.")
    field: str | None = Field(description="The argument or setting at fault, if one is.")


class ErrorResponse(BaseModel):
    """Every error response."""

    error: ErrorObject


def status_for(exc: TwiliokitError) -> int:
    """The HTTP status for an error.

    400 bad input; 403 refused by a configured policy (PolicyError: guardrails, compliance
    countries, quiet hours, daily caps); 409 refused because of the recipient's state (opted
    out, WhatsApp window); 429 rate limited (by
    Twilio, or an hourly cap); 404 unknown resource; 502 Twilio answered with an error (its
    own status is in the body); 504 no answer (timeout, unknown outcome); 502 network
    failure; 503 the server is not configured for this (no ledger, credentials, database).
    """
    for kinds, status in _STATUS_BY_ERROR:
        if isinstance(exc, kinds):
            return status
    return 500


# The first row an error is an instance of gives its status (subclasses before their bases).
_STATUS_BY_ERROR: Final[tuple[tuple[type[Exception] | tuple[type[Exception], ...], int], ...]] = (
    (ValidationError, 400),
    ((HourlyCapError, RateLimitError), 429),
    (PolicyError, 403),
    (ComplianceError, 409),
    ((NotFoundError, NotRecordedError), 404),
    (TwilioError, 502),
    ((TimeoutError, UnknownOutcomeError), 504),
    (TransportError, 502),
    ((ConfigurationError, StorageError), 503),
)


def error_document(
    error_type: str, message: str, *, hint: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """``{"error": ...}`` for errors that are not exceptions (auth, routing)."""
    return {
        "error": {
            "type": error_type,
            "message": message,
            "code": None,
            "status": None,
            "retryable": False,
            "hint": hint,
            "field": field,
        }
    }


def error_response(
    exc: TwiliokitError, status: int | None = None, *, secrets: Iterable[str] = ()
) -> JSONResponse:
    """The error object of ``exc`` (its hint in the HTTP API's words, ``secrets`` masked in
    its message and hint: a value given in the wrong field is echoed)."""
    headers = {}
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int | float) and retry_after >= 0:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    details = masked(exc.to_dict(), secrets)
    details["hint"] = for_surface(details.get("hint"), "http")
    return JSONResponse({"error": details}, status_code=status or status_for(exc), headers=headers)


ERROR_STATUSES = {
    400: "Bad input (the error names the field).",
    401: "Missing or wrong bearer token.",
    403: "Refused by this server's guardrails.",
    404: "No such action or resource.",
    409: "Refused by a compliance rule (opted out, WhatsApp window).",
    413: "The request body is too large.",
    429: "Rate limited, by Twilio or an hourly cap: see Retry-After.",
    502: "Twilio answered with an error, or the network failed.",
    503: "The server is not configured for this (ledger, credentials).",
    504: "Twilio did not answer in time (the outcome may be unknown).",
}


def error_responses() -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": ErrorResponse, "description": description}
        for status, description in ERROR_STATUSES.items()
    }


class ErrorsAsJson(HttpMiddleware):
    """Last line of defence: an unexpected exception becomes a JSON 500 with the error object,
    never a traceback or a plain-text page; the exception is logged, not re-raised."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except ClientDisconnect:
            # The client left before its request was read (or it was cut off for being too
            # slow): nobody is waiting for an answer, and nothing went wrong here.
            # (The path is not logged: it can hold a phone number.)
            logger.debug("client disconnected before its %s request was answered", scope["method"])
        except Exception:
            logger.exception("HTTP API request failed unexpectedly")
            if started:
                raise
            response = JSONResponse(
                error_document(
                    "internal_error",
                    "the server failed unexpectedly",
                    hint="This is a twiliokit bug: the server log has the details.",
                ),
                status_code=500,
            )
            await response(scope, receive, send)


class UnknownActionError(Exception):
    """No action has the name a request gave (answered as a 404 with its document)."""

    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__(document["error"]["message"])
        self.document = document


def unknown_action(name: str, catalogue: GuardedCatalogue) -> UnknownActionError:
    close = difflib.get_close_matches(name, [a.name for a in catalogue.actions()], n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "GET /v1/actions lists the actions"
    message = f"there is no action called {name!r}"
    return UnknownActionError(error_document("not_found", message, hint=hint, field="action"))


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """The methods the routes whose path matches ``scope`` take, sorted.

    Starlette's 405 names the methods of the first such route only, but one path can have
    several (GET and POST ``/v1/actions/{name}`` are two routes).
    """
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Route) and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods or set()
    return sorted(methods)


def add_error_handlers(app: FastAPI, *, secrets: Callable[[], Iterable[str]] = tuple) -> None:
    """Answer every error the routes raise, and the framework's own, with the error object
    (``secrets()`` masked in what the routes raise)."""

    async def twiliokit_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TwiliokitError)
        return error_response(exc, secrets=secrets())

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, UnknownActionError)
        return JSONResponse(exc.document, status_code=404)

    async def too_large(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            error_document(
                "payload_too_large",
                f"the request body is over {MAX_BODY_BYTES:,} bytes",
                hint="Send smaller arguments; media go by URL (media_urls), not in the body.",
                field="body",
            ),
            status_code=413,
        )

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        first = errors[0] if errors else {}
        location = [str(part) for part in first.get("loc", ()) if part not in {"query", "path"}]
        field = ".".join(location) or None
        message = plain_problem(first)
        return error_response(
            ValidationError(
                f"'{field}' {message}" if field else message,
                field=field,
                hint="See /openapi.json for the parameters this endpoint takes.",
            )
        )

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kinds = {404: "not_found", 405: "method_not_allowed"}
        messages = {404: f"there is no endpoint {request.url.path}"}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            allowed = allowed_methods(app.router.routes, request.scope)
            headers["Allow"] = ", ".join(allowed)
            messages[405] = (
                f"{request.method} is not allowed on {request.url.path}; it takes "
                f"{' and '.join(allowed)}"
            )
        return JSONResponse(
            error_document(
                kinds.get(exc.status_code, "http_error"),
                messages.get(exc.status_code, str(exc.detail)),
                hint="See /openapi.json for the endpoints.",
            ),
            status_code=exc.status_code,
            headers=headers,
        )

    app.add_exception_handler(TwiliokitError, twiliokit_error)
    app.add_exception_handler(UnknownActionError, not_found)
    app.add_exception_handler(TooLargeError, too_large)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
