"""The service: one ASGI app with the HTTP actions API, MCP over streamable HTTP at ``/mcp``,
and (when webhook settings are given) the webhook receiver, sharing one Twilio client, one
ledger and one guarded catalogue.

::

    settings = ServiceSettings(connection=conn, api_token=token.value, ledger_url="sqlite:///l.db")
    app = create_service_app(settings)      # uvicorn app, or serve_in_thread(app) in tests
    run_service(settings, port=8080)        # what `twiliokit serve` runs

Routes: ``/v1/...`` and ``/openapi.json`` (:mod:`twiliokit.server.http_api`), ``/mcp`` (the
:mod:`twiliokit.server.mcp` tools and resources), ``/webhooks/twilio/...``
(:mod:`twiliokit.webhooks`), ``/console`` (the web console, :mod:`twiliokit.server.console`:
signed in with the same token on its sign-in page). ``/v1`` and ``/mcp`` need
``Authorization: Bearer <token>``; the webhooks are checked by Twilio's signature instead.
The lifespan opens the client and the ledger at startup and closes them at shutdown.

The token is ``$TWILIOKIT_API_TOKEN``, else the one kept in the user config directory
(``api-token``, mode 0600), generated there on first use (:func:`resolve_api_token`), so it
stays the same across restarts.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from starlette.exceptions import HTTPException as StarletteHTTPException

from twiliokit.errors import ConfigurationError
from twiliokit.private_files import DIRECTORY_MODE, FILE_MODE, readable_by_others
from twiliokit.server.console.settings import ConsoleSettings
from twiliokit.server.guardrails import Guardrails

if TYPE_CHECKING:
    import httpx
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from twiliokit.compliance import ComplianceSettings
    from twiliokit.connections import Connection
    from twiliokit.http.policies import RetryPolicy
    from twiliokit.ledger import LedgerStore
    from twiliokit.outbox.settings import OutboxSettings
    from twiliokit.outbox.worker import OutboxWorker
    from twiliokit.server.console import Console
    from twiliokit.server.guardrails import GuardedCatalogue
    from twiliokit.server.metrics import Metrics
    from twiliokit.server.runtime import AgentRuntime
    from twiliokit.webhooks.forward import Forwarder
    from twiliokit.webhooks.handlers import Handlers
    from twiliokit.webhooks.settings import WebhookSettings

__all__ = [
    "API_TOKEN_FILE",
    "MIN_TOKEN_LENGTH",
    "ApiToken",
    "ServiceSettings",
    "api_token_path",
    "create_service_app",
    "resolve_api_token",
    "run_service",
]

#: The file (in the user config directory) that keeps the generated API token.
API_TOKEN_FILE = "api-token"  # noqa: S105 - a file name
#: Shorter tokens are refused: they can be guessed.
MIN_TOKEN_LENGTH = 16
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceSettings:
    """What the service runs with. Nothing here reads the environment (the CLI does).

    ``ledger_url``: ``None`` for the default SQLite file in the user data directory,
    ``memory://`` for a throwaway one. ``webhooks``: the receiver's settings, or ``None`` to
    serve no webhook routes. ``host``: the interface served on; on loopback (the default)
    ``/mcp`` also refuses requests whose ``Host``/``Origin`` is not loopback (DNS
    rebinding). ``mcp_stateless`` answers each ``/mcp`` request on its own, with no session
    kept between them: set it when several processes serve one address, since a session lives
    in the process that opened it. ``transport`` replaces the network to Twilio (tests: the emulator
    in-process). ``compliance``: the ``[compliance]`` checks (``None``: the defaults, opt-outs
    and the WhatsApp window); every send is also recorded in the ledger, with the receiver's
    status callback when ``webhooks.public_url`` is set. ``metrics``: serve ``/metrics``
    (Prometheus, :mod:`twiliokit.server.metrics`), behind the bearer token unless ``metrics_public``
    (acceptable when only your monitoring network can reach the server). ``console``: the web
    console at ``/console`` (:mod:`twiliokit.server.console`), ``None`` to serve none; its
    cookies are ``Secure`` when ``webhooks.public_url`` is https. ``outbox``: run an outbox
    worker in the service with these settings (:mod:`twiliokit.outbox`; it is
    ``app.state.outbox_worker`` while served), forwarded webhooks then waiting in the outbox;
    ``None`` (the default): no worker.
    """

    connection: Connection
    api_token: str = field(repr=False)
    guardrails: Guardrails = field(default_factory=Guardrails)
    ledger_url: str | None = None
    webhooks: WebhookSettings | None = None
    handlers: Handlers | None = None
    forwarder: Forwarder | None = None
    mcp: bool = True
    mcp_stateless: bool = False
    host: str = "127.0.0.1"
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)
    retry: RetryPolicy | None = None
    compliance: ComplianceSettings | None = None
    metrics: bool = True
    metrics_public: bool = False
    outbox: OutboxSettings | None = None
    console: ConsoleSettings | None = field(default_factory=ConsoleSettings)

    def __post_init__(self) -> None:
        if not isinstance(self.api_token, str) or len(self.api_token) < MIN_TOKEN_LENGTH:
            raise ConfigurationError(
                f"the API token must be at least {MIN_TOKEN_LENGTH} characters",
                field="api_token",
                hint="Unset TWILIOKIT_API_TOKEN to have one generated, or set a long random "
                "value (python -c 'import secrets; print(secrets.token_urlsafe(32))').",
            )


class _Holder:
    """The runtime, once the lifespan has opened it."""

    def __init__(self) -> None:
        self.runtime: AgentRuntime | None = None

    def __call__(self) -> AgentRuntime:
        if self.runtime is None:
            raise ConfigurationError("the service is not started (its lifespan has not run)")
        return self.runtime


def create_service_app(settings: ServiceSettings) -> Starlette:
    """The service's ASGI app (see the module docstring). ``app.state.catalogue`` is the
    guarded catalogue, ``app.state.runtime()`` the open runtime while it is served."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    from twiliokit.server.guardrails import GuardedCatalogue
    from twiliokit.server.http_api import BearerTokenMiddleware, create_http_api

    catalogue = GuardedCatalogue(settings.guardrails)
    holder = _Holder()
    routes: list[BaseRoute] = []
    metrics = _metrics_route(settings, catalogue, routes)
    console = _console_routes(settings, holder, routes)

    receiver = None
    if settings.webhooks is not None:
        from twiliokit.webhooks.handlers import Handlers
        from twiliokit.webhooks.receiver import WebhookReceiver

        receiver = WebhookReceiver(
            settings.webhooks,
            None,
            Handlers.combined(
                console.events.handlers() if console is not None else None,
                _receiver_handlers(settings, holder),
            ),
            forwarder=settings.forwarder,
            observe=metrics.webhook if metrics is not None else None,
        )
        routes.extend(receiver.routes)
        if console is not None:
            console.state.receiver = receiver  # its recent signature failures

    manager = None
    if settings.mcp:
        from mcp.server.streamable_http_manager import (
            StreamableHTTPASGIApp,
            StreamableHTTPSessionManager,
        )
        from mcp.server.transport_security import TransportSecuritySettings

        from twiliokit.server.mcp import create_mcp_server

        loopback = settings.host in _LOOPBACK
        manager = StreamableHTTPSessionManager(
            app=create_mcp_server(catalogue, holder, secrets=[settings.api_token]),
            stateless=settings.mcp_stateless,
            security_settings=TransportSecuritySettings(
                enable_dns_rebinding_protection=loopback,
                allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
                allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
            ),
        )
        from twiliokit.server.body_first import BodyFirst
        from twiliokit.server.json_refusals import JsonRefusals

        # BodyFirst: a client leaving mid-body is a debug line, not the library's ERROR.
        # JsonRefusals: the library's plain-text refusals (Host, Origin) as our error object.
        mcp_app = BearerTokenMiddleware(
            JsonRefusals(BodyFirst(StreamableHTTPASGIApp(manager))),
            token=settings.api_token,
            public=frozenset(),
        )
        routes.append(Route("/mcp", endpoint=mcp_app, methods=["GET", "POST", "DELETE"]))

    # The API answers every path no route above takes, as the router's default rather than a
    # Mount("/"): a mount's pattern does not match a path with a newline (%0A), which then
    # escaped the token check as a 404. A path a route has but not with that method (PUT on a
    # webhook) gets that route's 405.
    api = create_http_api(catalogue, holder, api_token=settings.api_token)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from twiliokit.compliance import LedgerHooks
        from twiliokit.ledger import open_ledger
        from twiliokit.server.runtime import open_runtime

        async with contextlib.AsyncExitStack() as stack:
            ledger = await open_ledger(
                settings.ledger_url,
                on_commit=metrics.ledger_commit if metrics is not None else None,
            )
            stack.push_async_callback(ledger.close)
            public_url = settings.webhooks.public_url if settings.webhooks is not None else None
            hooks = LedgerHooks(ledger, settings.compliance, status_callback_url=public_url)
            holder.runtime = await stack.enter_async_context(
                open_runtime(
                    settings.connection,
                    catalogue,
                    ledger=ledger,
                    hooks=hooks,
                    transport=settings.transport,
                    retry=settings.retry,
                )
            )
            stack.callback(setattr, holder, "runtime", None)
            if receiver is not None:
                from twiliokit.webhooks.app import receiver_lifespan

                await stack.enter_async_context(receiver_lifespan(receiver, ledger))
            if manager is not None:
                await stack.enter_async_context(manager.run())
            if settings.outbox is not None:
                # Sends made at once take their sender's slot at the same pace as the worker.
                holder.runtime.context.pace = settings.outbox.rate_for
                app.state.outbox_worker = await _start_outbox_worker(
                    stack, settings, ledger, metrics
                )
            if console is not None:
                stack.callback(console.events.close)  # open event streams end
            yield

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={StarletteHTTPException: _http_error},
    )
    app.router.default = api
    app.router.redirect_slashes = False  # "/webhooks/twilio/messaging/" is the API's 401/404
    app.state.catalogue = catalogue
    app.state.runtime = holder
    app.state.receiver = receiver
    return app


