"""Run a catalogue action from the command line.

Every Twilio command goes through here and so through ``twiliokit.actions.invoke``: the CLI,
Python, the HTTP API and MCP share one implementation of each operation. A command collects
its options into an arguments dict and calls ``execute``, which resolves the connection (the
same way as ``twiliokit connection show``), opens an ``AsyncClient``, runs the action under
``asyncio.run``, closes the client, and prints the result (JSON with ``--json``, else the
command's table) or the error (``twiliokit.cli.output``).

The options every Twilio command takes are defined once here (``ProfileOption`` ...).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.config import CONFIG_ENV, PROFILE_ENV
from twiliokit.connections import ENV_VARS

__all__ = [
    "BaseUrlOption",
    "Common",
    "ConfigOption",
    "IdempotencyKeyOption",
    "JsonOption",
    "ProfileOption",
    "execute",
    "given",
    "run_action",
]

# These three are read from the environment by connection resolution itself (which records
# where each value came from), so they name their variable in the help text rather than
# through typer's ``envvar=``, exactly as ``twiliokit connection show`` does.
ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", help=f"Config profile to use. (env: {PROFILE_ENV})"),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help=f"Config file. Default: config.toml in the user config directory. (env: {CONFIG_ENV})",
        dir_okay=False,
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Send every request to this base URL, e.g. the emulator's. "
        f"(env: {ENV_VARS['base_url']})",
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help='Print JSON (the action\'s output, or an {"error": ...} object).'),
]
IdempotencyKeyOption = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        metavar="KEY",
        help="Send once per key: run again with the same key and options within 24 hours and "
        "the first result is printed, nothing is sent (kept in the ledger: "
        "TWILIOKIT_DATABASE_URL, else the default SQLite file).",
    ),
]


@dataclass(frozen=True)
class Common:
    """The options every Twilio command takes."""

    profile: str | None = None
    config: Path | None = None
    base_url: str | None = None
    as_json: bool = False


def given(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """``arguments`` less the options the user did not give (``None``, or an empty repeatable
    option), so that the action's own defaults apply."""
    return {
        key: value
        for key, value in arguments.items()
        if value is not None and not (isinstance(value, list | tuple) and not value)
    }


def run_action(
    name: str, arguments: Mapping[str, Any], common: Common, *, secrets: list[str] | None = None
) -> dict[str, Any]:
    """Resolve the connection, run the action through ``invoke`` and return its output.

    Raises ``twiliokit.errors`` exceptions. The name and arguments are checked before the
    connection is resolved, so a typo is reported as such even where no credentials are set.
    ``secrets``, when given, receives the connection's secret values as soon as they are
    known, so that error reports can mask them.
    """
    import asyncio

    from twiliokit.actions import ActionContext, catalogue, invoke
    from twiliokit.actions.invoke import find_action, parse_arguments
    from twiliokit.cli.connection import resolve_for_cli
    from twiliokit.client import AsyncClient

    parse_arguments(find_action(catalogue(), name), arguments)
    connection, _sources = resolve_for_cli(
        profile=common.profile, config=common.config, base_url=common.base_url, environ=os.environ
    )
    if secrets is not None:
        secrets.extend(connection.secret_values())

    async def run() -> dict[str, Any]:
        async with AsyncClient(connection) as client, _keys_ledger(arguments) as ledger:
            context = ActionContext(client=client, connection=connection, ledger=ledger)
            return await invoke(name, arguments, context=context)

    return asyncio.run(run())


@contextlib.asynccontextmanager
async def _keys_ledger(arguments: Mapping[str, Any]) -> AsyncIterator[Any]:
    """The ledger where a send's ``--idempotency-key`` is kept across invocations (from
    TWILIOKIT_DATABASE_URL, else the default SQLite file); opened only for a keyed send, so
    other commands never pay for it."""
    if arguments.get("idempotency_key") is None:
        yield None
        return
    from twiliokit.config import DATABASE_URL_ENV
    from twiliokit.ledger import open_ledger

    url = os.environ.get(DATABASE_URL_ENV, "").strip() or None
    async with await open_ledger(url) as ledger:
        yield ledger


def execute(
    name: str,
    arguments: Mapping[str, Any],
    common: Common,
    *,
    show: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run an action and print its output: JSON with ``--json`` (or without ``show``), else
    ``show(output)``. Any error is reported through ``output.fail`` and exits."""
    secrets: list[str] = []
    with output.errors_handled(as_json=common.as_json, secrets=secrets):
        result = run_action(name, arguments, common, secrets=secrets)
        if common.as_json or show is None:
            output.show_json(result)
        else:
            show(result)
    return result
