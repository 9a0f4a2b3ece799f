"""The root typer app: the command groups of the modules beside it, added in one place."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from twiliokit import __version__
from twiliokit.cli.help_types import use_plain_types

app = typer.Typer(
    name="twiliokit",
    help="Twilio for AI agents and automation: actions, webhooks, MCP, and a local emulator.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"twiliokit {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Twilio for AI agents and automation."""


def _register() -> None:
    """Add every command group to the root app. The groups know nothing of the root: imports
    go one way, from here down to them (each keeps its heavy imports inside its commands)."""
    from twiliokit.cli import (
        actions,
        completion,
        config_init,
        connection,
        emulator,
        lookup,
        mcp,
        messaging,
        outbox,
        raw,
        serve,
        vault,
        verify,
        voice,
        webhooks,
        worker,
    )

    # The groups, then the single commands (the order `twiliokit --help` lists them in).
    for name, command in (
        ("actions", actions.actions_app),
        ("config", config_init.config_app),
        ("connection", connection.connection_app),
        ("sms", messaging.sms_app),
        ("whatsapp", messaging.whatsapp_app),
        ("messages", messaging.messages_app),
        ("outbox", outbox.outbox_app),
        ("calls", voice.calls_app),
        ("verify", verify.verify_app),
        ("webhooks", webhooks.webhooks_app),
        ("vault", vault.vault_app),
        ("serve", serve.serve_command),
        ("worker", worker.worker_command),
        ("mcp", mcp.mcp_command),
        ("emulator", emulator.emulator_command),
        ("lookup", lookup.lookup_command),
        ("raw", raw.raw_command),
        ("completion", completion.completion_command),
    ):
        if isinstance(command, typer.Typer):
            app.add_typer(command, name=name)
        else:
            app.command(name)(command)


_register()
use_plain_types()


def _usage_error(exc: Exception, *, as_json: bool) -> NoReturn:
    """Report a usage error (missing or malformed option) as every other error, and exit 2."""
    from twiliokit.cli.output import EXIT_INPUT, error_object
    from twiliokit.cli.wording import flags_of, sentence
    from twiliokit.errors import ValidationError

    ctx = getattr(exc, "ctx", None)
    param = getattr(exc, "param", None)
    message = _conversion_problem(exc, param)
    if message is None:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    error = ValidationError(
        sentence(message),
        hint=f"See `{ctx.command_path} --help`." if ctx is not None else None,
        field=getattr(param, "name", None),
    )
    error.error_type = "usage_error"
    if as_json:
        flags = flags_of([param]) if param is not None else {}
        typer.echo(json.dumps(error_object(error, flags=flags), indent=2))
    else:
        hint = f" Hint: {error.hint}" if error.hint else ""
        typer.echo(f"error: {error.message}{hint}", err=True)
    sys.exit(getattr(exc, "exit_code", EXIT_INPUT) or EXIT_INPUT)


def _conversion_problem(exc: Exception, param: Any) -> str | None:
    """A value typer could not convert (``--limit abc``, ``--port 70000``: pydantic's error,
    which typer words "Input should be ..."), in the command line's words naming the flag;
    ``None`` for any other usage error. Every option of every command is converted here."""
    import pydantic

    from twiliokit.cli.wording import flags_of, option_problem

    cause = exc.__cause__
    if param is None or not param.name or not isinstance(cause, pydantic.ValidationError):
        return None
    errors = cause.errors(include_url=False)
    if not errors:
        return None
    flag = flags_of([param]).get(param.name, param.name)
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    return option_problem(flag, errors[0], low=low, high=high)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point. Usage errors are one line on stderr (with ``--json``, the
    JSON error object on stdout) and exit 2."""
    from twiliokit.cli.output import EXIT_INTERRUPTED, exit_endings

    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    exits, aborts = exit_endings()
    try:
        # Not standalone: click then returns the exit code of `typer.Exit` instead of exiting.
        code = app(args=argv, standalone_mode=False)
    except exits as exc:
        sys.exit(getattr(exc, "exit_code", 0))
    except aborts:
        typer.echo("aborted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except typer.TyperException as exc:
        # typer vendors click; its usage errors (missing or malformed options) arrive here.
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help())  # `twiliokit GROUP` alone: that group's help
            sys.exit(2)
        _usage_error(exc, as_json=as_json)
    if isinstance(code, int) and code:
        sys.exit(code)
