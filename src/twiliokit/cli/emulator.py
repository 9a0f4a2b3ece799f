"""`twiliokit emulator`: serve the built-in Twilio emulator.

A token of the user's own is a secret like any other: it comes from
``$TWILIOKIT_EMULATOR_AUTH_TOKEN`` or ``--auth-token-file``, never from the command line
(``ps`` shows argv to every local user). ``--auth-token`` still works, with a warning.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from twiliokit.errors import ConfigurationError

if TYPE_CHECKING:
    from twiliokit.emulator import EmulatorConfig

#: Environment variable with the auth token the emulator accepts.
AUTH_TOKEN_ENV = "TWILIOKIT_EMULATOR_AUTH_TOKEN"  # noqa: S105 - a variable name

#: The most ``--latency-ms`` adds to a response: a minute (longer is a hang, not latency).
MAX_LATENCY_MS = 60_000
#: The fastest ``--time-rate``: an hour of virtual time in under four real seconds.
MAX_TIME_RATE = 1_000
#: The most ``--sender-mps``: beyond any sender Twilio has (a short code is 100).
MAX_SENDER_MPS = 10_000

#: The variables --host and --port fall back on.
HOST_ENV = "TWILIOKIT_EMULATOR_HOST"
PORT_ENV = "TWILIOKIT_EMULATOR_PORT"

_ARGV_WARNING = (
    "warning: --auth-token puts the token in the process list, where every local user can "
    f"read it; set {AUTH_TOKEN_ENV} or use --auth-token-file FILE instead."
)


def emulator_command(
    host: Annotated[
        str,
        typer.Option(
            envvar=HOST_ENV,
            show_envvar=False,
            help=f"Interface to bind (loopback by default). (env: {HOST_ENV})",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            envvar=PORT_ENV,
            show_envvar=False,
            min=0,
            max=65535,
            help=f"TCP port; 0 picks a free one. (env: {PORT_ENV})",
        ),
    ] = 8787,
    account_sid: Annotated[
        str | None,
        typer.Option(
            "--account-sid", help="Account SID to serve (default: the documented dev SID)."
        ),
    ] = None,
    auth_token_file: Annotated[
        Path | None,
        typer.Option(
            "--auth-token-file",
            help=f"File holding the auth token to accept. Default: ${AUTH_TOKEN_ENV}, else "
            "the documented dev token.",
        ),
    ] = None,
    auth_token: Annotated[
        str | None,
        typer.Option(
            "--auth-token",
            help=f"Auth token to accept. Avoid: ps shows it; use {AUTH_TOKEN_ENV} or "
            "--auth-token-file.",
        ),
    ] = None,
    latency_ms: Annotated[
        float,
        typer.Option(
            "--latency-ms",
            min=0,
            max=MAX_LATENCY_MS,
            help="Latency added to every REST response, for benchmarks (at most a minute).",
        ),
    ] = 0.0,
    time_rate: Annotated[
        float,
        typer.Option(
            "--time-rate",
            min=0,
            max=MAX_TIME_RATE,
            help=f"Virtual seconds per real second; 0 freezes time (at most {MAX_TIME_RATE:,}).",
        ),
    ] = 1.0,
    sender_mps: Annotated[
        float | None,
        typer.Option(
            "--sender-mps",
            min=0.001,
            max=MAX_SENDER_MPS,
            help="Segments per second every sender hands to carriers (default: Twilio's rate "
            "for its kind, 1 for a US long code).",
        ),
    ] = None,
) -> None:
    """Serve the Twilio emulator and print its base URL and credentials when ready."""
    import uvicorn

    from twiliokit.cli import output
    from twiliokit.emulator import EmulatorConfig, create_app
    from twiliokit.serving import bound_port, make_server

    with output.errors_handled(as_json=False):
        if auth_token is not None:
            typer.echo(_ARGV_WARNING, err=True)
        token, shown = _chosen_token(auth_token, auth_token_file, os.environ)
        defaults = EmulatorConfig()
        config = EmulatorConfig(
            account_sid=account_sid or defaults.account_sid,
            auth_token=token or defaults.auth_token,
            latency_ms=latency_ms,
            time_rate=time_rate,
            sender_mps=sender_mps,
        )
        if shown is None:  # the documented dev token: nothing to hide
            shown = shlex.quote(config.auth_token)

    def ready(server: uvicorn.Server) -> None:
        base = f"http://{_url_host(host)}:{bound_port(server)}"
        typer.echo(_banner(base, config, shown))

    make_server(create_app(config), host=host, port=port, on_ready=ready).run()


def _chosen_token(
    given: str | None, file: Path | None, environ: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """The token the user chose (``None``: the dev token) and how the banner shows it, as
    shell text that yields it without printing it."""
    if given is not None:
        return given, "'<the token given to --auth-token>'"
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not text"
            raise ConfigurationError(
                f"cannot read the --auth-token-file {file}: {reason}",
                field="auth_token_file",
                hint="Give a readable file holding the token on one line.",
            ) from None
        if not text:
            raise ConfigurationError(
                f"the --auth-token-file {file} is empty",
                field="auth_token_file",
                hint="Write the token into it, on one line.",
            )
        # Inside $(...) the shell parses the path afresh, so single quotes protect it.
        return text, f'"$(cat {shlex.quote(str(file.resolve()))})"'
    from_env = environ.get(AUTH_TOKEN_ENV, "").strip()
    if from_env:
        return from_env, f'"${AUTH_TOKEN_ENV}"'
    return None, None


def _banner(base: str, config: EmulatorConfig, token: str) -> str:
    """What the emulator prints once it accepts connections; the ``export`` line is complete,
    so pasting it is enough for `twiliokit sms send`."""
    number = config.numbers[0]
    export = (
        f"export TWILIOKIT_BASE_URL={shlex.quote(base)} "
        f"TWILIO_ACCOUNT_SID={shlex.quote(config.account_sid)} "
        f"TWILIO_AUTH_TOKEN={token} TWILIO_PHONE_NUMBER={shlex.quote(number)}"
    )
    return (
        "Twilio emulator ready\n"
        f"  base URL:     {base}\n"
        f"  account SID:  {config.account_sid}\n"
        f"  auth token:   {token}\n"
        f"  from number:  {number}\n"
        f"Use it:  {export}\n"
        f"Control API: {base}/_emulator/... (see docs/emulator.md); Ctrl-C to stop."
    )


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
