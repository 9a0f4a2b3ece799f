"""`twiliokit sms send|bulk`, `whatsapp send|templates`, `messages list|get|redact|delete|media`.

Each command only maps its options onto a catalogue action's arguments and runs it through
``twiliokit.cli.runner.execute`` (that is, ``invoke``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.common_options import SendAt, sid_commands, with_common_options
from twiliokit.cli.option_values import parse_json
from twiliokit.cli.runner import Common, IdempotencyKeyOption, execute, given
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


# The flags below say the same thing in every command but for their help text, so one
# function builds each (an Annotated alias cannot take the help as a parameter).
def _content_sid_option(help_text: str) -> Any:  # typer.Option is typed Any, to sit as a default
    return typer.Option("--content-sid", metavar="HX...", help=help_text)


def _send_at_option(help_text: str) -> Any:  # typer.Option is typed Any, to sit as a default
    return typer.Option("--send-at", metavar="ISO-8601", help=help_text)


def _body(value: str | None) -> str | None:
    if value == "-":
        return sys.stdin.read().rstrip("\n")
    return value


@sms_app.command("send")
@with_common_options(ledger=True)
def sms_send(
    to: To,
    body: Body = None,
    sender: From = None,
    media_url: Annotated[
        list[str] | None,
        typer.Option("--media-url", metavar="URL", help="Media to attach (MMS); repeatable."),
    ] = None,
    status_callback: StatusCallback = None,
    messaging_service_sid: MessagingService = None,
    validity_period: Annotated[
        int | None,
        typer.Option(
            "--validity-period",
            metavar="SECONDS",
            help="Drop the message if it cannot be sent within this many seconds (1-36000).",
        ),
    ] = None,
    send_at: SendAt = None,
    smart_encoded: Annotated[
        bool | None,
        typer.Option(
            "--smart-encoded",
            help="Replace look-alike Unicode characters with GSM-7 ones to save segments.",
            show_default=False,
        ),
    ] = None,
    idempotency_key: IdempotencyKeyOption = None,
    *,
    common: Common,
) -> None:
    """Send an SMS (or MMS, with --media-url)."""
    arguments = given(
        {
            "to": to,
            "body": _body(body),
            "from": sender,
            "media_urls": media_url,
            "status_callback": status_callback,
            "messaging_service_sid": messaging_service_sid,
            "validity_period": validity_period,
            "send_at": send_at,
            "smart_encoded": smart_encoded,
            "idempotency_key": idempotency_key,
        }
    )
    execute("send_sms", arguments, common, show=output.show_record)


@sms_app.command("bulk")
@with_common_options(ledger=True)
def sms_bulk(
    contacts: Annotated[
        Path,
        typer.Argument(
            metavar="CONTACTS.CSV",
            help="A CSV file: a 'phone' (or 'to') column, the other columns variables.",
            dir_okay=False,
        ),
    ],
    body: Annotated[
        str | None,
        typer.Option(
            "--body",
            help="The text, with {column} placeholders filled from each line, e.g. "
            "'Hi {first_name}'. Or --content-sid.",
        ),
    ] = None,
    content_sid: Annotated[
        str | None,
        _content_sid_option(
            "A Content template to send instead; each line's columns are its variables."
        ),
    ] = None,
    sender: From = None,
    messaging_service_sid: MessagingService = None,
    rate: Annotated[
        float | None,
        typer.Option(
            "--rate",
            metavar="PER_SECOND",
            help="Messages per second from the sender (default: its kind's pace, about 1/s "
            "for a US long code).",
        ),
    ] = None,
    send_at: Annotated[
        str | None,
        _send_at_option("Start at this time (up to 35 days ahead), e.g. 2030-01-01T09:00:00Z."),
    ] = None,
    status_callback: StatusCallback = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="Wait until the batch is done, with a progress bar (counts by state, rate "
            "per sender). A worker sends it: `twiliokit serve` or `twiliokit worker`.",
        ),
    ] = False,
    *,
    common: Common,
) -> None:
    """Send one message to every recipient of a CSV file, at the sender's pace."""
    from twiliokit.cli.bulk_send import run_bulk

    arguments = given(
        {
            "body": body,
            "content_sid": content_sid,
            "from": sender,
            "messaging_service_sid": messaging_service_sid,
            "rate": rate,
            "send_at": send_at,
            "status_callback": status_callback,
        }
    )
    run_bulk(contacts, arguments, common, wait=wait)


