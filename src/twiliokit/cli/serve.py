"""`twiliokit serve`: the HTTP actions API, MCP and the webhook receiver, with uvicorn.

Refuses to start without the account's auth token (Twilio signs webhooks with it, even when
REST calls use an API key) unless ``--no-validate-signatures`` is given, which it then warns
about loudly. Every webhook is recorded in the ledger at ``--db``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import functools
import importlib
import ipaddress
import logging
import os
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.runner import ConfigOption, ProfileOption
from twiliokit.cli.service_config import configure_logging
from twiliokit.cli.webhooks import public_url_from, webhook_section
from twiliokit.cli.wording import sentence
from twiliokit.config_file import DATABASE_URL_ENV, PUBLIC_URL_ENV
from twiliokit.errors import ConfigurationError, VaultError
from twiliokit.serving.limits import (
    DEFAULT_KEEP_ALIVE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT,
    ConnectionLimits,
)

__all__ = ["DATABASE_URL_ENV", "FORWARD_SECRET_ENV", "build_settings", "serve_command"]

#: Environment variable with the ledger database URL.
#: Environment variable with the number of worker processes.
WORKERS_ENV = "TWILIOKIT_WORKERS"
#: Environment variable with the secret forwarded events are signed with.
FORWARD_SECRET_ENV = "TWILIOKIT_FORWARD_SECRET"  # noqa: S105 - a variable name

_WARNING = """\
WARNING: webhook signature validation is OFF (--no-validate-signatures).
Anyone who can reach this server can forge inbound messages, STOP/START opt-outs, status
changes and calls, and they will be recorded and handled as real. Use this only with the
local emulator or on a private network that nothing untrusted can reach."""


_EXPOSED = """\
WARNING: listening on {address}, reachable from other machines, over plain HTTP: the API
token, console sessions and every message cross the network unencrypted. Put it behind TLS (a
reverse proxy or a tunnel, with its https address as --public-url), or bind --host 127.0.0.1."""


_SQLITE_WORKERS = """\
Note: the ledger is SQLite, which takes one writer at a time: the workers take turns on its
lock, which shows as occasional slow answers under load. At high volume use PostgreSQL
(--db postgresql://...) with --workers, or one worker with SQLite (docs/webhooks.md)."""


_NO_VALIDATION = (
    "Only with the emulator or on a private network, pass --no-validate-signatures instead."
)


def build_settings(
    *,
    environ: Mapping[str, str],
    profile: str | None,
    config: Path | None,
    public_url: str | None,
    trusted_proxies: list[str],
    validate: bool,
    section: Mapping[str, Any],
) -> tuple[Any, list[str]]:
    """The receiver's ``WebhookSettings`` and the secrets to keep out of logs."""
    from twiliokit.cli.connection import resolve_for_cli
    from twiliokit.webhooks.settings import WebhookSettings

    token: str | None = None
    secrets: list[str] = []
    problem: ConfigurationError | None = None
    try:
        connection, _ = resolve_for_cli(
            profile=profile, config=config, base_url=None, environ=environ
        )
        token = connection.auth_token
        secrets.extend(connection.secret_values())
    except ConfigurationError as exc:
        problem = exc
    validate = validate and bool(section.get("validate_signatures", True))
    if validate and not token:
        if isinstance(problem, VaultError):
            # The token is in the vault, which did not open: how to open it is the fix.
            raise VaultError(
                "twiliokit serve checks webhook signatures with the auth token, which is in "
                f"the vault. {sentence(problem.message)}",
                field=problem.field,
                hint=f"{sentence(problem.hint or '')} {_NO_VALIDATION}".lstrip(),
            )
        # What resolving the connection found, as a sentence of its own.
        found = f". {sentence(problem.message)}" if problem is not None else ""
        raise ConfigurationError(
            f"twiliokit serve checks webhook signatures, and no auth token is configured{found}",
            field="auth_token",
            hint="Set TWILIO_AUTH_TOKEN (or auth_token in the config profile): Twilio signs "
            "webhooks with the account's auth token even when REST calls use an API key "
            f"(TWILIO_API_KEY/TWILIO_API_SECRET). {_NO_VALIDATION}",
        )
    proxies = tuple(trusted_proxies) or tuple(section.get("trusted_proxies", ()))
    settings = WebhookSettings(
        auth_token=token,
        public_url=public_url_from(public_url, environ, section),
        trusted_proxies=proxies,
        validate_signatures=validate,
        **{
            k: section[k]
            for k in ("reply_timeout", "max_body_bytes", "fetch_final_details")
            if k in section
        },
    )
    return settings, secrets


def _forwarder(section: Mapping[str, Any], urls: list[str], environ: Mapping[str, str]) -> Any:
    from twiliokit.config_file import vault_reference
    from twiliokit.webhooks.forward import Forwarder, ForwardSettings

    targets = tuple(urls) or tuple(section.get("forward_urls", ()))
    if not targets:
        return None
    secret = environ.get(FORWARD_SECRET_ENV, "").strip() or section.get("forward_secret")
    if not secret:
        raise ConfigurationError(
            "forwarding events needs a secret to sign them with",
            field="forward_secret",
            hint=f"Set {FORWARD_SECRET_ENV}, or forward_secret in [webhooks] (vault:NAME works).",
        )
    name = vault_reference(secret)
    if name is not None:
        from twiliokit.cli.vault import open_vault

        secret = open_vault(None, None, environ=environ).get(name).strip()
    return Forwarder(ForwardSettings(urls=targets, secret=secret))


def _handlers(spec: str | None) -> Any:
    from twiliokit.webhooks.handlers import Handlers

    if not spec:
        return Handlers()
    module_name, _, attribute = spec.partition(":")
    attribute = attribute or "handlers"
    hint = (
        "Give module:attribute of a twiliokit.webhooks.Handlers object, e.g. "
        "myagent.hooks:handlers (the module must be importable)."
    )
    if not module_name or module_name.startswith("."):
        raise ConfigurationError(
            f"--handlers {spec!r} names no module (an absolute one, before the ':')",
            field="handlers",
            hint=hint,
        )
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and f"{module_name}.".startswith(f"{exc.name}."):
            problem = f"there is no module {exc.name} on the Python path"
        else:  # the module is there, and imports one that is not
            problem = f"{module_name} imports {exc.name or 'a module'}, which is not installed"
        raise ConfigurationError(
            f"--handlers {spec!r}: {problem}", field="handlers", hint=hint
        ) from None
    except ImportError as exc:
        raise ConfigurationError(
            f"--handlers {spec!r}: importing {module_name} failed: {exc}",
            field="handlers",
            hint=hint,
        ) from None
    if not hasattr(module, attribute):
        raise ConfigurationError(
            f"--handlers {spec!r}: module {module_name} has no {attribute!r}",
            field="handlers",
            hint=hint,
        )
    found = getattr(module, attribute)
    if not isinstance(found, Handlers):
        raise ConfigurationError(
            f"--handlers {spec!r} is not a twiliokit.webhooks.Handlers object "
            f"(it is a {type(found).__name__})",
            field="handlers",
            hint=hint,
        )
    return found


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="TCP port; 0 picks a free one.")
    ] = 8080,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="The URL Twilio reaches this server at (a tunnel or proxy), e.g. "
            f"https://abc.ngrok.app. (env: {PUBLIC_URL_ENV})",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Ledger database URL: sqlite:///path.db, postgresql://..., memory://. "
            f"Default: SQLite in the user data directory. (env: {DATABASE_URL_ENV})",
        ),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="Address or network (10.0.0.0/8) of a proxy whose X-Forwarded-Proto/Host/Port "
            "are believed. Repeatable. Ignored with --public-url.",
        ),
    ] = None,
    no_validate_signatures: Annotated[
        bool,
        typer.Option(
            "--no-validate-signatures",
            help="Do not check X-Twilio-Signature. Only for the emulator or a private network.",
        ),
    ] = False,
    handlers: Annotated[
        str | None,
        typer.Option(
            "--handlers",
            help="module:attribute of a twiliokit.webhooks.Handlers to run for each event.",
        ),
    ] = None,
    forward_url: Annotated[
        list[str] | None,
        typer.Option(
            "--forward-url",
            help=f"Also POST each event as signed JSON here (secret: {FORWARD_SECRET_ENV}). "
            "Repeatable.",
        ),
    ] = None,
    emulator: Annotated[
        bool,
        typer.Option(
            "--emulator",
            help="Run on the built-in Twilio emulator (no account needed): its number's "
            "webhooks point here and a demo contact has texted in. What `make run` does.",
        ),
    ] = False,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Only read actions (HTTP API and MCP).")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Write actions return what they would send, sending nothing."
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Processes serving requests (one core each). 2 sustains Twilio's 2,000 "
            f"webhooks/s on two cores. (env: {WORKERS_ENV})",
            envvar=WORKERS_ENV,
            show_envvar=False,
        ),
    ] = 1,
    max_connections: Annotated[
        int,
        typer.Option(
            "--max-connections",
            min=0,
            help="Open connections (per worker) beyond which new requests are answered 503. "
            "0: no cap.",
        ),
    ] = DEFAULT_MAX_CONNECTIONS,
    keep_alive_timeout: Annotated[
        float,
        typer.Option(
            "--keep-alive-timeout",
            min=0.1,
            max=3600,
            help="Seconds an idle connection (no request in progress) is kept open.",
        ),
    ] = DEFAULT_KEEP_ALIVE_TIMEOUT,
    request_timeout: Annotated[
        float,
        typer.Option(
            "--request-timeout",
            min=0.1,
            max=3600,
            help="Seconds a request's headers and body have to arrive; a slower one is "
            "answered 408 and closed.",
        ),
    ] = DEFAULT_REQUEST_TIMEOUT,
    no_metrics: Annotated[
        bool, typer.Option("--no-metrics", help="Do not serve /metrics (Prometheus).")
    ] = False,
    metrics_public: Annotated[
        bool,
        typer.Option(
            "--metrics-public",
            help="Serve /metrics without the API token. Only where nothing but your "
            "monitoring network reaches the server.",
        ),
    ] = False,
    no_console: Annotated[
        bool,
        typer.Option(
            "--no-console",
            help="Do not serve the web console at /console (signed in with the API token).",
        ),
    ] = False,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="Do not run an outbox worker in the server (scheduled sends, bulk batches "
            "and forwarded webhooks then wait for `twiliokit worker`).",
        ),
    ] = False,
    profile: ProfileOption = None,
    config: ConfigOption = None,
) -> None:
    """Serve twiliokit: the HTTP actions API, MCP at /mcp, and Twilio's webhooks.

    Webhooks are checked (signatures), deduplicated, recorded in the ledger (--db) and handed
    to handlers. Refuses to start without the account's auth token unless
    --no-validate-signatures is given. With --emulator, everything runs on the built-in
    emulator.
    """
    secrets: list[str] = []
    with output.errors_handled(as_json=False, secrets=secrets), contextlib.ExitStack() as stack:
        environ = dict(os.environ)
        demo = None
        if emulator and workers > 1:
            raise ConfigurationError(
                "--workers cannot be used with --emulator: the emulator keeps its state in one "
                "process",
                field="workers",
                hint="Drop --workers (the emulator needs no more than one).",
            )
        if emulator:
            from twiliokit.cli.demo import running_emulator

            demo = stack.enter_context(running_emulator())
            environ = demo.environ(environ)
            profile = None  # the emulator's development credentials, not a profile's
        section = webhook_section(environ, config)
        # Everything that can be wrong with the configuration is checked before the port is
        # bound, so that a config error is reported as itself even when the port is taken.
        settings, found = build_settings(
            environ=environ,
            profile=profile,
            config=config,
            public_url=public_url,
            trusted_proxies=trusted_proxy or [],
            validate=not no_validate_signatures,
            section=section,
        )
        secrets.extend(found)
        forwarder = _forwarder(section, forward_url or [], environ)
        if forwarder is not None:
            secrets.append(forwarder.settings.secret)
        registry = _handlers(handlers)
        ledger_url = db or environ.get(DATABASE_URL_ENV, "").strip() or None
        if emulator and ledger_url is None:
            ledger_url = "memory://"  # demo data stays out of the real ledger unless --db
        _serve(
            stack=stack,
            host=host,
            port=port,
            public_url=public_url,
            webhooks=settings,
            ledger_url=ledger_url,
            registry=registry,
            forwarder=forwarder,
            secrets=secrets,
            environ=environ,
            profile=profile,
            config=config,
            read_only=read_only,
            dry_run=dry_run,
            demo=demo,
            workers=workers,
            limits=ConnectionLimits(
                keep_alive_timeout=keep_alive_timeout,
                request_timeout=request_timeout,
                max_connections=max_connections or None,
            ),
            metrics=not no_metrics,
            metrics_public=metrics_public,
            worker=not no_worker,
            console=not no_console,
        )


