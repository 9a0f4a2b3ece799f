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
(:class:`~twiliokit.guardrails.GuardedCatalogue`), exactly as over MCP.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twiliokit.errors import (
    ComplianceError,
    ConfigurationError,
    NotFoundError,
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
from twiliokit.guardrails import HourlyCapError
from twiliokit.ledger import Channel, Direction, MessageStatus
from twiliokit.ledger_views import ConversationView, MessagesView, StatusHistoryView

if TYPE_CHECKING:
    from twiliokit.agent_runtime import AgentRuntime
    from twiliokit.guardrails import GuardedCatalogue

__all__ = [
    "API_TOKEN_ENV",
    "MAX_BODY_BYTES",
    "PUBLIC_PATHS",
    "BearerTokenMiddleware",
    "ErrorResponse",
    "create_http_api",
    "error_document",
    "status_for",
]

logger = logging.getLogger("twiliokit.http_api")

#: The environment variable holding the API's bearer token.
API_TOKEN_ENV = "TWILIOKIT_API_TOKEN"  # noqa: S105 - a variable name
#: Paths served without the token (they reveal nothing about the account).
PUBLIC_PATHS = frozenset({"/openapi.json", "/healthz"})
#: The largest request body accepted: action arguments are small.
MAX_BODY_BYTES = 1024 * 1024

# --------------------------------------------------------------------------- errors


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
    status = 500
    if isinstance(exc, ValidationError):
        status = 400
    elif isinstance(exc, HourlyCapError | RateLimitError):
        status = 429
    elif isinstance(exc, PolicyError):
        status = 403
    elif isinstance(exc, ComplianceError):
        status = 409
    elif isinstance(exc, NotFoundError):
        status = 404
    elif isinstance(exc, TwilioError):
        status = 502
    elif isinstance(exc, TimeoutError | UnknownOutcomeError):
        status = 504
    elif isinstance(exc, TransportError):
        status = 502
    elif isinstance(exc, ConfigurationError | StorageError):
        status = 503
    return status


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


def _error_response(exc: TwiliokitError, status: int | None = None) -> JSONResponse:
    headers = {}
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int | float) and retry_after >= 0:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    return JSONResponse(
        {"error": exc.to_dict()}, status_code=status or status_for(exc), headers=headers
    )


_ERROR_STATUSES = {
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


def _error_responses() -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": ErrorResponse, "description": description}
        for status, description in _ERROR_STATUSES.items()
    }


# --------------------------------------------------------------------------- auth


class BearerTokenMiddleware:
    """Require ``Authorization: Bearer <token>`` on every HTTP request except ``public``.

    The comparison is constant-time (``hmac.compare_digest``); the token never appears in a
    response or a log.
    """

    def __init__(self, app: ASGIApp, *, token: str, public: frozenset[str] = PUBLIC_PATHS):
        if not token:
            raise ConfigurationError("the API token must not be empty", field="api_token")
        self._app = app
        self._token = token.encode()
        self._public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self._public:
            await self._app(scope, receive, send)
            return
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
        await self._app(scope, receive, send)


def _bearer(scope: Scope) -> bytes | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.strip().partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return bytes(token.strip())
            return None
    return None


class _ErrorsAsJson:
    """Last line of defence: an unexpected exception becomes a JSON 500 with the error object,
    never a traceback or a plain-text page; the exception is logged, not re-raised."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._app(scope, receive, watch)
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


# --------------------------------------------------------------------------- the app


class _Envelope(BaseModel):
    """``POST /v1/actions``: which action, with which arguments."""

    action: str = Field(description="An action name or alias (see GET /v1/actions).")
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="The action's arguments (see its input_schema)."
    )


def _keyed(request: Request, arguments: Any) -> Any:
    """The arguments with the ``Idempotency-Key`` header as ``idempotency_key`` (the HTTP
    convention for retry-safe POSTs), unless the arguments name one themselves."""
    key = request.headers.get("idempotency-key")
    if key is None or not isinstance(arguments, Mapping) or "idempotency_key" in arguments:
        return arguments
    return {**arguments, "idempotency_key": key}


async def _json_body(request: Request) -> Any:
    """The request body as JSON (empty: ``{}``), or a ValidationError saying what is wrong."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise _TooLargeError
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise _TooLargeError
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"the request body is not valid JSON ({exc.msg} at line {exc.lineno} column "
            f"{exc.colno})",
            field="body",
            hint='Send a JSON object, e.g. {"to": "+14155552671", "body": "Hi"}.',
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(
            "the request body is not UTF-8 JSON",
            field="body",
            hint='Send a JSON object, e.g. {"to": "+14155552671", "body": "Hi"}.',
        ) from None