def _metrics_route(
    settings: ServiceSettings, catalogue: GuardedCatalogue, routes: list[BaseRoute]
) -> Metrics | None:
    """``/metrics`` (behind the token unless ``metrics_public``), fed by the catalogue; the
    caller feeds the receiver's and the ledger's figures to what this returns."""
    if not settings.metrics:
        return None
    from starlette.routing import Route, request_response

    from twiliokit.server.http_api import BearerTokenMiddleware
    from twiliokit.server.metrics import CONTENT_TYPE, Metrics

    metrics = Metrics()
    catalogue.observer = metrics.action

    async def scrape(request: Request) -> Response:
        from starlette.responses import Response

        return Response(metrics.render(), media_type=CONTENT_TYPE)

    if settings.metrics_public:
        routes.append(Route("/metrics", endpoint=scrape, methods=["GET"]))
    else:
        guarded = BearerTokenMiddleware(
            request_response(scrape), token=settings.api_token, public=frozenset()
        )
        routes.append(Route("/metrics", endpoint=guarded, methods=["GET"]))
    return metrics


def _console_routes(
    settings: ServiceSettings, runtime: _Holder, routes: list[BaseRoute]
) -> Console | None:
    """``/console`` (signed in with the API token), unless ``settings.console`` is None."""
    if settings.console is None:
        return None
    import dataclasses

    from twiliokit.server.console import Console

    chosen = settings.console
    public_url = settings.webhooks.public_url if settings.webhooks is not None else None
    if public_url is not None and public_url.lower().startswith("https:"):
        chosen = dataclasses.replace(chosen, secure_cookies=True)
    console = Console(chosen, api_token=settings.api_token, runtime=runtime)
    routes.extend(console.routes())
    return console


