"""`twiliokit config init`: ask for credentials, check them with a read-only request (fetching
the account), then keep the secret in the vault and write the profile to the config file. A
check that fails leaves both as they were.

Each value comes from its option, else a prompt (the secret's hidden) when stdin is a
terminal, else one line of stdin in the order of the prompts: so ``printf '%s\\n' "$TOKEN" |
twiliokit config init --account-sid AC... --from +1...`` runs without a terminal. The secret
is never an option (argv is visible to every user through ``ps``) and never written to the
config file, which gets ``auth_token = "vault:NAME"`` instead.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from twiliokit.cli import output
from twiliokit.cli.runner import ConfigOption
from twiliokit.cli.vault import KeyFile, VaultPath, open_vault
from twiliokit.cli.wording import sentence
from twiliokit.config_file import VAULT_PREFIX, default_config_path, parse_config
from twiliokit.errors import ConfigurationError, TwiliokitError, ValidationError
from twiliokit.private_files import write_private

if TYPE_CHECKING:
    from twiliokit.connections import Connection
    from twiliokit.resources import Account

__all__ = ["config_app", "init_command", "profile_table", "with_profile"]

config_app = typer.Typer(
    name="config", help="The config file: set up a profile.", no_args_is_help=True
)

_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_TABLE_HEADER = re.compile(r"^\s*\[")


def _toml_string(value: str) -> str:
    # tomllib only reads TOML; for a few string values JSON's escaping is valid TOML (basic
    # strings take the same escapes), which spares a dependency on a TOML writer.
    return json.dumps(value, ensure_ascii=False)


def profile_table(name: str, values: Mapping[str, str]) -> str:
    """The ``[profiles.NAME]`` table holding ``values`` (``None``-free, in order)."""
    lines = [f"[profiles.{name}]"]
    lines += [f"{key} = {_toml_string(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def with_profile(text: str, name: str, values: Mapping[str, str], *, replace: bool) -> str:
    """Config file ``text`` with the profile ``name`` set to ``values``; the rest kept as it
    was. A profile that is already there is refused unless ``replace``; the first profile
    written becomes ``default_profile``. Pure."""
    config = parse_config(text)
    if name in config.profiles and not replace:
        raise ConfigurationError(
            f"The config file already has a profile {name!r}.",
            field="profile",
            hint="Choose another name with --profile NAME, or pass --force to replace it.",
        )
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if _TABLE_HEADER.match(line):
            skipping = line.strip() == f"[profiles.{name}]"
        if not skipping:
            kept.append(line)
    body = "\n".join(kept).strip("\n")
    if config.default_profile is None:
        body = f"default_profile = {_toml_string(name)}\n\n{body}".rstrip("\n")
    result = f"{body}\n\n{profile_table(name, values)}" if body else profile_table(name, values)
    parse_config(result)  # what is written must read back
    return result


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _ask(label: str, field: str, *, hidden: bool = False, optional: bool = False) -> str:
    """A value from the prompt (terminal) or the next line of stdin; ``""`` if optional and
    left empty. ``field`` names the option that gives it instead (none for the secret)."""
    flag = "--" + field.replace("_", "-")
    fix = "give it on a line of standard input (never as an option)"
    if not hidden:
        fix = f"pass {flag}, or give it on a line of standard input"
    if _interactive():
        suffix = " (optional, Enter to skip)" if optional else ""
        answer: str = typer.prompt(
            f"{label}{suffix}",
            hide_input=hidden,
            default="" if optional else None,
            show_default=False,
        )
    else:
        line = sys.stdin.readline()
        answer = line.strip()
        if not line and not optional:
            raise ValidationError(
                f"No {label.lower()} was given and there is no terminal to ask for it.",
                field=field,
                hint=f"{fix[0].upper()}{fix[1:]}.",
            )
    answer = answer.strip()
    if not answer and not optional:
        raise ValidationError(f"The {label.lower()} is empty.", field=field, hint=f"Please {fix}.")
    return answer


@config_app.command("init")
def init_command(
    profile: Annotated[
        str, typer.Option("--profile", help="Name of the profile to write.")
    ] = "default",
    account_sid: Annotated[
        str | None,
        typer.Option("--account-sid", metavar="AC...", help="The account SID (else asked)."),
    ] = None,
    api_key_sid: Annotated[
        str | None,
        typer.Option(
            "--api-key-sid",
            metavar="SK...",
            help="Use an API key: the secret asked for is then the key's secret, not the auth "
            "token.",
        ),
    ] = None,
    sender: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Default sender number, e.g. +14155550100 (else asked; may be left empty).",
        ),
    ] = None,
    vault_entry: Annotated[
        str | None,
        typer.Option(
            "--vault-entry",
            metavar="NAME",
            help="Vault entry for the secret. Default: twilio-PROFILE.",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="Send the profile's requests here, e.g. the emulator's (kept in the profile).",
        ),
    ] = None,
    config: ConfigOption = None,
    vault: VaultPath = None,
    key_file: KeyFile = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check/--no-check", help="Fetch the account with the new profile (read-only)."
        ),
    ] = True,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a profile of the same name.")
    ] = False,
) -> None:
    """Set up a profile: credentials to the vault, the profile to the config file, then a check."""
    secrets: list[str] = []
    with output.errors_handled(as_json=False, secrets=secrets):
        if not _PROFILE_NAME.fullmatch(profile):
            raise ValidationError(
                f"{profile!r} is not a profile name.",
                field="profile",
                hint="Use letters, digits, '.', '_' or '-' (up to 64 characters).",
            )
        path = config or default_config_path(os.environ)
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        if profile in parse_config(existing, path=path).profiles and not force:
            with_profile(existing, profile, {}, replace=False)  # raises, naming the fix
        sid = account_sid or _ask("Account SID", "account_sid")
        secret_key = "api_key_secret" if api_key_sid else "auth_token"
        label = "API key secret" if api_key_sid else "Auth token"
        secret = _ask(label, secret_key, hidden=True)
        secrets.append(secret)
        default_from = (
            sender if sender is not None else _ask("Default from number", "from", optional=True)
        )
        values: dict[str, str] = {"account_sid": sid}
        if api_key_sid:
            values["api_key_sid"] = api_key_sid
        entry = vault_entry or f"twilio-{profile}"
        values[secret_key] = f"{VAULT_PREFIX}{entry}"
        if default_from:
            values["default_from"] = default_from
        if base_url:
            values["base_url"] = base_url
        # Check the values before anything is stored: a malformed SID or token is refused here
        # with the field's own message, and credentials Twilio refuses (--check) leave neither
        # a vault entry nor a profile behind.
        connection = _connection_of(values, secret_key, secret)
        account = _check(connection) if check else None
        opened = open_vault(vault, key_file, environ=os.environ, create=True)
        opened.set(entry, secret)
        write_private(path, with_profile(existing, profile, values, replace=force).encode())
        typer.echo(f"Stored the {label.lower()} in the vault as {entry} ({opened.path}).")
        typer.echo(f"Wrote profile {profile} to {path}.")
        if account is not None:
            name = account.friendly_name or account.sid
            status = account.status or "no status"
            typer.echo(f"Checked: the profile reaches account {name} ({status}).")


def _connection_of(values: Mapping[str, str], secret_key: str, secret: str) -> Connection:
    """The connection the profile ``values`` describe, with the secret its vault entry holds."""
    from twiliokit.connections import Connection

    fields = {key: value for key, value in values.items() if key != secret_key}
    fields[secret_key] = secret
    return Connection(**fields)


def _check(connection: Connection) -> Account:
    """Fetch the account with the profile's connection (read-only), before anything is
    written; an error says that nothing was."""
    import asyncio

    from twiliokit.client import AsyncClient

    async def fetch() -> Account:
        async with AsyncClient(connection, retry=output.retry_policy()) as client:
            return await client.fetch_account()

    try:
        return asyncio.run(fetch())
    except TwiliokitError as exc:
        unwritten = (
            "Nothing was stored or written: fix the values and run `twiliokit config init` "
            "again (--no-check writes them without this check)."
        )
        exc.hint = f"{sentence(exc.hint)} {unwritten}" if exc.hint else unwritten
        raise
