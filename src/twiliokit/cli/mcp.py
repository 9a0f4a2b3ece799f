"""`twiliokit mcp`: the MCP server over stdio, for Claude Desktop, Claude Code, Cursor and
every other MCP client (see docs/mcp.md).

Credentials come from the environment, the config file or the vault, exactly as for every
other command: never from tool arguments, and never from the command line (``ps`` would show
them). The ``[guardrails]`` table of the config file limits what agents may do;
``--read-only`` and ``--dry-run`` only ever tighten it. stdout is the MCP channel: errors
before the server starts, and the log, go to stderr.

Also here, for `twiliokit serve`: :func:`service_settings` builds the service's settings
(connection, guardrails, compliance, API token) the same way.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.app import app
from twiliokit.cli.runner import BaseUrlOption, ConfigOption, ProfileOption
from twiliokit.cli.webhooks import PUBLIC_URL_ENV
from twiliokit.config import CONFIG_ENV, DATABASE_URL_ENV, default_config_path, load_config

if TYPE_CHECKING:
    from twiliokit.compliance import ComplianceSettings
    from twiliokit.connections import Connection
    from twiliokit.guardrails import Guardrails
    from twiliokit.ledger import LedgerStore
    from twiliokit.service import ApiToken, ServiceSettings

__all__ = ["announce_token", "config_sections", "mcp_command", "service_settings"]

#: The ledger database URL (shared with `twiliokit serve`).

ReadOnlyOption = Annotated[
    bool,
    typer.Option(
        "--read-only",
        help="Offer only tools that read; refuse every write. (config file: guardrails.read_only)",
    ),
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Writes return a preview of what they would send (segments, cost class) and send "
        "nothing. (config file: guardrails.dry_run)",
    ),
]


def config_sections(environ: Mapping[str, str], config: Path | None) -> Mapping[str, Any]:
    """The non-profile tables of the config file (empty when there is no file)."""
    explicit = config is not None or bool(environ.get(CONFIG_ENV, "").strip())
    path = config if config is not None else default_config_path(environ)
    if not explicit and not path.exists():
        return {}
    return load_config(path).sections


def _guardrails(
    sections: Mapping[str, Any], *, read_only: bool, dry_run: bool, where: str
) -> Guardrails:
    from twiliokit.guardrails import Guardrails

    section = sections.get("guardrails", {})
    return Guardrails.from_section(section, where=where).tightened(
        read_only=read_only, dry_run=dry_run
    )


def _compliance(sections: Mapping[str, Any], where: str) -> ComplianceSettings:
    from twiliokit.compliance import ComplianceSettings
    from twiliokit.compliance.settings import SECTION

    return ComplianceSettings.from_section(sections.get(SECTION), where=where)


def _where(environ: Mapping[str, str], config: Path | None) -> str:
    return str(config if config is not None else default_config_path(environ))


def service_settings(
    *,
    environ: Mapping[str, str],
    profile: str | None,
    config: Path | None,
    base_url: str | None = None,
    host: str = "127.0.0.1",
    ledger_url: str | None = None,
    read_only: bool = False,
    dry_run: bool = False,
    **service: Any,
) -> tuple[ServiceSettings, ApiToken, list[str]]:
    """The settings `twiliokit serve` runs the service with, the API token, and the secrets
    to keep out of logs. ``service`` passes the receiver's parts through (``webhooks``,
    ``handlers``, ``forwarder``); see :class:`twiliokit.service.ServiceSettings`."""
    from twiliokit.cli.connection import resolve_for_cli
    from twiliokit.guardrails import GuardedCatalogue
    from twiliokit.service import ServiceSettings, resolve_api_token

    connection, _ = resolve_for_cli(
        profile=profile, config=config, base_url=base_url, environ=environ
    )
    sections = config_sections(environ, config)
    where = _where(environ, config)
    guardrails = _guardrails(sections, read_only=read_only, dry_run=dry_run, where=where)
    GuardedCatalogue(guardrails)  # a tool name that is not an action fails here, not later
    token = resolve_api_token(environ)
    settings = ServiceSettings(
        connection=connection,
        api_token=token.value,
        guardrails=guardrails,
        ledger_url=ledger_url,
        host=host,
        compliance=_compliance(sections, where),
        **service,
    )
    return settings, token, [*connection.secret_values(), token.value]


def announce_token(token: ApiToken) -> None:
    """Tell the user (on stderr) about a token generated just now; later runs say nothing."""
    if token.source == "generated":
        typer.echo(
            f"Generated an API token (kept in {token.path}, readable only by you):\n"
            f"  {token.value}\n"
            "Clients send it as 'Authorization: Bearer <token>'; set TWILIOKIT_API_TOKEN to "
            "use your own.",
            err=True,
        )


@app.command("mcp")
def mcp_command(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    read_only: ReadOnlyOption = False,
    dry_run: DryRunOption = False,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Ledger database URL, for conversation and status resources and send records. "
            "Default: the SQLite ledger in the user data directory if it exists (as "
            f"`twiliokit serve` fills it), else none. (env: {DATABASE_URL_ENV})",
        ),
    ] = None,
) -> None:
    """Serve twiliokit's actions as MCP tools over stdio (for Claude Desktop, Claude Code...).

    Credentials come from TWILIO_* environment variables, the config profile or the vault,
    never from arguments."""
    secrets: list[str] = []
    with output.errors_handled(as_json=False, secrets=secrets):
        from twiliokit.cli.connection import resolve_for_cli
        from twiliokit.guardrails import GuardedCatalogue

        environ = os.environ
        connection, _ = resolve_for_cli(
            profile=profile, config=config, base_url=base_url, environ=environ
        )
        secrets.extend(connection.secret_values())
        sections = config_sections(environ, config)
        where = _where(environ, config)
        catalogue = GuardedCatalogue(
            _guardrails(sections, read_only=read_only, dry_run=dry_run, where=where)
        )
        ledger_url = db or environ.get(DATABASE_URL_ENV, "").strip() or None
        _configure_logging(secrets)
        _run(connection, catalogue, ledger_url, _compliance(sections, where), sections)


def _configure_logging(secrets: list[str]) -> None:
    from twiliokit.log_redaction import SecretFilter

    handler = logging.StreamHandler()  # stderr: stdout carries the protocol
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
    logger = logging.getLogger("twiliokit")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)


def _run(
    connection: Connection,
    catalogue: Any,
    ledger_url: str | None,
    compliance: ComplianceSettings,
    sections: Mapping[str, Any],
) -> None:
    import anyio

    from twiliokit.ledger import default_ledger_path

    if ledger_url is None and default_ledger_path().exists():
        ledger_url = ""  # the default SQLite ledger: open_ledger's "" form

    async def serve() -> None:
        from twiliokit.agent_runtime import open_runtime
        from twiliokit.mcp_server import serve_stdio

        ledger = await _open_ledger(ledger_url)
        try:
            hooks = None
            if ledger is not None:
                from twiliokit.compliance import LedgerHooks

                webhooks = sections.get("webhooks")
                public = os.environ.get(PUBLIC_URL_ENV, "").strip() or (
                    webhooks.get("public_url") if isinstance(webhooks, Mapping) else None
                )
                hooks = LedgerHooks(ledger, compliance, status_callback_url=public or None)
            async with open_runtime(connection, catalogue, ledger=ledger, hooks=hooks) as runtime:
                await serve_stdio(catalogue, runtime)
        finally:
            if ledger is not None:
                await ledger.close()

    anyio.run(serve)


async def _open_ledger(url: str | None) -> LedgerStore | None:
    if url is None:
        return None
    from twiliokit.ledger import open_ledger

    return await open_ledger(url or None)