async def _start_outbox_worker(
    stack: contextlib.AsyncExitStack,
    settings: ServiceSettings,
    ledger: LedgerStore,
    metrics: Metrics | None,
) -> OutboxWorker:
    """Run an outbox worker for the life of the service (stopped first at shutdown) on its
    ledger, with a client of its own (it handles 429s itself: ``worker_client``); forwarded
    webhooks then wait in the outbox too."""
    from twiliokit.outbox.running import running_worker, worker_client

    client = await stack.enter_async_context(
        worker_client(settings.connection, transport=settings.transport)
    )
    if settings.forwarder is not None:
        settings.forwarder.use_outbox(ledger)
    public_url = settings.webhooks.public_url if settings.webhooks is not None else None
    worker = await stack.enter_async_context(
        running_worker(
            ledger,
            client,
            settings=settings.outbox,
            compliance=settings.compliance,
            status_callback_url=public_url,
            observe=metrics.outbox_finished if metrics is not None else None,
        )
    )
    if metrics is not None:
        metrics.watch_outbox(lambda: worker.snapshot)
    return worker


def _receiver_handlers(settings: ServiceSettings, runtime: _Holder) -> Handlers | None:
    """The operator's handlers, after the service's own: a message's send time and price
    fetched when its final status arrives (``webhooks.fetch_final_details``)."""
    assert settings.webhooks is not None
    if not settings.webhooks.fetch_final_details:
        return settings.handlers
    from datetime import UTC, datetime

    from twiliokit.actions.ledger_records import message_record
    from twiliokit.ledger import MessageRecord
    from twiliokit.webhooks.final_details import final_details_handler
    from twiliokit.webhooks.handlers import Handlers

    async def fetch(sid: str) -> MessageRecord:
        message = await runtime().context.client.fetch_message(sid)
        return message_record(message, now=datetime.now(UTC))

    def ledger() -> LedgerStore:
        return runtime().require_ledger()

    own = Handlers()
    own.on_status(final_details_handler(fetch, ledger))
    return Handlers.combined(own, settings.handlers)


