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
        messaging,
        raw,
        vault,
        verify,
        voice,
    )


def main() -> None:
    """Console-script entry point."""
    _register()
    app()
