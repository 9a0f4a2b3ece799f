"""`twiliokit emulator`: serve the built-in Twilio emulator."""

from __future__ import annotations

import typer

from twiliokit.cli.app import app


@app.command("emulator")
def emulator_command(
    host: str = typer.Option(
        "127.0.0.1",
        envvar="TWILIOKIT_EMULATOR_HOST",
        help="Interface to bind (loopback by default).",
    ),
    port: int = typer.Option(
        8787, envvar="TWILIOKIT_EMULATOR_PORT", help="TCP port; 0 picks a free one."
    ),
    account_sid: str | None = typer.Option(
        None, "--account-sid", help="Account SID to serve (default: the documented dev SID)."
    ),
    auth_token: str | None = typer.Option(
        None,
        "--auth-token",
        envvar="TWILIOKIT_EMULATOR_AUTH_TOKEN",
        help="Auth token to accept (default: the documented dev token).",
    ),
    latency_ms: float = typer.Option(
        0.0, "--latency-ms", help="Latency added to every REST response, for benchmarks."
    ),
    time_rate: float = typer.Option(
        1.0, "--time-rate", help="Virtual seconds per real second; 0 freezes time."
    ),
) -> None:
    """Serve the Twilio emulator and print its base URL and credentials when ready."""
    import uvicorn

    from twiliokit.emulator import EmulatorConfig, create_app
    from twiliokit.redact import mask_secret
    from twiliokit.serving import bound_port, make_server

    defaults = EmulatorConfig()
    config = EmulatorConfig(
        account_sid=account_sid or defaults.account_sid,
        auth_token=auth_token or defaults.auth_token,
        latency_ms=latency_ms,
        time_rate=time_rate,
    )

    # A token the user chose is a secret: show it masked. The dev token is documented.
    shown_token = config.auth_token if auth_token is None else mask_secret(config.auth_token)

    def ready(server: uvicorn.Server) -> None:
        base = f"http://{host}:{bound_port(server)}"
        typer.echo(
            "Twilio emulator ready\n"
            f"  base URL:     {base}\n"
            f"  account SID:  {config.account_sid}\n"
            f"  auth token:   {shown_token}\n"
            f"  from number:  {config.numbers[0]}\n"
            f"Use it:  export TWILIOKIT_BASE_URL={base} TWILIO_ACCOUNT_SID={config.account_sid} "
            f"TWILIO_AUTH_TOKEN={shown_token}\n"
            f"Control API: {base}/_emulator/... (see docs/emulator.md); Ctrl-C to stop.",
            err=False,
        )

    make_server(create_app(config), host=host, port=port, on_ready=ready).run()
