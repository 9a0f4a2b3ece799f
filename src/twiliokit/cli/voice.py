"""`twiliokit calls make|get|list|end`: outbound calls through the catalogue's voice actions."""

from __future__ import annotations

from typing import Annotated

import typer

from twiliokit.cli import output
from twiliokit.cli.action_command import REQUIRED, Given, action_command, option, sid_commands
from twiliokit.cli.common_options import SendAt
from twiliokit.cli.runner import IdempotencyKeyOption
from twiliokit.connections import ENV_VARS

__all__ = ["calls_app"]

calls_app = typer.Typer(
    name="calls", help="Place, inspect, list and end voice calls.", no_args_is_help=True
)

#: Columns of call tables, in order.
CALL_COLUMNS = ("sid", "status", "direction", "from", "to", "start_time", "duration")

CallSid = Annotated[str, typer.Argument(metavar="SID", help="The call SID (CA...).")]

calls_app.command("make")(
    action_command(
        "make_call",
        "Place a call that runs --url, --twiml or --say.",
        (
            Given(
                "to",
                Annotated[
                    str,
                    typer.Argument(metavar="TO", help="Number to call, in E.164 (+14155552671)."),
                ],
                REQUIRED,
            ),
            option(
                "--from",
                "Caller ID: a number on the account. Default: the connection's default "
                f"sender. (env: {ENV_VARS['default_from']})",
            ),
            option("--url", "URL Twilio fetches the call's TwiML from."),
            option("--twiml", "TwiML to run, e.g. '<Response>...'."),
            option("--say", "Text to speak (twiliokit builds the TwiML)."),
            option("--voice", "Voice for --say, e.g. Polly.Joanna."),
            option("--language", "Language for --say, e.g. en-US."),
            option("--status-callback", "URL Twilio posts call events to.", metavar="URL"),
            option(
                "--status-callback-event",
                "initiated, ringing, answered or completed; repeatable.",
                key="status_callback_events",
                kind=list[str],
                metavar="EVENT",
            ),
            option(
                "--timeout",
                "How long to let it ring (5-600).",
                kind=int,
                metavar="SECONDS",
            ),
            option(
                "--time-limit",
                "Hang up after this long connected.",
                kind=int,
                metavar="SECONDS",
            ),
            option("--record", "Record the call.", kind=bool, show_default=False),
            option(
                "--machine-detection", "Answering machine detection: Enable or DetectMessageEnd."
            ),
            Given("send_at", SendAt),
            Given("idempotency_key", IdempotencyKeyOption),
        ),
        ledger=True,
    )
)

sid_commands(
    calls_app,
    CallSid,
    (("get", "get_call", "Show one call: status, duration, price, who answered."),),
)

calls_app.command("list")(
    action_command(
        "list_calls",
        "List calls, newest first.",
        (
            option("--to", "Only calls to this number."),
            option("--from", "Only calls from this number."),
            option("--status", "queued, ringing, in-progress, completed, busy, ..."),
            option(
                "--started-after",
                "Only calls started after: a day, a timestamp, today, yesterday or 7d.",
                metavar="WHEN",
            ),
            option(
                "--started-before",
                "Only calls started before: a day, a timestamp, today, yesterday or 7d.",
                metavar="WHEN",
            ),
            option("--limit", "At most this many calls.", kind=int),
            option("--page-token", "Continue from a previous listing's next page token."),
        ),
        show=output.list_view("calls", CALL_COLUMNS, empty="No calls."),
    )
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
