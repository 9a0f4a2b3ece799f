"""`twiliokit vault set|get|list|delete`: the encrypted local secret store.

Secrets never travel on the command line (argv is visible to every user through ``ps`` and
lands in shell history): ``set`` reads the secret from a hidden prompt, or from stdin when
stdin is not a terminal. The passphrase comes from ``TWILIOKIT_VAULT_PASSPHRASE`` or a hidden
prompt, never from an option. Without a terminal nothing prompts: a command run by an agent or
a CI job fails with a clear message instead of waiting forever.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from twiliokit.cli.output import fail
from twiliokit.errors import TwiliokitError, VaultError
from twiliokit.redaction import mask_secret
from twiliokit.vault import KEY_FILE_ENV, PASSPHRASE_ENV, VAULT_ENV, Vault, default_vault_path

__all__ = ["fail", "open_vault", "vault_app"]

vault_app = typer.Typer(
    name="vault",
    help="Store secrets in an encrypted local vault (AES-256-GCM, file mode 0600). Unlock it "
    f"with a passphrase (env: {PASSPHRASE_ENV}; otherwise a hidden prompt in a terminal) or a "
    f"key file (env: {KEY_FILE_ENV}). Reference entries from the config file as "
    '"vault:NAME".',
    no_args_is_help=True,
)

VaultPath = Annotated[
    Path | None,
    typer.Option(
        "--vault",
        envvar=VAULT_ENV,
        show_envvar=False,
        help=f"Vault file. Default: vault.json in the user data directory. (env: {VAULT_ENV})",
        dir_okay=False,
    ),
]
KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        envvar=KEY_FILE_ENV,
        show_envvar=False,
        help="Unlock with this key file instead of a passphrase (at least 32 random bytes, "
        f"mode 0600). (env: {KEY_FILE_ENV})",
        dir_okay=False,
    ),
]
Name = Annotated[
    str, typer.Argument(metavar="NAME", help="Entry name: letters, digits, '.', '_' or '-'.")
]


def open_vault(
    path: Path | None,
    key_file: Path | None,
    *,
    environ: Mapping[str, str],
    create: bool = False,
) -> Vault:
    """Unlock the vault the CLI is pointed at (``--vault``/``TWILIOKIT_VAULT`` or the default).

    The passphrase comes from ``TWILIOKIT_VAULT_PASSPHRASE``, else a hidden prompt when stdin
    is a terminal (asked twice when creating the vault).
    """
    path = path or _env_path(environ, VAULT_ENV) or default_vault_path()
    key_file = key_file or _env_path(environ, KEY_FILE_ENV)
    if key_file is not None:
        return Vault.open(path, key_file=key_file, create=create)
    creating = create and not path.exists()
    if not create and not path.exists():
        # Fail on the missing file before asking for a passphrase it could never use.
        raise VaultError(
            f"There is no vault at {path}.",
            field="vault",
            hint=f"Store a secret to create one (`twiliokit vault set NAME`), or point {VAULT_ENV}"
            " / --vault at yours.",
        )
    passphrase = environ.get(PASSPHRASE_ENV) or _prompt_passphrase(confirm=creating)
    return Vault.open(path, passphrase=passphrase, create=create)


class _HiddenArgumentsCommand(TyperCommand):
    """A command whose hidden arguments are left out of its usage line too."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not (param.param_type_name == "argument" and getattr(param, "hidden", False)):
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


@vault_app.command("set", cls=_HiddenArgumentsCommand)
def set_command(
    name: Name,
    typed: Annotated[list[str] | None, typer.Argument(hidden=True)] = None,
    vault: VaultPath = None,
    key_file: KeyFile = None,
) -> None:
    """Store a secret under NAME, read from a hidden prompt or from stdin (never from argv).

    Examples: `twiliokit vault set twilio-prod` (prompts), or
    `pass show twilio | twiliokit vault set twilio-prod`.
    """
    if typed:
        # Taken so that it is refused here, without being repeated: click's own error for an
        # extra argument ("Got unexpected extra argument (...)") would print the secret.
        fail(
            VaultError(
                "vault set does not take the secret on the command line (shell history and "
                "the process list keep it there); nothing was stored",
                field="secret",
                hint=f"Run `twiliokit vault set {name}` and type it at the hidden prompt, or "
                f"pipe it in: `pass show ... | twiliokit vault set {name}`. If others can read "
                "this shell's history, change the secret.",
            )
        )
    try:
        opened = open_vault(vault, key_file, environ=os.environ, create=True)
        secret = _read_secret(name)
        existed = name in opened
        opened.set(name, secret)
    except TwiliokitError as exc:
        fail(exc)
    typer.echo(f"{'Updated' if existed else 'Stored'} {name} in {opened.path}")


@vault_app.command("get")
def get_command(
    name: Name,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Print the whole secret instead of a masked form.")
    ] = False,
    vault: VaultPath = None,
    key_file: KeyFile = None,
) -> None:
    """Print the secret stored under NAME, masked unless --reveal is given."""
    try:
        secret = open_vault(vault, key_file, environ=os.environ).get(name)
    except TwiliokitError as exc:
        fail(exc)
    typer.echo(secret if reveal else mask_secret(secret))


@vault_app.command("list")
def list_command(vault: VaultPath = None, key_file: KeyFile = None) -> None:
    """Print the stored entry names, one per line."""
    try:
        names = open_vault(vault, key_file, environ=os.environ).names()
    except TwiliokitError as exc:
        fail(exc)
    for entry in names:
        typer.echo(entry)


@vault_app.command("delete")
def delete_command(name: Name, vault: VaultPath = None, key_file: KeyFile = None) -> None:
    """Remove the entry NAME."""
    try:
        opened = open_vault(vault, key_file, environ=os.environ)
        opened.delete(name)
    except TwiliokitError as exc:
        fail(exc)
    typer.echo(f"Deleted {name} from {opened.path}")


def _env_path(environ: Mapping[str, str], variable: str) -> Path | None:
    value = environ.get(variable, "").strip()
    return Path(value).expanduser() if value else None


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _prompt_passphrase(*, confirm: bool) -> str:
    if not _interactive():
        raise VaultError(
            "The vault needs a passphrase and there is no terminal to ask for it.",
            field="passphrase",
            hint=f"Set {PASSPHRASE_ENV} to the passphrase, or {KEY_FILE_ENV} to a key file's path.",
        )
    text = "New vault passphrase" if confirm else "Vault passphrase"
    passphrase: str = typer.prompt(text, hide_input=True, confirmation_prompt=confirm)
    return passphrase


def _read_secret(name: str) -> str:
    if _interactive():
        secret: str = typer.prompt(f"Secret for {name}", hide_input=True)
    else:
        secret = sys.stdin.read()
    # A trailing line break (from `echo` or the prompt) is never part of a secret.
    secret = secret.strip()
    if not secret:
        raise VaultError(
            "No secret was given.",
            field="secret",
            hint='Type it at the prompt, or pipe it in: `printf %s "$SECRET" | twiliokit '
            f"vault set {name}`.",
        )
    return secret
