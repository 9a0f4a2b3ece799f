"""`twiliokit emulator`: serve the built-in Twilio emulator."""

from __future__ import annotations

import typer

from twiliokit.cli.app import app


@app.command("emulator")
def emulator_command(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (loopback by default)."),
    port: int = typer.Option(8787, help="TCP port; 0 picks a free one."),
) -> None:
    """Serve the Twilio emulator (placeholder until the emulator lands)."""
    typer.echo(f"emulator would listen on http://{host}:{port}")