class _TooLargeError(Exception):
    """The body is over MAX_BODY_BYTES (answered as a 413)."""


def create_http_api(
    catalogue: GuardedCatalogue,
    runtime: Callable[[], AgentRuntime],
    *,
    api_token: str,
) -> ASGIApp:
    """The HTTP API as an ASGI app, bearer token required. ``runtime()`` gives the open
    runtime per request (the service opens it in its lifespan)."""
    from twiliokit import __version__

    app = FastAPI(
        title="twiliokit HTTP actions API",
        version=__version__,
        description=__doc__,
        docs_url=None,  # no HTML docs: they load scripts from a CDN; /openapi.json is enough
        redoc_url=None,
        responses=_error_responses(),
    )
    _add_error_handlers(app)
    # Inside Starlette's ServerErrorMiddleware (which would answer in plain text and re-raise),
    # outside the routes: an unexpected exception ends here as a JSON 500.
    app.add_middleware(_ErrorsAsJson)

    def find(name: str) -> Any:
        if catalogue.registry.resolve(name) is None:
            raise _unknown_action(name, catalogue)
        return catalogue.find(name)

    @app.get("/healthz", tags=["service"], summary="Liveness check (no token needed).")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/v1/actions",
        tags=["actions"],
        summary="The action catalogue",
        description="Every action this server allows, with its metadata (side effect, cost, "
        "idempotency) and input and output JSON Schemas; and the guardrails in force.",
    )
    async def list_actions() -> dict[str, Any]:
        guardrails = catalogue.guardrails
        return {
            "actions": [catalogue.describe(action) for action in catalogue.actions()],
            "guardrails": {
                "read_only": guardrails.read_only,
                "dry_run": guardrails.dry_run,
                "allowed_destinations": list(guardrails.allowed_destinations),
                "max_messages_per_hour": guardrails.max_messages_per_hour,
                "max_calls_per_hour": guardrails.max_calls_per_hour,
            },
        }

    @app.get("/v1/actions/{name}", tags=["actions"], summary="One action of the catalogue")
    async def describe_action(
        name: Annotated[str, Path(description="An action name or alias.")],
    ) -> dict[str, Any]:
        return catalogue.describe(find(name))

    @app.post(
        "/v1/actions/{name}",
        tags=["actions"],
        summary="Run an action by name",
        description="The body is the action's arguments, a JSON object (empty for none). "
        "Each action also has its own path below, with its schemas.",
        openapi_extra={"requestBody": _body_schema({"type": "object"})},
    )
    async def run_action(
        name: Annotated[str, Path(description="An action name or alias.")], request: Request
    ) -> Any:
        action = find(name)
        arguments = _keyed(request, await _json_body(request))
        return await runtime().invoke(action.name, arguments)

    @app.post(
        "/v1/actions",
        tags=["actions"],
        summary="Run an action given as {action, arguments}",
        openapi_extra={"requestBody": _body_schema(_Envelope.model_json_schema())},
    )
    async def run_envelope(request: Request) -> Any:
        document = await _json_body(request)
        if not isinstance(document, Mapping):
            raise ValidationError(
                "the body must be a JSON object",
                field="body",
                hint='Send {"action": "send_sms", "arguments": {...}}.',
            )
        name = document.get("action")
        if isinstance(name, str) and name and catalogue.registry.resolve(name) is None:
            raise _unknown_action(name, catalogue)
        from twiliokit.actions.invoke import split_envelope

        action, arguments = split_envelope(document, None)
        return await runtime().invoke(action, _keyed(request, arguments))

    @app.get(
        "/v1/messages",
        tags=["ledger"],
        summary="Search the ledger's messages",
        description="Messages sent and received, newest first; every filter is optional and "
        "they combine. since is inclusive, until exclusive (on date_created).",
        response_model=MessagesView,
    )
    async def search(
        contact: Annotated[
            str | None, Query(max_length=64, description="The other party (E.164).")
        ] = None,
        direction: Annotated[Direction | None, Query(description="Which way.")] = None,
        status: Annotated[MessageStatus | None, Query(description="Current status.")] = None,
        channel: Annotated[Channel | None, Query(description="sms, mms or whatsapp.")] = None,
        since: Annotated[datetime | None, Query(description="From (ISO 8601 with zone).")] = None,
        until: Annotated[datetime | None, Query(description="Until (exclusive).")] = None,
        text: Annotated[
            str | None, Query(max_length=200, description="Substring of the body.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 100,
    ) -> MessagesView:
        from twiliokit.ledger import LedgerQuery
        from twiliokit.ledger_views import search_messages
        from twiliokit.phone import ALL_KINDS, parse_address

        if contact is not None:
            contact = parse_address(contact, field="contact", allow=ALL_KINDS).value
        query = LedgerQuery(
            contact=contact,
            direction=direction,
            status=status,
            channel=channel,
            since=since,
            until=until,
            text=text,
            limit=limit,
        )
        return await search_messages(runtime(), query)

    @app.get(
        "/v1/conversations/{contact}",
        tags=["ledger"],
        summary="The recent conversation with a contact",
        response_model=ConversationView,
    )
    async def conversation(
        contact: Annotated[
            str,
            Path(max_length=64, description="E.164 (+14155552671) or whatsapp:+14155552671."),
        ],
        limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 50,
        before: Annotated[
            datetime | None, Query(description="Only messages created before this.")
        ] = None,
    ) -> ConversationView:
        from twiliokit.ledger_views import read_conversation

        current = runtime()
        current.require_ledger()
        return await read_conversation(current, contact, limit=limit, before=_aware(before))

    @app.get(
        "/v1/messages/{sid}/events",
        tags=["ledger"],
        summary="A message's status history",
        response_model=StatusHistoryView,
    )
    async def events(
        sid: Annotated[
            str, Path(pattern=r"^(SM|MM)[0-9a-fA-F]{32}$", description="The message SID.")
        ],
    ) -> StatusHistoryView:
        from twiliokit.ledger_views import read_status_history

        current = runtime()
        current.require_ledger()
        return await read_status_history(current, sid)

    _document_actions(app, catalogue)
    return BearerTokenMiddleware(app, token=api_token)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise ValidationError(
            "'before' needs a time zone", field="before", hint="Write it as 2024-03-01T12:00:00Z."
        )
    return moment


class _NotFound(Exception):
    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__(document["error"]["message"])
        self.document = document


def _unknown_action(name: str, catalogue: GuardedCatalogue) -> _NotFound:
    import difflib

    close = difflib.get_close_matches(name, [a.name for a in catalogue.actions()], n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "GET /v1/actions lists the actions"
    message = f"there is no action called {name!r}"
    return _NotFound(error_document("not_found", message, hint=hint, field="action"))


def _body_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": False, "content": {"application/json": {"schema": schema}}}


def _add_error_handlers(app: FastAPI) -> None:
    async def twiliokit_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TwiliokitError)
        return _error_response(exc)

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, _NotFound)
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
        message = str(first.get("msg", "is not valid"))
        return _error_response(
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
        return JSONResponse(
            error_document(
                kinds.get(exc.status_code, "http_error"),
                messages.get(exc.status_code, str(exc.detail)),
                hint="See /openapi.json for the endpoints.",
            ),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    app.add_exception_handler(TwiliokitError, twiliokit_error)
    app.add_exception_handler(_NotFound, not_found)
    app.add_exception_handler(_TooLargeError, too_large)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)


# --------------------------------------------------------------------------- OpenAPI


def _document_actions(app: FastAPI, catalogue: GuardedCatalogue) -> None:
    """Give every allowed action its own documented path (``POST /v1/actions/send_sms``)
    with its input and output schemas, and declare the bearer token."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        components = document.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearer"] = {
            "type": "http",
            "scheme": "bearer",
            "description": f"The value of {API_TOKEN_ENV}.",
        }
        document["security"] = [{"bearer": []}]
        document["paths"]["/healthz"]["get"]["security"] = []
        error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
        errors = {
            str(status): {
                "description": description,
                "content": {"application/json": {"schema": error_ref}},
            }
            for status, description in _ERROR_STATUSES.items()
        }
        for action in catalogue.actions():
            entry = catalogue.describe(action)
            document["paths"][f"/v1/actions/{action.name}"] = {
                "post": {
                    "tags": [f"action: {action.group}"],
                    "operationId": f"action_{action.name}",
                    "summary": action.title,
                    "description": entry["description"],
                    "requestBody": _body_schema(entry["input_schema"]),
                    "responses": {
                        "200": {
                            "description": "The action's output.",
                            "content": {"application/json": {"schema": entry["output_schema"]}},
                        },
                        **errors,
                    },
                    "x-twiliokit": {
                        key: entry[key]
                        for key in ("side_effect", "costs_money", "idempotent", "open_world")
                    },
                }
            }
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
