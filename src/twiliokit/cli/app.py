"""The root typer app. Command groups register themselves here, one import each."""

from __future__ import annotations

import typer

from twiliokit import __version__

app = typer.Typer(
    name="twiliokit",
    help="Twilio for AI agents and automation: actions, webhooks, MCP, and a local emulator.",
    no_args_is_help=True,
    add_completion=False,
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
    # Each command group module adds its commands to `app` on import.
    from twiliokit.cli import (  # noqa: F401
        actions,
        connection,
        emulator,
        lookup,
        mcp,
        messaging,
        raw,
        serve,
        vault,
        verify,
        voice,
        webhooks,
    )


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point. Usage errors are one line on stderr and exit 2."""
    import sys

    _register()
    try:
        # Not standalone: click then returns the exit code of `typer.Exit` instead of exiting.
        code = app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.TyperException as exc:
        # typer vendors click; its usage errors (missing or malformed options) arrive here.
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help())  # `twiliokit GROUP` alone: that group's help
            sys.exit(2)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        typer.echo(f"error: {exc.format_message()}{hint}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    if isinstance(code, int) and code:
        sys.exit(code)
