"""Run a catalogue action from the command line.

Every Twilio command goes through here and so through ``twiliokit.actions.invoke``'s steps
(the action resolved and its arguments parsed once, then ``run_parsed``): the CLI,
Python, the HTTP API and MCP share one implementation of each operation. A command collects
its options into an arguments dict and calls ``execute``, which resolves the connection (the
same way as ``twiliokit connection show``), opens an ``AsyncClient``, runs the action under
``asyncio.run``, closes the client, and prints the result (JSON with ``--json``, else the
command's table) or the error (``twiliokit.cli.output``).

The options every Twilio command takes are defined once here (``ProfileOption`` ...).

The ledger: a command that sends (``SEND_ACTIONS``), runs a ledger action or carries an
idempotency key opens the same ledger ``twiliokit serve`` uses (``--db``, else
TWILIOKIT_DATABASE_URL, else the default SQLite file) and sends through ``LedgerHooks`` with the
config file's ``[compliance]`` table, so the CLI refuses and records like every other surface.
Other commands never open it: importing and migrating the ledger costs a few hundred
milliseconds that a ``messages list`` (answered by Twilio) has no use for. ``--no-ledger``
leaves it closed; the rules that need no history (``allowed_countries``, quiet hours) still apply.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from twiliokit.cli import output
from twiliokit.cli.completions import output_shapes
from twiliokit.config_file import CONFIG_ENV, DATABASE_URL_ENV, PROFILE_ENV
from twiliokit.connections import ENV_VARS
from twiliokit.errors import ConfigurationError, ValidationError

if TYPE_CHECKING:
    from twiliokit.actions.hooks import SendHooks
    from twiliokit.actions.registry import Action
    from twiliokit.actions.shapes import Shape
    from twiliokit.compliance import ComplianceSettings
    from twiliokit.ledger import LedgerStore

__all__ = [
    "SEND_ACTIONS",
    "BaseUrlOption",
    "Common",
    "ConfigOption",
    "DbOption",
    "IdempotencyKeyOption",
    "JsonOption",
    "NoLedgerOption",
    "ProfileOption",
    "ShapeOption",
    "execute",
    "given",
    "run_action",
    "shape_option",
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
ShapeOption = Annotated[
    str | None,
    typer.Option(
        "--shape",
        metavar="NAME",
        autocompletion=output_shapes,
        help="Answer in another platform's output shape: twiliokit (the default), smythos, "
        "prismatic, books or sb-agent-hub (see docs/shapes.md). Printed as JSON.",
    ),
]
IdempotencyKeyOption = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        metavar="KEY",
        help="Send once per key: run again with the same key and options within 24 hours and "
        "the first result is printed, nothing is sent (kept in the ledger: --db, else "
        "TWILIOKIT_DATABASE_URL, else the default SQLite file).",
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Ledger database URL, the one `twiliokit serve` records into: sqlite:///path.db, "
        "postgresql://... Sends are checked against it (the config file's compliance "
        "table) and recorded in it. Default: SQLite in the user data directory. "
        f"(env: {DATABASE_URL_ENV})",
    ),
]
NoLedgerOption = Annotated[
    bool,
    typer.Option(
        "--no-ledger",
        help="Do not open the ledger: the send is not recorded, and the checks that need its "
        "history (opt-outs, WhatsApp window, daily_cap) are skipped; allowed_countries and "
        "quiet hours still apply.",
    ),
]


@dataclass(frozen=True)
class Common:
    """The options every Twilio command takes."""

    profile: str | None = None
    config: Path | None = None
    base_url: str | None = None
    as_json: bool = False
    #: The ledger URL (``--db``); ``None`` reads TWILIOKIT_DATABASE_URL, else the default file.
    db: str | None = None
    #: ``--no-ledger``: run without the ledger.
    no_ledger: bool = False
    #: ``--shape``: the output shape (``None``: the default, twiliokit's own).
    shape: str | None = None


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
    """Resolve the action and parse its arguments (once), resolve the connection, run the
    action (``twiliokit.actions.invoke.run_parsed``, as every surface does) and return its
    output.

    Raises ``twiliokit.errors`` exceptions. The name and arguments are checked before the
    connection is resolved, so a typo is reported as such even where no credentials are set.
    ``secrets``, when given, receives the connection's secret values as soon as they are
    known, so that error reports can mask them.
    """
    import asyncio

    from twiliokit.actions import ActionContext, catalogue
    from twiliokit.actions.invoke import find_action, parse_arguments, run_parsed
    from twiliokit.cli.connection import resolve_for_cli
    from twiliokit.client import AsyncClient

    shape_option(common.shape)
    action = find_action(catalogue(), name)
    parsed = parse_arguments(action, arguments)
    opens_ledger = _needs_ledger(action, arguments, common)
    url = _ledger_url(common, os.environ) if opens_ledger else None
    compliance = _compliance(common, os.environ) if _sends(action) else None
    connection, _sources = resolve_for_cli(
        profile=common.profile, config=common.config, base_url=common.base_url, environ=os.environ
    )
    if secrets is not None:
        secrets.extend(connection.secret_values())

    async def run() -> dict[str, Any]:
        retry = output.retry_policy()
        async with (
            AsyncClient(connection, retry=retry) as client,
            _ledger(opens_ledger, url) as ledger,
        ):
            context = ActionContext(
                client=client, connection=connection, ledger=ledger, progress=_say_progress
            )
            if compliance is not None:
                context.hooks = _send_hooks(ledger, compliance)
                if ledger is not None:
                    # A send made now takes its sender's slot at the pace the workers keep.
                    context.pace = compliance.pace
            answer = await run_parsed(action, parsed, context=context)
            return output.mark_replay(answer, context)

    async def run_until_terminated() -> dict[str, Any]:
        with _cancel_on_sigterm():
            return await run()

    try:
        return asyncio.run(run_until_terminated())
    except asyncio.CancelledError:
        # SIGTERM: the action was cancelled, so a send that had not left was recorded as
        # interrupted rather than cut off mid-way (and is never sent later by a worker).
        typer.echo("stopped (SIGTERM)", err=True)
        raise typer.Exit(128 + signal.SIGTERM) from None


async def _say_progress(done: float, total: float | None, message: str | None) -> None:
    """An action's progress (a send waiting for its pace, a wait for delivery) on stderr: a
    long wait is never silent."""
    if message:
        typer.echo(message, err=True)


@contextlib.contextmanager
def _cancel_on_sigterm() -> Iterator[None]:
    """While an action runs, SIGTERM (``kill``, GNU ``timeout``) cancels it, as Ctrl-C does,
    instead of ending the process wherever it is. (Not by turning it into SIGINT: a command
    started in the background by a shell, or by ``timeout``, may have SIGINT ignored.)"""
    import asyncio

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def shape_option(name: str | None) -> Shape:
    """The output shape ``--shape`` names; an unknown one is refused (before anything runs)
    with an error naming the flag and the shapes there are."""
    from twiliokit.actions.shapes import SHAPE_NAMES, get_shape
    from twiliokit.errors import ValidationError

    try:
        return get_shape(name)
    except ValidationError:
        raise ValidationError(
            f"--shape {name!r} is not an output shape",
            field="shape",
            hint=f"use one of: {', '.join(SHAPE_NAMES)} (see docs/shapes.md)",
        ) from None


#: The actions whose request goes through ``SendHooks`` (``twiliokit.actions.sending``): the
#: ones compliance checks and the outbox records.
SEND_ACTIONS: Final = frozenset(
    {"send_sms", "send_whatsapp", "make_call", "start_verification", "send_bulk"}
)
#: The action groups that read or write the ledger (and the outbox in it).
LEDGER_GROUPS: Final = frozenset({"ledger", "outbox"})


def _sends(action: Action[Any, Any]) -> bool:
    """Whether the action is a send: checked by the compliance rules, and recorded."""
    return action.name in SEND_ACTIONS


def _needs_ledger(action: Action[Any, Any], arguments: Mapping[str, Any], common: Common) -> bool:
    """Whether to open the ledger for this action: sends, the ledger actions, and a keyed run
    (the key is kept there). Refuses ``--no-ledger`` where the action cannot do without it."""
    keyed = arguments.get("idempotency_key") is not None
    if not common.no_ledger:
        return _sends(action) or action.group in LEDGER_GROUPS or keyed
    if common.db is not None:
        raise ConfigurationError(
            "--db and --no-ledger were both given",
            field="no_ledger",
            hint="Give --db URL to use that ledger, or --no-ledger to run without one.",
        )
    if action.group in LEDGER_GROUPS:
        raise ConfigurationError(
            f"{action.name} reads the ledger, and --no-ledger turns it off",
            field="no_ledger",
            hint=f"Drop --no-ledger: the ledger is --db URL, else {DATABASE_URL_ENV}, else the "
            "default SQLite file.",
        )
    if keyed:
        raise ConfigurationError(
            "an idempotency key is kept in the ledger, and --no-ledger turns it off",
            field="idempotency_key",
            hint="Drop --no-ledger to send once per key, or drop the key.",
        )
    return False


def _ledger_url(common: Common, environ: Mapping[str, str]) -> str | None:
    """``--db``, else TWILIOKIT_DATABASE_URL, else ``None`` (the default SQLite file); checked
    here so that a bad URL is reported with where it came from, before any request."""
    from twiliokit.ledger.urls import resolve_ledger_url

    url = common.db or environ.get(DATABASE_URL_ENV, "").strip() or None
    if url is not None:
        try:
            resolve_ledger_url(url)
        except ValidationError as exc:
            source = "--db" if common.db else DATABASE_URL_ENV
            raise ConfigurationError(
                f"{source}: {exc.message}", field="db", hint=exc.hint
            ) from None
    return url


def _compliance(common: Common, environ: Mapping[str, str]) -> _Compliance:
    """The ``[compliance]`` table of the config file (``--config``, else TWILIOKIT_CONFIG,
    else the default file), the receiver's public URL for status callbacks (as `serve`
    and `mcp` read them), and the senders' pace from ``[outbox]``. Read before any request,
    so a bad table fails first."""
    from twiliokit.cli.service_config import config_sections
    from twiliokit.compliance import ComplianceSettings
    from twiliokit.compliance.settings import SECTION
    from twiliokit.config_file import PUBLIC_URL_ENV, default_config_path
    from twiliokit.outbox.settings import SECTION as OUTBOX_SECTION
    from twiliokit.outbox.settings import OutboxSettings

    sections = config_sections(environ, common.config)
    where = str(common.config if common.config is not None else default_config_path(environ))
    settings = ComplianceSettings.from_section(sections.get(SECTION), where=where)
    pace = OutboxSettings.from_section(sections.get(OUTBOX_SECTION), where=where).rate_for
    if common.no_ledger:
        # Without the ledger there is no history to judge opt-outs, the WhatsApp window or
        # the daily cap by; the rules that need none still apply.
        settings = dataclasses.replace(
            settings, opt_outs=False, whatsapp_window=False, daily_cap=None
        )
    webhooks = sections.get("webhooks")
    public_url = environ.get(PUBLIC_URL_ENV, "").strip() or (
        webhooks.get("public_url") if isinstance(webhooks, Mapping) else None
    )
    return _Compliance(settings=settings, status_callback_url=public_url or None, pace=pace)


@dataclass(frozen=True)
class _Compliance:
    settings: ComplianceSettings
    status_callback_url: str | None
    #: A sender's messages per second (``[outbox]`` rates, else its kind's default).
    pace: Callable[[str], float]


def _send_hooks(ledger: LedgerStore | None, compliance: _Compliance) -> SendHooks:
    """``LedgerHooks`` on the ledger (an in-memory stand-in with ``--no-ledger``, which
    records nothing that outlives the command)."""
    from twiliokit.compliance import LedgerHooks

    if ledger is None:
        from twiliokit.ledger.memory import MemoryLedger

        ledger = MemoryLedger()
    return LedgerHooks(
        ledger, compliance.settings, status_callback_url=compliance.status_callback_url
    )


@contextlib.asynccontextmanager
async def _ledger(opens: bool, url: str | None) -> AsyncIterator[LedgerStore | None]:
    """The ledger at ``url`` (``None``: the default SQLite file, as `serve` uses), or
    ``None`` when the command does not use one."""
    if not opens:
        yield None
        return
    from twiliokit.ledger import open_ledger

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
    ``show(output)``; with ``--shape``, JSON in that shape. Returns the default output. Any
    error is reported through ``output.fail`` and exits."""
    secrets: list[str] = []
    with output.errors_handled(as_json=common.as_json, secrets=secrets):
        result = run_action(name, arguments, common, secrets=secrets)
        if common.shape is not None:
            # Printed in the shape (as JSON: a command's table shows the default fields); the
            # command itself goes on with the default output (its exit status, its footer).
            output.show_json(_in_shape(name, result, common.shape))
        elif common.as_json or show is None:
            output.show_json(result)
        else:
            show(result)
    return result


def _in_shape(name: str, result: dict[str, Any], shape: str) -> dict[str, Any]:
    """``result``, the default output of action ``name``, in the output shape ``shape`` (with
    the replay marker, which says nothing was sent this time, kept whatever the shape)."""
    from twiliokit.actions import catalogue
    from twiliokit.actions.idempotency import REPLAYED
    from twiliokit.actions.invoke import find_action
    from twiliokit.actions.shapes import shape_output

    shaped = shape_output(shape_option(shape), find_action(catalogue(), name), result)
    return {**shaped, REPLAYED: True} if result.get(REPLAYED) else shaped