def _describe(target: Any) -> str:
    """The ledger for people: a path, or a URL with its password hidden."""
    if target.is_memory:
        return "in memory, for this run only (--db URL keeps it)"
    if target.sqlite_path is not None:
        return str(target.sqlite_path)
    from twiliokit.ledger.database import shown_url

    return shown_url(target.url)


@contextlib.contextmanager
def _listening_socket(host: str, port: int) -> Iterator[socket.socket]:
    """Bind before building the app, so the service knows its own URL even with --port 0."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            problem = (
                "is neither an IP address nor a host name that resolves"
                if isinstance(exc, socket.gaierror)
                else "is not an address of this machine"
            )
            raise ConfigurationError(
                f"cannot listen on --host {host}: it {problem}",
                field="host",
                hint="Give --host an address of this machine: 127.0.0.1 (this machine only), "
                "0.0.0.0 (every interface) or one of its own addresses.",
            ) from None
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            field="port",
            hint="Pick another --port (0 picks a free one).",
        ) from None
    with sock:
        yield sock


def _exposed(sock: socket.socket) -> bool:
    """Whether ``sock`` listens beyond this machine (not on a loopback address)."""
    return not ipaddress.ip_address(sock.getsockname()[0]).is_loopback


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def _check_ledger(url: str | None) -> None:
    """Open (and migrate) the ledger once, so that a bad database fails with a clear error
    before the server starts rather than as a traceback from its startup."""
    from twiliokit.ledger import open_ledger

    ledger = await open_ledger(url)
    await ledger.close()


def _serve(
    *,
    stack: contextlib.ExitStack,
    host: str,
    port: int,
    public_url: str | None,
    webhooks: Any,
    ledger_url: str | None,
    registry: Any,
    forwarder: Any,
    secrets: list[str],
    environ: Mapping[str, str],
    profile: str | None,
    config: Path | None,
    read_only: bool,
    dry_run: bool,
    demo: Any,
    workers: int,
    limits: ConnectionLimits,
    metrics: bool,
    metrics_public: bool,
    worker: bool = True,
    console: bool = True,
) -> None:
    from twiliokit.cli.service_config import service_settings
    from twiliokit.ledger.urls import resolve_ledger_url
    from twiliokit.server.service import create_service_app
    from twiliokit.serving import make_server, serve_workers

    target = resolve_ledger_url(ledger_url)  # a bad URL fails here, before the server starts
    if workers > 1 and target.is_memory:
        raise ConfigurationError(
            "--workers needs a shared ledger: an in-memory one lives in one process, so "
            "workers would neither see each other's records nor drop each other's duplicates",
            field="workers",
            hint="Give --db sqlite:///path.db or --db postgresql://..., or drop --workers.",
        )
    if ledger_url != "memory://":
        asyncio.run(_check_ledger(ledger_url))
    settings, token, found = service_settings(
        environ=environ,
        profile=profile,
        config=config,
        host=host,
        ledger_url=ledger_url,
        read_only=read_only,
        dry_run=dry_run,
        webhooks=webhooks,
        handlers=registry,
        forwarder=forwarder,
        mcp_stateless=workers > 1,
        metrics=metrics,
        metrics_public=metrics_public,
    )
    secrets.extend(found)
    if worker:
        settings = dataclasses.replace(settings, outbox=_outbox_settings(environ, config))
    settings = _with_console(settings, console=console, demo=demo)
    # Checked: now take the port. Binding first would let a taken port hide a config error.
    sock = stack.enter_context(_listening_socket(host, port))
    local = f"http://{_url_host(host)}:{sock.getsockname()[1]}"
    if demo is not None and not public_url:
        # The demo's webhooks come from the emulator straight to this socket.
        webhooks = dataclasses.replace(webhooks, public_url=local)
        settings = dataclasses.replace(settings, webhooks=webhooks)
    if _exposed(sock) and not (webhooks.public_url or "").lower().startswith("https://"):
        typer.echo(_EXPOSED.format(address=_url_host(sock.getsockname()[0])), err=True)
    if workers > 1 and target.sqlite_path is not None:
        typer.echo(_SQLITE_WORKERS, err=True)
    configure_logging(secrets, level=logging.INFO)
    if not webhooks.validate_signatures:
        typer.echo(_WARNING, err=True)

    def ready(*_: object) -> None:
        from twiliokit.cli.demo import guide, wire_in_background

        typer.echo(
            guide(
                service_url=local,
                token=token,
                demo=demo,
                ledger=_describe(target),
                console=console,
            )
        )
        if webhooks.public_url and demo is None:
            typer.echo(
                "Point a number here: twiliokit webhooks connect --number +1... "
                f"--public-url {webhooks.public_url}"
            )
        if demo is not None:
            wire_in_background(demo, local)

    if workers > 1:
        factory = functools.partial(_worker_app, settings, tuple(secrets))
        serve_workers(factory, sock=sock, workers=workers, on_ready=ready, limits=limits)
        return
    server = make_server(
        create_service_app(settings), log_level="warning", on_ready=ready, limits=limits
    )
    server.run(sockets=[sock])


def _with_console(settings: Any, *, console: bool, demo: Any) -> Any:
    """The service settings with the console off (``--no-console``), or, on the emulator,
    with its handset page texting the emulator's number."""
    if not console:
        return dataclasses.replace(settings, console=None)
    if demo is None:
        return settings
    from twiliokit.emulator import MAGIC_FROM
    from twiliokit.server.console import ConsoleSettings

    handset = ConsoleSettings(emulator_url=demo.base_url, twilio_number=MAGIC_FROM)
    return dataclasses.replace(settings, console=handset)


def _outbox_settings(environ: Mapping[str, str], config: Path | None) -> Any:
    """The config file's ``[outbox]`` table, for the worker the server runs."""
    from twiliokit.cli.service_config import config_sections, config_where
    from twiliokit.outbox.settings import SECTION, OutboxSettings

    sections = config_sections(environ, config)
    return OutboxSettings.from_section(sections.get(SECTION), where=config_where(environ, config))


def _worker_app(settings: Any, secrets: tuple[str, ...]) -> Any:
    """A worker process's app (``--workers``): logging as in the parent, then the service."""
    from twiliokit.server.service import create_service_app

    configure_logging(list(secrets), level=logging.INFO)
    return create_service_app(settings)
