"""`twiliokit calls make|get|list|end`: outbound calls through the catalogue's voice actions."""

from __future__ import annotations

from typing import Annotated

import typer

from twiliokit.cli import output
from twiliokit.cli.common_options import SendAt, sid_commands, with_common_options
from twiliokit.cli.runner import Common, IdempotencyKeyOption, execute, given
from twiliokit.connections import ENV_VARS

__all__ = ["calls_app"]

calls_app = typer.Typer(
    name="calls", help="Place, inspect, list and end voice calls.", no_args_is_help=True
)

#: Columns of call tables, in order.
CALL_COLUMNS = ("sid", "status", "direction", "from", "to", "start_time", "duration")

CallSid = Annotated[str, typer.Argument(metavar="SID", help="The call SID (CA...).")]


@calls_app.command("make")
@with_common_options(ledger=True)
def calls_make(
    to: Annotated[
        str, typer.Argument(metavar="TO", help="Number to call, in E.164 (+14155552671).")
    ],
    sender: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Caller ID: a number on the account. Default: the connection's default "
            f"sender. (env: {ENV_VARS['default_from']})",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="URL Twilio fetches the call's TwiML from."),
    ] = None,
    twiml: Annotated[
        str | None, typer.Option("--twiml", help="TwiML to run, e.g. '<Response>...'.")
    ] = None,
    say: Annotated[
        str | None, typer.Option("--say", help="Text to speak (twiliokit builds the TwiML).")
    ] = None,
    voice: Annotated[
        str | None, typer.Option("--voice", help="Voice for --say, e.g. Polly.Joanna.")
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="Language for --say, e.g. en-US.")
    ] = None,
    status_callback: Annotated[
        str | None,
        typer.Option("--status-callback", metavar="URL", help="URL Twilio posts call events to."),
    ] = None,
    status_callback_event: Annotated[
        list[str] | None,
        typer.Option(
            "--status-callback-event",
            metavar="EVENT",
            help="initiated, ringing, answered or completed; repeatable.",
        ),
    ] = None,
    timeout: Annotated[
        int | None,
        typer.Option("--timeout", metavar="SECONDS", help="How long to let it ring (5-600)."),
    ] = None,
    time_limit: Annotated[
        int | None,
        typer.Option("--time-limit", metavar="SECONDS", help="Hang up after this long connected."),
    ] = None,
    record: Annotated[
        bool | None,
        typer.Option("--record", help="Record the call.", show_default=False),
    ] = None,
    machine_detection: Annotated[
        str | None,
        typer.Option(
            "--machine-detection", help="Answering machine detection: Enable or DetectMessageEnd."
        ),
    ] = None,
    send_at: SendAt = None,
    idempotency_key: IdempotencyKeyOption = None,
    *,
    common: Common,
) -> None:
    """Place a call that runs --url, --twiml or --say."""
    arguments = given(
        {
            "to": to,
            "from": sender,
            "url": url,
            "twiml": twiml,
            "say": say,
            "voice": voice,
            "language": language,
            "status_callback": status_callback,
            "status_callback_events": status_callback_event,
            "timeout": timeout,
            "time_limit": time_limit,
            "record": record,
            "machine_detection": machine_detection,
            "send_at": send_at,
            "idempotency_key": idempotency_key,
        }
    )
    execute("make_call", arguments, common, show=output.show_record)


sid_commands(
    calls_app,
    CallSid,
    (("get", "get_call", "Show one call: status, duration, price, who answered."),),
)


@calls_app.command("list")
@with_common_options()
def calls_list(
    to: Annotated[str | None, typer.Option("--to", help="Only calls to this number.")] = None,
    sender: Annotated[
        str | None, typer.Option("--from", help="Only calls from this number.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="queued, ringing, in-progress, completed, busy, ..."),
    ] = None,
    started_after: Annotated[
        str | None,
        typer.Option(
            "--started-after",
            metavar="WHEN",
            help="Only calls started after: a day, a timestamp, today, yesterday or 7d.",
        ),
    ] = None,
    started_before: Annotated[
        str | None,
        typer.Option(
            "--started-before",
            metavar="WHEN",
            help="Only calls started before: a day, a timestamp, today, yesterday or 7d.",
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many calls.")] = None,
    page_token: Annotated[
        str | None,
        typer.Option("--page-token", help="Continue from a previous listing's next page token."),
    ] = None,
    *,
    common: Common,
) -> None:
    """List calls, newest first."""
    arguments = given(
        {
            "to": to,
            "from": sender,
            "status": status,
            "started_after": started_after,
            "started_before": started_before,
            "limit": limit,
            "page_token": page_token,
        }
    )
    execute(
        "list_calls",
        arguments,
        common,
        show=output.list_view("calls", CALL_COLUMNS, empty="No calls."),
    )


sid_commands(
    calls_app,
    CallSid,
    (
        (
            "end",
            "end_call",
            "Hang up a call in progress (or cancel one that is still queued or ringing).",
        ),
    ),
)
