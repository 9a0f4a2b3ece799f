"""`twiliokit webhooks check` (why a captured request's signature fails) and `twiliokit webhooks
connect` (point a number's webhooks at this receiver). Also the ``[webhooks]`` config reading
that `twiliokit serve` shares."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import typer

from twiliokit.cli import output
from twiliokit.cli.common_options import with_common_options
from twiliokit.cli.runner import Common, ConfigOption, ProfileOption, given
from twiliokit.config_file import CONFIG_ENV, PUBLIC_URL_ENV, default_config_path, load_config
from twiliokit.errors import ConfigurationError, ValidationError

__all__ = ["PUBLIC_URL_ENV", "public_url_from", "webhook_section", "webhooks_app"]

webhooks_app = typer.Typer(
    name="webhooks",
    help="Twilio webhooks: explain signature failures, point numbers at the receiver.",
    no_args_is_help=True,
)


def webhook_section(environ: Mapping[str, str], config: Path | None) -> dict[str, Any]:
    """The checked ``[webhooks]`` table of the config file (``{}`` when there is none)."""
    from twiliokit.webhooks.settings import settings_from_section

    explicit = config is not None or bool(environ.get(CONFIG_ENV, "").strip())
    path = config if config is not None else default_config_path(environ)
    if not explicit and not path.exists():
        return {}
    parsed = load_config(path)
    section = parsed.sections.get("webhooks")
    return {} if section is None else settings_from_section(section, where=str(path))


def public_url_from(
    option: str | None, environ: Mapping[str, str], section: Mapping[str, Any]
) -> str | None:
    """The public URL: the option, else ``$TWILIOKIT_PUBLIC_URL``, else the config file."""
    value = option or environ.get(PUBLIC_URL_ENV, "").strip() or section.get("public_url")
    return str(value) if value else None


PublicUrlOption = Annotated[
    str | None,
    typer.Option(
        "--public-url",
        help="The URL Twilio reaches the receiver at, e.g. https://abc.ngrok.app. "
        f"(env: {PUBLIC_URL_ENV}; config: [webhooks] public_url)",
    ),
]


# --------------------------------------------------------------------------- check


@webhooks_app.command("check")
def check_command(
    url: Annotated[
        str, typer.Option("--url", help="The full URL Twilio requested, query string included.")
    ],
    signature: Annotated[
        str, typer.Option("--signature", help="The X-Twilio-Signature header it carried.")
    ],
    body: Annotated[
        str,
        typer.Option(
            "--body",
            help="File with the raw request body, or '-' for standard input. "
            "Omit it for a GET request.",
        ),
    ] = "",
    profile: ProfileOption = None,
    config: ConfigOption = None,
) -> None:
    """Say whether a captured webhook request is signed correctly, and if not, why.

    The auth token comes from TWILIO_AUTH_TOKEN or the config profile, as for every command.
    """
    from twiliokit.redaction import shown_url
    from twiliokit.webhooks.request import parse_form
    from twiliokit.webhooks.signature import explain_signature_failure

    with output.errors_handled(as_json=False):
        token = _auth_token(profile, config)
        raw = _read_body(body)
        params: list[tuple[str, str]] | None = None
        is_json = "bodySHA256" in parse_qs(urlsplit(url).query)
        if raw and not is_json:
            try:
                params = list(parse_form(raw))
            except ValidationError:
                params = None
        reasons = explain_signature_failure(
            url=url,
            params=params or [],
            signature=signature,
            auth_token=token,
            body=raw if raw or is_json else None,
        )
        if not reasons:
            typer.echo(f"valid: the signature matches {shown_url(url)}")
            return
        typer.echo(f"invalid: the signature does not match {shown_url(url)}")
        for reason in reasons:
            typer.echo(f"  - {reason}")
        raise typer.Exit(output.EXIT_NEGATIVE)


def _auth_token(profile: str | None, config: Path | None) -> str:
    from twiliokit.cli.connection import resolve_for_cli

    connection, _ = resolve_for_cli(
        profile=profile, config=config, base_url=None, environ=os.environ
    )
    if not connection.auth_token:
        raise ConfigurationError(
            "checking a signature needs the account's auth token, and the connection has none",
            field="auth_token",
            hint="Twilio signs webhooks with the auth token even when REST calls use an API "
            "key: set TWILIO_AUTH_TOKEN.",
        )
    return connection.auth_token


def _read_body(source: str) -> bytes:
    if not source:
        return b""
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"cannot read the body file {source}: {exc.strerror or type(exc).__name__}",
            field="body",
            hint="Give the path of a file holding the raw request body, or '-' for stdin.",
        ) from None


# --------------------------------------------------------------------------- connect


@webhooks_app.command("connect")
@with_common_options(shape=False)
def connect_command(
    number: Annotated[
        str, typer.Option("--number", help="The account's phone number, e.g. +14155550100.")
    ],
    public_url: PublicUrlOption = None,
    voice: Annotated[
        bool, typer.Option("--voice/--no-voice", help="Also point VoiceUrl at the receiver.")
    ] = True,
    force: Annotated[
        bool, typer.Option("--force", help="Replace webhook URLs that point somewhere else.")
    ] = False,
    *,
    common: Common,
) -> None:
    """Point a number's SmsUrl, StatusCallback (and VoiceUrl) at this receiver's routes.

    Shows what it replaces, and refuses to overwrite a URL pointing elsewhere without --force.
    Message status callbacks are set per message (status_callback=PUBLIC/webhooks/twilio/
    message-status) or on a Messaging Service, not on the number.
    """
    from twiliokit.cli.runner import run_action
    from twiliokit.webhooks.receiver import PATHS
    from twiliokit.webhooks.settings import parse_public_url

    secrets: list[str] = []
    with output.errors_handled(as_json=common.as_json, secrets=secrets):
        section = webhook_section(os.environ, common.config)
        chosen = public_url_from(public_url, os.environ, section)
        if chosen is None:
            raise ConfigurationError(
                "connecting a number needs the public URL Twilio reaches the receiver at",
                field="public_url",
                hint=f"Pass --public-url https://..., or set {PUBLIC_URL_ENV}.",
            )
        base = parse_public_url(chosen)
        arguments = {
            "phone_number": number,
            "sms_url": base + PATHS["messaging"],
            "status_callback": base + PATHS["call_status"],
            "voice_url": base + PATHS["voice"] if voice else None,
            "replace": force,
        }
        # Through the catalogue, as every Twilio command: update_phone_number_webhooks does
        # the work (and refuses to clobber); this command only speaks in flags.
        try:
            answer = run_action(
                "update_phone_number_webhooks", given(arguments), common, secrets=secrets
            )
        except ValidationError as exc:
            raise _in_flags(exc) from None
        result = {
            "number": answer["phone_number"],
            "sid": answer["sid"],
            "changed": answer["changed"],
            "changes": answer["changes"],
            "message_status_callback": base + PATHS["message_status"],
        }
        if common.as_json:
            output.show_json(result)
            return
        rows = [
            {"field": c["field"], "was": c["old"] or "-", "now": c["new"]}
            for c in result["changes"]
        ]
        title = f"{result['number']} ({'updated' if result['changed'] else 'already connected'})"
        output.show_rows(rows, ["field", "was", "now"], title=title)
        typer.echo(
            "Message status callbacks are set per message: send with status_callback="
            f"{result['message_status_callback']}"
        )


def _in_flags(error: ValidationError) -> ValidationError:
    """The action's refusal, with its argument names as this command's flags."""
    flags = {"phone_number": "number", "replace": "force"}
    if error.field not in flags:
        return error
    hint = error.hint
    if error.field == "replace":
        hint = "Rerun with --force to replace them (the old URLs stop getting Twilio's requests)."
    message = error.message.replace(f"'{error.field}'", f"--{flags[error.field]}")
    return ValidationError(message, field=flags[error.field], hint=hint)