async def _http_error(request: Request, exc: Exception) -> Response:
    """The few paths no route takes (a newline in the path escapes the API's catch-all
    mount) still get the JSON error object, never Starlette's plain-text page."""
    from starlette.responses import JSONResponse

    from twiliokit.server.http_api import error_document

    assert isinstance(exc, StarletteHTTPException)
    kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    message = str(exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        message = f"there is no endpoint {request.url.path!r}"
    elif exc.status_code == 405:  # a webhook or /mcp with a method it does not take
        allowed = sorted(method.strip() for method in headers.get("Allow", "").split(","))
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not allowed on {request.url.path}; it takes " + (
            " and ".join(allowed)
        )
    return JSONResponse(
        error_document(kind, message, hint="See /openapi.json for the endpoints."),
        status_code=exc.status_code,
        headers=headers,
    )


def run_service(
    settings: ServiceSettings,
    *,
    port: int = 8080,
    on_ready: Callable[[uvicorn.Server], None] = lambda _: None,
) -> None:
    """Serve :func:`create_service_app` with uvicorn on ``settings.host``:``port`` until
    interrupted. ``on_ready`` runs once it accepts connections (``serving.bound_port``)."""
    from twiliokit.serving import make_server

    server = make_server(
        create_service_app(settings),
        host=settings.host,
        port=port,
        log_level="warning",
        on_ready=on_ready,
    )
    # The receiver decides which proxies to believe (trusted_proxies); uvicorn's own
    # proxy-header support would trust 127.0.0.1 and rewrite the scheme and client first.
    server.config.proxy_headers = False
    try:
        server.run()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {settings.host}:{port}: {exc.strerror or exc}",
            field="port",
            hint="Pick another --port (0 picks a free one).",
        ) from None


# --------------------------------------------------------------------------- the API token


@dataclass(frozen=True, slots=True)
class ApiToken:
    """The API's bearer token and where it came from (``generated``: just now, into
    ``path``; print it once so the user can configure clients)."""

    value: str = field(repr=False)
    source: Literal["environment", "file", "generated"]
    path: Path | None = None


def api_token_path(environ: Mapping[str, str]) -> Path:
    """``api-token`` in the user config directory (``$XDG_CONFIG_HOME/twiliokit`` on Linux)."""
    import platformdirs

    del environ  # platformdirs reads XDG_CONFIG_HOME itself; kept for a uniform signature
    return platformdirs.user_config_path("twiliokit") / API_TOKEN_FILE


def resolve_api_token(environ: Mapping[str, str], *, path: Path | None = None) -> ApiToken:
    """``$TWILIOKIT_API_TOKEN``, else the kept token, else a new one kept at ``path``.

    The file is created with mode 0600 (in a 0700 directory); an existing file that others
    can read is refused rather than trusted.
    """
    from twiliokit.server.http_api import API_TOKEN_ENV

    given = environ.get(API_TOKEN_ENV, "").strip()
    if given:
        if len(given) < MIN_TOKEN_LENGTH:
            raise ConfigurationError(
                f"{API_TOKEN_ENV} is shorter than {MIN_TOKEN_LENGTH} characters",
                field="api_token",
                hint=f"Use a long random value, or unset {API_TOKEN_ENV} to have one generated.",
            )
        return ApiToken(given, "environment")
    path = path if path is not None else api_token_path(environ)
    try:
        return ApiToken(_read_token(path), "file", path)
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:  # another process generated it first: use theirs
        return ApiToken(_read_token(path), "file", path)
    except OSError as exc:
        raise _token_file_error(path, exc) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return ApiToken(token, "generated", path)


def _read_token(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise _token_file_error(path, exc) from None
    if readable_by_others(mode):
        raise ConfigurationError(
            f"the API token file {path} can be read by other users",
            field="api_token",
            hint=f"Run: chmod 600 {path}",
        )
    if len(text) < MIN_TOKEN_LENGTH:
        raise ConfigurationError(
            f"the API token file {path} holds no usable token",
            field="api_token",
            hint=f"Delete {path} to have a new token generated.",
        )
    return text


def _token_file_error(path: Path, exc: Exception) -> ConfigurationError:
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return ConfigurationError(
        f"cannot use the API token file {path}: {reason}",
        field="api_token",
        hint="Check the permissions of the user config directory, or set TWILIOKIT_API_TOKEN.",
    )
