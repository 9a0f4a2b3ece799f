"""`twiliokit sms send|bulk`, `whatsapp send|templates`, `messages list|get|redact|delete|media`.

Each command is a table of its options (``twiliokit.cli.action_command``) mapped onto a
catalogue action's arguments, run through ``twiliokit.cli.runner.execute`` (that is, ``invoke``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.action_command import (
    REQUIRED,
    Given,
    action_command,
    json_option,
    option,
    sid_commands,
)
from twiliokit.cli.common_options import SendAt
from twiliokit.cli.option_values import finite_number
from twiliokit.cli.runner import Common, IdempotencyKeyOption
from twiliokit.connections import ENV_VARS
from twiliokit.datefilters import RELATIVE_EXAMPLES

__all__ = ["messages_app", "sms_app", "whatsapp_app"]

sms_app = typer.Typer(name="sms", help="Send SMS and MMS messages.", no_args_is_help=True)
whatsapp_app = typer.Typer(
    name="whatsapp", help="Send WhatsApp messages and list templates.", no_args_is_help=True
)
messages_app = typer.Typer(
    name="messages",
    help="Messages already sent or received: list, fetch, redact, delete, media.",
    no_args_is_help=True,
)

#: Columns of message tables, in order.
MESSAGE_COLUMNS = ("sid", "status", "error_code", "direction", "from", "to", "date_sent", "body")

To = Annotated[
    str,
    typer.Argument(metavar="TO", help="Recipient in E.164 (+14155552671); not a short code."),
]
Body = Annotated[
    str | None,
    typer.Argument(metavar="BODY", help="Message text; '-' reads it from stdin."),
]
From = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Sender: a number, short code or alphanumeric ID. Default: the connection's "
        f"default sender. (env: {ENV_VARS['default_from']})",
    ),
]
MessagingService = Annotated[
    str | None,
    typer.Option(
        "--messaging-service-sid",
        metavar="MG...",
        help="Send through this Messaging Service instead of one number. "
        f"(env: {ENV_VARS['messaging_service_sid']})",
    ),
]
StatusCallback = Annotated[
    str | None,
    typer.Option("--status-callback", metavar="URL", help="URL Twilio posts status changes to."),
]
Limit = Annotated[int | None, typer.Option("--limit", help="At most this many (default 20).")]
PageToken = Annotated[
    str | None,
    typer.Option("--page-token", help="Continue from a previous listing's next_page_token."),
]
MessageSid = Annotated[str, typer.Argument(metavar="SID", help="The message SID (SM... or MM...).")]


def _body(value: str | None) -> str | None:
    if value == "-":
        return sys.stdin.read().rstrip("\n")
    return value


#: The recipient and the text, which both sends start with.
_TO_BODY = (Given("to", To, REQUIRED), Given("body", Body, read=_body))


sms_app.command("send")(
    action_command(
        "send_sms",
        "Send an SMS (or MMS, with --media-url).",
        (
            *_TO_BODY,
            Given("from", From),
            option(
                "--media-url",
                "Media to attach (MMS); repeatable.",
                key="media_urls",
                kind=list[str],
                metavar="URL",
            ),
            Given("status_callback", StatusCallback),
            Given("messaging_service_sid", MessagingService),
            option(
                "--validity-period",
                "Drop the message if it cannot be sent within this many seconds (1-36000).",
                kind=int,
                metavar="SECONDS",
            ),
            Given("send_at", SendAt),
            option(
                "--smart-encoded",
                "Replace look-alike Unicode characters with GSM-7 ones to save segments.",
                kind=bool,
                show_default=False,
            ),
            Given("idempotency_key", IdempotencyKeyOption),
        ),
        ledger=True,
    )
)


def _rate(value: float | None) -> float | None:
    """``--rate`` as given, ``nan`` and ``inf`` refused as not numbers."""
    from twiliokit.actions.bulk_send import SendBulkInput

    return finite_number(value, option="--rate", field="rate", model=SendBulkInput)


def _send_bulk(arguments: dict[str, Any], common: Common) -> None:
    """Queue the bulk send of the contacts file (``run_bulk``), and with ``--wait`` see it done."""
    from twiliokit.cli.bulk_send import run_bulk

    contacts, wait = arguments.pop("contacts"), arguments.pop("wait")
    run_bulk(contacts, arguments, common, wait=wait)


sms_app.command("bulk")(
    action_command(
        "send_bulk",
        "Send one message to every recipient of a CSV file, at the sender's pace.",
        (
            Given(
                "contacts",
                Annotated[
                    Path,
                    typer.Argument(
                        metavar="CONTACTS.CSV",
                        help="A CSV file: a 'phone' (or 'to') column, the other columns variables.",
                        dir_okay=False,
                    ),
                ],
                REQUIRED,
            ),
            option(
                "--body",
                "The text, with {column} placeholders filled from each line, e.g. "
                "'Hi {first_name}'. Or --content-sid.",
            ),
            option(
                "--content-sid",
                "A Content template to send instead; each line's columns are its variables.",
                metavar="HX...",
            ),
            Given("from", From),
            Given("messaging_service_sid", MessagingService),
            option(
                "--rate",
                "At most this many messages per second for this bulk send (at least 0.001; "
                "never faster than the sender's pace, about 1/s for a US long code: set a "
                "number's pace in the config's [outbox] rates).",
                kind=float,
                metavar="PER_SECOND",
                read=_rate,
            ),
            option(
                "--send-at",
                "Start at this time (up to 35 days ahead), e.g. 2030-01-01T09:00:00Z.",
                metavar="ISO-8601",
            ),
            Given("status_callback", StatusCallback),
            Given(
                "wait",
                Annotated[
                    bool,
                    typer.Option(
                        "--wait",
                        help="Wait until the batch is done, with a progress bar (counts by "
                        "state, rate per sender). A worker sends it: `twiliokit serve` or "
                        "`twiliokit worker`.",
                    ),
                ],
                False,
            ),
        ),
        ledger=True,
        run=_send_bulk,
    )
)


whatsapp_app.command("send")(
    action_command(
        "send_whatsapp",
        "Send a WhatsApp message: free-form BODY, or a template with --content-sid.",
        (
            *_TO_BODY,
            option(
                "--content-sid",
                "An approved template to send (needed outside the 24-hour window).",
                metavar="HX...",
            ),
            json_option(
                "--content-variables",
                'The template\'s placeholder values, e.g. \'{"1": "Ada"}\'.',
                hint="give a JSON object of placeholder values, e.g. "
                '\'{"1": "Ada", "2": "10:30"}\'',
            ),
            Given("from", From),
            Given("send_at", SendAt),
            Given("idempotency_key", IdempotencyKeyOption),
        ),
        ledger=True,
    )
)

whatsapp_app.command("templates")(
    action_command(
        "list_whatsapp_templates",
        "List the account's WhatsApp templates (Content API) and their approval status.",
        (Given("limit", Limit), Given("page_token", PageToken)),
        show=output.list_view(
            "templates",
            ("sid", "friendly_name", "language", "category", "approval_status", "body"),
            empty="No templates.",
        ),
    )
)

messages_app.command("list")(
    action_command(
        "list_messages",
        "List messages, newest first.",
        (
            option("--from", "Only messages from this."),
            option("--to", "Only messages to this."),
            option(
                "--date-sent",
                "Only messages sent on this day: YYYY-MM-DD, today or yesterday (UTC).",
                metavar="DAY",
            ),
            option(
                "--sent-after",
                f"Only messages sent after: a day, a timestamp, or {RELATIVE_EXAMPLES}.",
                metavar="WHEN",
            ),
            option(
                "--sent-before",
                "Only messages sent before: a day, a timestamp, today, yesterday or 7d.",
                metavar="WHEN",
            ),
            Given("limit", Limit),
            Given("page_token", PageToken),
        ),
        show=output.list_view("messages", MESSAGE_COLUMNS, empty="No messages."),
    )
)

sid_commands(
    messages_app,
    MessageSid,
    (
        ("get", "get_message", "Show one message: status, error code, price, segments."),
        ("redact", "redact_message", "Erase a message's body at Twilio (the record stays)."),
        ("delete", "delete_message", "Delete a message record from Twilio for good."),
    ),
)


messages_app.command("media")(
    action_command(
        "list_message_media",
        "List the media (MMS attachments) of a message.",
        (
            Given("message_sid", MessageSid, REQUIRED, name="sid"),
            Given("limit", Limit),
            Given("page_token", PageToken),
        ),
        show=output.list_view(
            "media", ("sid", "content_type", "url", "date_created"), empty="No media."
        ),
    )
)