@whatsapp_app.command("send")
@with_common_options(ledger=True)
def whatsapp_send(
    to: To,
    body: Body = None,
    content_sid: Annotated[
        str | None,
        _content_sid_option("An approved template to send (needed outside the 24-hour window)."),
    ] = None,
    content_variables: Annotated[
        str | None,
        typer.Option(
            "--content-variables",
            metavar="JSON",
            help='The template\'s placeholder values, e.g. \'{"1": "Ada"}\'.',
        ),
    ] = None,
    sender: From = None,
    send_at: SendAt = None,
    idempotency_key: IdempotencyKeyOption = None,
    *,
    common: Common,
) -> None:
    """Send a WhatsApp message: free-form BODY, or a template with --content-sid."""
    with output.errors_handled(as_json=common.as_json):
        variables = parse_json(
            content_variables,
            source="--content-variables",
            field="content_variables",
            hint='give a JSON object of placeholder values, e.g. \'{"1": "Ada", "2": "10:30"}\'',
        )
    arguments = given(
        {
            "to": to,
            "body": _body(body),
            "content_sid": content_sid,
            "content_variables": variables,
            "from": sender,
            "send_at": send_at,
            "idempotency_key": idempotency_key,
        }
    )
    execute("send_whatsapp", arguments, common, show=output.show_record)


@whatsapp_app.command("templates")
@with_common_options()
def whatsapp_templates(
    limit: Limit = None,
    page_token: PageToken = None,
    *,
    common: Common,
) -> None:
    """List the account's WhatsApp templates (Content API) and their approval status."""
    execute(
        "list_whatsapp_templates",
        given({"limit": limit, "page_token": page_token}),
        common,
        show=output.list_view(
            "templates",
            ("sid", "friendly_name", "language", "category", "approval_status", "body"),
            empty="No templates.",
        ),
    )


@messages_app.command("list")
@with_common_options()
def messages_list(
    sender: Annotated[str | None, typer.Option("--from", help="Only messages from this.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Only messages to this.")] = None,
    date_sent: Annotated[
        str | None,
        typer.Option(
            "--date-sent",
            metavar="DAY",
            help="Only messages sent on this day: YYYY-MM-DD, today or yesterday (UTC).",
        ),
    ] = None,
    sent_after: Annotated[
        str | None,
        typer.Option(
            "--sent-after",
            metavar="WHEN",
            help=f"Only messages sent after: a day, a timestamp, or {RELATIVE_EXAMPLES}.",
        ),
    ] = None,
    sent_before: Annotated[
        str | None,
        typer.Option(
            "--sent-before",
            metavar="WHEN",
            help="Only messages sent before: a day, a timestamp, today, yesterday or 7d.",
        ),
    ] = None,
    limit: Limit = None,
    page_token: PageToken = None,
    *,
    common: Common,
) -> None:
    """List messages, newest first."""
    arguments = given(
        {
            "from": sender,
            "to": to,
            "date_sent": date_sent,
            "sent_after": sent_after,
            "sent_before": sent_before,
            "limit": limit,
            "page_token": page_token,
        }
    )
    execute(
        "list_messages",
        arguments,
        common,
        show=output.list_view("messages", MESSAGE_COLUMNS, empty="No messages."),
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


@messages_app.command("media")
@with_common_options()
def messages_media(
    sid: MessageSid,
    limit: Limit = None,
    page_token: PageToken = None,
    *,
    common: Common,
) -> None:
    """List the media (MMS attachments) of a message."""
    execute(
        "list_message_media",
        given({"message_sid": sid, "limit": limit, "page_token": page_token}),
        common,
        show=output.list_view(
            "media", ("sid", "content_type", "url", "date_created"), empty="No media."
        ),
    )
