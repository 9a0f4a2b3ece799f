"""`twiliokit connection show`: the resolved connection, secrets masked, and where each field
came from. ``resolve_for_cli`` is the one way CLI commands resolve a connection."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from twiliokit.cli.output import fail
from twiliokit.cli.vault import open_vault
from twiliokit.config_file import CONFIG_ENV, PROFILE_ENV, default_config_path
from twiliokit.connections import ENV_VARS, Connection, resolve_connection_with_sources
from twiliokit.errors import TwiliokitError
from twiliokit.private_files import readable_by_others
from twiliokit.vault import Vault

__all__ = ["connection_app", "resolve_for_cli"]

connection_app = typer.Typer(
    name="connection",
    help="Inspect the Twilio connection (credentials, region/edge, defaults) twiliokit uses.",
    no_args_is_help=True,
)

_BASE_URL_ENV = ENV_VARS["base_url"]
#: Connection fields that are secrets (a config file holding one should be private).
_SECRET_FIELDS = ("auth_token", "api_key_secret")


def resolve_for_cli(
    *,
    profile: str | None,
    config: Path | None,
    base_url: str | None,
    environ: Mapping[str, str],
) -> tuple[Connection, dict[str, str]]:
    """Resolve the connection from CLI options, the environment, the config file and the vault.

    The vault is opened (and its passphrase asked for) only if the config refers to it.
    """

    def vault() -> Vault:
        return open_vault(None, None, environ=environ)

    connection, sources = resolve_connection_with_sources(
        environ=environ,
        config_path=config,
        profile=profile,
        vault=vault,
        overrides={"base_url": base_url},
        overrides_source="command-line option",
    )
    _warn_if_others_can_read(config or default_config_path(environ), sources)
    return connection, sources


def _warn_if_others_can_read(path: Path, sources: Mapping[str, str]) -> None:
    """Warn on stderr when the config file gave a secret in plain text and other users can
    read it (a warning, not a refusal: the file may be shared on purpose, and refusing would
    stop every command of someone who upgrades)."""
    given = f"config {path} "
    if not any(sources.get(field, "").startswith(given) for field in _SECRET_FIELDS):
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if readable_by_others(mode):
        typer.echo(
            f"warning: {path} holds a Twilio secret in plain text and other users can read "
            f"it; run `chmod 600 {path}`, or keep the secret in the vault (docs/connections.md).",
            err=True,
        )


@connection_app.command("show")
def show_command(
    profile: Annotated[
        str | None,
        typer.Option("--profile", help=f"Config profile to use. (env: {PROFILE_ENV})"),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help=f"Config file. Default: config.toml in the user config directory. "
            f"(env: {CONFIG_ENV})",
            dir_okay=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help=f"Send every product to this base URL (the emulator). (env: {_BASE_URL_ENV})",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the resolved connection with secrets masked and the source of every field."""
    # Environment variables are read here (the edge) and handed to resolution, so that the
    # report can say "env TWILIO_..." rather than attributing them to an option.
    try:
        connection, sources = resolve_for_cli(
            profile=profile, config=config, base_url=base_url, environ=os.environ
        )
    except TwiliokitError as exc:
        fail(exc)
    from twiliokit.http import products

    shown = connection.describe()
    api_base = products.base_url(products.API, connection)
    if as_json:
        document = {
            "fields": {
                name: {"value": value, "source": sources.get(name)} for name, value in shown.items()
            },
            "auth_kind": connection.auth_kind,
            "api_base_url": api_base,
        }
        typer.echo(json.dumps(document, indent=2))
        return
    width = max(len(name) for name in shown)
    for name, value in shown.items():
        source = f"  ({sources[name]})" if name in sources else ""
        typer.echo(f"{name:<{width}}  {value if value is not None else '-'}{source}")
    typer.echo("")
    typer.echo(f"REST requests authenticate with: {_auth_description(connection)}")
    typer.echo(f"Twilio REST API base URL: {api_base}")


def _auth_description(connection: Connection) -> str:
    if connection.auth_kind == "api_key":
        webhook = (
            "the auth token is also set, for webhook signatures"
            if connection.auth_token
            else "no auth token: webhook signatures cannot be checked"
        )
        return f"API key {connection.api_key_sid} ({webhook})"
    return "the account's auth token"
