"""Messaging actions: send SMS/MMS and WhatsApp, read, page through, redact and delete
messages, list a message's media and the WhatsApp templates.

Every input is checked before any request (addresses parsed with ``phonenumbers``, body length,
media URLs and count, date ranges); Twilio's own refusals come back as the
:mod:`twiliokit.errors` tree with a hint. Sends are never retried after a lost answer: that is
an :class:`~twiliokit.errors.UnknownOutcomeError` saying how to check.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from twiliokit.actions.context import ActionContext
from twiliokit.actions.hooks import Channel, SendIntent
from twiliokit.actions.idempotency import idempotency_key_field
from twiliokit.actions.inputs import (
    MAX_BODY,
    MAX_MEDIA,
    AgentInput,
    DateBound,
    Instant,
    PageInput,
    Sid,
    WebUrl,
    address,
    check_not_future,
    check_range,
    names,
    register,
)
from twiliokit.actions.outputs import (
    DeletedOutput,
    MediaOutput,
    MessageOutput,
    PageOutput,
    TemplateOutput,
    next_page_token_field,
    scheduled_answer,
)
from twiliokit.actions.sending import Scheduled, outbox_id_field, schedule, send_now
from twiliokit.errors import ValidationError
from twiliokit.phone import (
    ALL_KINDS,
    RECIPIENT_KINDS,
    SHORT_CODE_RECIPIENT_HINT,
    parse_address,
    region_of,
)
from twiliokit.segments import SegmentInfo, analyze

if TYPE_CHECKING:
    from twiliokit.resources.messages import Message

__all__ = [
    "DeleteMessageInput",
    "GetMessageInput",
    "ListMessageMediaInput",
    "ListMessageMediaOutput",
    "ListMessagesInput",
    "ListMessagesOutput",
    "ListWhatsAppTemplatesInput",
    "ListWhatsAppTemplatesOutput",
    "SendMessageOutput",
    "SendSmsInput",
    "SendWhatsAppInput",
    "delete_message",
    "get_message",
    "list_message_media",
    "list_messages",
    "list_whatsapp_templates",
    "redact_message",
    "send_sms",
    "send_whatsapp",
]

GROUP = "messaging"
#: Countries whose carriers refuse alphanumeric sender IDs (Twilio answers 21612).
NO_SENDER_ID_REGIONS = frozenset({"US", "CA"})
#: WhatsApp carries one media file per message.
MAX_WHATSAPP_MEDIA = 1

_SENDER_HINT = (
    "Pass 'from' (a number you own: see list_phone_numbers), or give the connection a default "
    "sender: set TWILIO_PHONE_NUMBER (or TWILIO_MESSAGING_SERVICE_SID) in the environment, or "
    "default_from in the connection profile."
)

MessageSid = Annotated[
    str, Sid(("SM", "MM"), "a message", "send_sms, send_whatsapp or list_messages")
]
ServiceSid = Annotated[
    str, Sid(("MG",), "a Messaging Service", "the Twilio Console (Messaging > Services)")
]
ContentSid = Annotated[str, Sid(("HX",), "a content template", "list_whatsapp_templates")]


def _single_to_list(value: Any) -> Any:
    """One URL given as a string is a list of one."""
    return [value] if isinstance(value, str) else value


MediaUrls = Annotated[list[WebUrl], BeforeValidator(_single_to_list)]

_BODY = (
    "The text, up to 1,600 characters. Over 160 GSM-7 characters (70 if any character needs "
    "UCS-2, such as an emoji or a curly quote) it is sent and billed as several segments."
)


def _check_body(body: str | None) -> None:
    if body is not None and len(body) > MAX_BODY:
        raise ValidationError(
            f"'body' is {len(body):,} characters; Twilio's limit is {MAX_BODY:,}",
            field="body",
            hint="Shorten it, or split it into several messages.",
        )


def _check_media(urls: list[str] | None, most: int, channel: str) -> None:
    if urls is not None and len(urls) > most:
        raise ValidationError(
            f"'media_urls' has {len(urls)} URLs; {channel} takes at most {most}",
            field="media_urls",
            hint=f"Send at most {most} per message; send the rest in further messages.",
        )


def send_at_field() -> Any:
    """The ``send_at`` argument of a send action: twiliokit holds the send until then."""
    return Field(
        default=None,
        description="Send it later, at this time (ISO 8601 in UTC, ending in Z), at most 35 "
        "days from now: twiliokit holds it in its outbox (needs the ledger; no "
        "Messaging Service needed) and a worker sends it then, checking the rules again. "
        "The answer has status scheduled, outbox_id and no sid yet.",
    )


# --- send_sms --------------------------------------------------------------------------------


class SendSmsInput(AgentInput):
    """Arguments of send_sms."""

    to: Annotated[
        str,
        address(
            "to",
            RECIPIENT_KINDS,
            refuse={
                "whatsapp": "Use send_whatsapp for WhatsApp recipients.",
                "short_code": SHORT_CODE_RECIPIENT_HINT,
            },
        ),
    ] = Field(
        validation_alias=names("to", "recipientPhoneNumber", "recipient_number", "recipient"),
        description="The recipient: a phone number in E.164 (+14155552671); not a short code "
        "(Twilio refuses those, 21265).",
    )
    body: str | None = Field(
        default=None,
        validation_alias=names("body", "message", "message_body", "text"),
        description=_BODY + " Required unless media_urls is given.",
        json_schema_extra={"maxLength": MAX_BODY},
    )
    from_: Annotated[
        str | None,
        address(
            "from",
            ALL_KINDS,
            refuse={"whatsapp": "Use send_whatsapp to send from a WhatsApp sender."},
        ),
    ] = Field(
        default=None,
        validation_alias=names("from", "from_", "twilioPhoneNumber", "sender_number", "sender"),
        description="The sender: a number you own in E.164 (see list_phone_numbers), a short "
        "code or an alphanumeric sender ID (not in the US or Canada). Default: the "
        "connection's messaging service, else its default number (TWILIO_PHONE_NUMBER).",
    )
    media_urls: MediaUrls | None = Field(
        default=None,
        validation_alias=names("media_urls", "media_url"),
        description="Up to 10 public http(s) URLs of images or other media: makes it an MMS "
        "(US and Canada numbers only; billed per message, not per segment).",
        json_schema_extra={"maxItems": MAX_MEDIA},
    )
    status_callback: WebUrl | None = Field(
        default=None,
        description="A URL Twilio posts each status change to (queued, sent, delivered, "
        "failed, ...).",
    )
    messaging_service_sid: ServiceSid | None = Field(
        default=None,
        description="Send through this Messaging Service (MG...) instead of one number; it "
        "picks the sender.",
    )
    validity_period: int | None = Field(
        default=None,
        ge=1,
        le=36000,
        description="Give up if the message cannot be sent within this many seconds "
        "(1-36000; Twilio's default is 36000). For codes that go stale.",
    )
    send_at: Instant | None = send_at_field()
    smart_encoded: bool | None = Field(
        default=None,
        description="Let Twilio replace look-alike Unicode (curly quotes, long dashes) with "
        "GSM-7 characters, which can halve the number of segments.",
    )
    idempotency_key: str | None = idempotency_key_field()

    @model_validator(mode="after")
    def _content(self) -> Self:
        _check_body(self.body)
        _check_media(self.media_urls, MAX_MEDIA, "an MMS")
        if not self.body and not self.media_urls:
            raise ValidationError(
                "a message needs 'body' (text) or 'media_urls'",
                field="body",
                hint="Give the text to send as 'body'.",
            )
        _check_sender_id(self.from_, self.to)
        return self


class SendMessageOutput(MessageOutput):
    """The message as Twilio accepted it, with what its body costs in segments; or, for a
    send_at, the send as scheduled (status scheduled, no sid yet)."""

    sid: str | None = Field(  # type: ignore[assignment]
        description="The message SID (SM... or MM...): its unique id. Null while a send_at "
        "send waits in the outbox (see outbox_id)."
    )
    outbox_id: str | None = outbox_id_field()
    send_at: datetime | None = Field(
        default=None, description="When a scheduled send leaves (UTC); null for a send now."
    )

    encoding: Literal["GSM-7", "UCS-2"] | None = Field(
        default=None,
        description="How the body travels over SMS: GSM-7 (160 characters a segment) or UCS-2 "
        "(70). Null for MMS and WhatsApp, which are not billed by segment.",
    )
    segments: int | None = Field(
        default=None,
        description="Segments the body needs, computed before sending (each is billed as "
        "one SMS). Null for MMS and WhatsApp.",
    )
    ucs2_characters: list[str] = Field(
        default_factory=list,
        description="The characters that forced UCS-2; replacing them (or smart_encoded) "
        "can cut the cost. Empty for GSM-7.",
    )

    @classmethod
    def sent(cls, message: Message, info: SegmentInfo | None, outbox_id: str | None = None) -> Self:
        base = MessageOutput.of(message).model_dump(by_alias=True)
        base["outbox_id"] = outbox_id
        return cls._with_segments(base, info)

    @classmethod
    def _with_segments(cls, base: dict[str, Any], info: SegmentInfo | None) -> Self:
        """The output of ``base`` with the body's encoding and segments, when counted."""
        if info is not None:
            base.update(
                encoding=info.encoding,
                segments=info.segments,
                ucs2_characters=list(info.unicode_characters),
            )
        return cls.model_validate(base)

    @classmethod
    def scheduled(cls, scheduled: Scheduled, info: SegmentInfo | None) -> Self:
        """The answer to a send_at send: what will leave, and when."""
        intent = scheduled.intent
        base = scheduled_answer(
            MessageOutput,
            scheduled,
            body=intent.body,
            num_media=len(intent.media_urls),
            messaging_service_sid=intent.messaging_service_sid,
        )
        return cls._with_segments(base, info)


async def _send_message(
    context: ActionContext,
    arguments: SendSmsInput | SendWhatsAppInput,
    *,
    action: str,
    channel: Channel,
    details: dict[str, Any],
    content_sid: str | None = None,
    info: SegmentInfo | None = None,
) -> SendMessageOutput:
    """Send the message of ``arguments`` from its sender (else the connection's) now, or
    hold it until its ``send_at`` (twiliokit.actions.sending)."""
    from twiliokit.resources.messages import Message

    from_, service = _default_sender(
        context,
        arguments.to,
        arguments.from_,
        arguments.messaging_service_sid,
        whatsapp=channel == "whatsapp",
    )
    intent = SendIntent(
        channel=channel,
        to=arguments.to,
        from_=from_,
        messaging_service_sid=service,
        body=arguments.body,
        content_sid=content_sid,
        media_urls=tuple(arguments.media_urls or ()),
        status_callback=arguments.status_callback,
        details=details,
    )
    key = arguments.idempotency_key
    if arguments.send_at is not None:
        held = await schedule(
            context, intent, action=action, send_at=arguments.send_at, idempotency_key=key
        )
        return SendMessageOutput.scheduled(held, info)
    sent = await send_now(context, intent, Message, action=action, idempotency_key=key)
    return SendMessageOutput.sent(sent.result, info, sent.outbox_id)


def _check_sender_id(sender: str | None, to: str) -> None:
    """Twilio refuses alphanumeric sender IDs towards the US and Canada (21612)."""
    if sender is None or parse_address(sender, field="from", allow=ALL_KINDS).kind != (
        "alphanumeric"
    ):
        return
    if region_of(to) in NO_SENDER_ID_REGIONS:
        raise ValidationError(
            f"'from' is an alphanumeric sender ID ({sender!r}), which carriers in the US and "
            "Canada do not accept",
            field="from",
            hint="Send from a number you own (see list_phone_numbers) or a short code.",
        )


def _default_sender(
    context: ActionContext, to: str, from_: str | None, service: str | None, *, whatsapp: bool
) -> tuple[str | None, str | None]:
    """``(from, messaging_service_sid)`` to send with: the given ones, else the connection's
    messaging service, else its default number."""
    if from_ is not None or service is not None:
        return from_, service
    connection = context.connection
    if connection.messaging_service_sid:
        return None, connection.messaging_service_sid
    default = connection.default_from
    if not default:
        raise ValidationError(
            "'from' is missing and this connection has no default sender",
            field="from",
            hint=_SENDER_HINT,
        )
    if whatsapp:
        number = default.removeprefix("whatsapp:")
        if parse_address(number, field="from", allow=ALL_KINDS).kind != "phone":
            raise ValidationError(
                f"'from' is missing and the connection's default sender ({default}) is not a "
                "WhatsApp number",
                field="from",
                hint="Pass 'from' (your WhatsApp sender, e.g. whatsapp:+14155238886).",
            )
        return f"whatsapp:{number}", None
    _check_sender_id(default, to)
    return default, None


@register(
    "send_sms",
    title="Send an SMS or MMS",
    side_effect="write",
    costs_money=True,
    idempotent=False,
    aliases=("sendSMS",),
    group=GROUP,
)
async def send_sms(context: ActionContext, arguments: SendSmsInput) -> SendMessageOutput:
    """Send a text message (SMS), or an MMS when media_urls is given, to a phone number.
    Use it to notify, remind or answer someone by text. It costs money: each SMS segment
    (160 GSM-7 or 70 UCS-2 characters) is billed, each MMS once. 'from' defaults to the
    connection's sender. The output is the message as Twilio accepted it (status queued or
    accepted: not yet delivered; check later with get_message) plus encoding, segments and
    the characters that forced UCS-2. Not idempotent: if it fails with unknown_outcome, look
    for the message with list_messages before sending again."""
    info = None
    if not arguments.media_urls:
        info = analyze(arguments.body or "", smart_encoding=bool(arguments.smart_encoded))
    return await _send_message(
        context,
        arguments,
        action="send_sms",
        channel="mms" if arguments.media_urls else "sms",
        details={
            "validity_period": arguments.validity_period,
            "smart_encoded": arguments.smart_encoded,
        },
        info=info,
    )


# --- send_whatsapp ---------------------------------------------------------------------------


def _content_variables(value: Any) -> Any:
    """Twilio's ContentVariables as an object of strings; a JSON string is accepted too."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ValidationError(
                "'content_variables' must be an object (or its JSON text)",
                field="content_variables",
                hint='Map each placeholder to its text, e.g. {"1": "Ada", "2": "10:30"}.',
            )
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                raise ValidationError(
                    f"'content_variables' value for {str(key)[:20]!r} must be text or a number",
                    field="content_variables",
                    hint='Map each placeholder to its text, e.g. {"1": "Ada"}.',
                )
            out[key] = item if isinstance(item, str) else str(item)
        return out
    return value


ContentVariables = Annotated[
    dict[Annotated[str, Field(min_length=1, max_length=64)], str],
    BeforeValidator(_content_variables),
]


class SendWhatsAppInput(AgentInput):
    """Arguments of send_whatsapp."""

    to: Annotated[str, address("to", frozenset({"phone", "whatsapp"}), whatsapp=True)] = Field(
        validation_alias=names(
            "to", "recipientWhatsAppNumber", "recipientPhoneNumber", "recipient_number"
        ),
        description="The recipient's WhatsApp number: E.164 (+14155552671) or "
        "whatsapp:+14155552671.",
    )
    body: str | None = Field(
        default=None,
        validation_alias=names("body", "message", "message_body", "text"),
        description="Free-form text, up to 1,600 characters. Only delivered within 24 hours "
        "of the user's last message to you; otherwise it fails (error 63016) and you must "
        "send an approved template with content_sid instead.",
        json_schema_extra={"maxLength": MAX_BODY},
    )
    content_sid: ContentSid | None = Field(
        default=None,
        description="An approved template (HX..., see list_whatsapp_templates) to send instead "
        "of body: the only way to start a conversation or write after 24 hours.",
    )
    content_variables: ContentVariables | None = Field(
        default=None,
        description='Values for the template\'s placeholders, e.g. {"1": "Ada", "2": "10:30"}.',
    )
    from_: Annotated[
        str | None, address("from", frozenset({"phone", "whatsapp"}), whatsapp=True)
    ] = Field(
        default=None,
        validation_alias=names("from", "from_", "twilioWhatsAppNumber", "twilioPhoneNumber"),
        description="Your WhatsApp sender (E.164 or whatsapp:+E164). Default: the "
        "connection's messaging service, else whatsapp: + its default number.",
    )
    media_urls: MediaUrls | None = Field(
        default=None,
        validation_alias=names("media_urls", "media_url"),
        description="One public http(s) URL of an image, video, audio or document to attach.",
        json_schema_extra={"maxItems": MAX_WHATSAPP_MEDIA},
    )
    status_callback: WebUrl | None = Field(
        default=None,
        description="A URL Twilio posts each status change to (sent, delivered, "
        "read, failed, ...).",
    )
    messaging_service_sid: ServiceSid | None = Field(
        default=None,
        description="Send through this Messaging Service (MG...) with a WhatsApp sender.",
    )
    send_at: Instant | None = send_at_field()
    idempotency_key: str | None = idempotency_key_field()

    @model_validator(mode="after")
    def _content(self) -> Self:
        _check_body(self.body)
        _check_media(self.media_urls, MAX_WHATSAPP_MEDIA, "WhatsApp")
        if self.content_variables is not None and self.content_sid is None:
            raise ValidationError(
                "'content_variables' fills a template: it needs 'content_sid'",
                field="content_variables",
                hint="Add content_sid (see list_whatsapp_templates), or drop content_variables.",
            )
        if self.content_sid is not None and (self.body or self.media_urls):
            raise ValidationError(
                "send either a template (content_sid) or free-form content (body, "
                "media_urls), not both",
                field="body",
                hint="A template carries its own text: drop body and media_urls.",
            )
        if self.content_sid is None and not self.body and not self.media_urls:
            raise ValidationError(
                "a WhatsApp message needs 'body' (free-form) or 'content_sid' (a template)",
                field="body",
                hint="Free-form text is only delivered within 24 hours of the user's last "
                "message; otherwise send an approved template (list_whatsapp_templates).",
            )
        return self


@register(
    "send_whatsapp",
    title="Send a WhatsApp message",
    side_effect="write",
    costs_money=True,
    idempotent=False,
    aliases=("sendWhatsAppMessage",),
    group=GROUP,
)
async def send_whatsapp(context: ActionContext, arguments: SendWhatsAppInput) -> SendMessageOutput:
    """Send a WhatsApp message: free-form body (or one media file) while the user's 24-hour
    window is open (they wrote to you in the last 24 hours), or an approved template
    (content_sid plus content_variables) at any time, which is the only way to start a
    conversation. It costs money (per conversation or template message, set by WhatsApp).
    A free-form message outside the window is accepted and then fails with error 63016 (see
    get_message). The output is the message as Twilio accepted it. Not idempotent: after
    unknown_outcome, look for it with list_messages before sending again."""
    return await _send_message(
        context,
        arguments,
        action="send_whatsapp",
        channel="whatsapp",
        details={"content_variables": arguments.content_variables},
        content_sid=arguments.content_sid,
    )


# --- get / redact / delete -------------------------------------------------------------------


class GetMessageInput(AgentInput):
    """Arguments of get_message, redact_message and delete_message."""

    sid: MessageSid = Field(
        validation_alias=names("sid", "message_sid", "messageSID"),
        description="The message SID (SM... or MM...), as returned by send_sms or list_messages.",
    )


class DeleteMessageInput(GetMessageInput):
    """Arguments of delete_message."""


@register(
    "get_message",
    title="Get a message and its delivery status",
    aliases=("getSMS",),
    group=GROUP,
)
async def get_message(context: ActionContext, arguments: GetMessageInput) -> MessageOutput:
    """Fetch one message by SID: its status (queued, sent, delivered, undelivered, failed,
    read, ...), error_code and error_hint when it failed, segments and price. Use it to
    find out whether a message you sent arrived. Free, read-only."""
    return MessageOutput.of(await context.client.fetch_message(arguments.sid))


@register(
    "redact_message",
    title="Erase a message's text",
    side_effect="destructive",
    idempotent=True,
    group=GROUP,
)
async def redact_message(context: ActionContext, arguments: GetMessageInput) -> MessageOutput:
    """Erase the body of a message at Twilio, keeping its record (status, dates, price) for
    reporting. Use it to remove sensitive text such as codes or personal data. Cannot be
    undone; a message still being sent cannot be redacted. Free. The output is the message
    with an empty body."""
    return MessageOutput.of(await context.client.redact_message(arguments.sid))


@register(
    "delete_message",
    title="Delete a message record",
    side_effect="destructive",
    idempotent=True,
    group=GROUP,
)
async def delete_message(context: ActionContext, arguments: DeleteMessageInput) -> DeletedOutput:
    """Delete a message's record from Twilio for good (body, status and all), for example
    for data-retention rules. Does not recall a message already delivered. Cannot be undone;
    prefer redact_message to keep the record. Free."""
    await context.client.delete_message(arguments.sid)
    return DeletedOutput(sid=arguments.sid, deleted=True)


# --- list_messages ---------------------------------------------------------------------------


class _MessageFilters(AgentInput):
    """The filters of list_messages."""

    from_: Annotated[str | None, address("from", ALL_KINDS)] = Field(
        default=None,
        validation_alias=names("from", "from_", "sender_number", "sender"),
        description="Only messages from this sender (E.164, short code, sender ID or "
        "whatsapp:+E164).",
    )
    to: Annotated[str | None, address("to", RECIPIENT_KINDS)] = Field(
        default=None,
        validation_alias=names("to", "recipient_number", "recipient"),
        description="Only messages to this recipient (E.164 or whatsapp:+E164).",
    )
    date_sent: DateBound | None = Field(
        default=None,
        description="Only messages sent on this day (YYYY-MM-DD, UTC).",
    )
    sent_after: DateBound | None = Field(
        default=None,
        validation_alias=names("sent_after", "date_sent_after"),
        description="Only messages sent at or after this moment (2024-03-01T12:00:00Z) or day "
        "(2024-03-01, from its start, UTC).",
    )
    sent_before: DateBound | None = Field(
        default=None,
        validation_alias=names("sent_before", "date_sent_before"),
        description="Only messages sent at or before this moment or day (to its end, UTC).",
    )

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.date_sent is not None and (
            self.sent_after is not None or self.sent_before is not None
        ):
            raise ValidationError(
                "give either 'date_sent' (one day) or 'sent_after'/'sent_before' (a range)",
                field="date_sent",
                hint="For one day use date_sent alone.",
            )
        check_range(
            self.sent_after, self.sent_before, after_name="sent_after", before_name="sent_before"
        )
        return self


class ListMessagesInput(PageInput, _MessageFilters):
    """Arguments of list_messages."""

    include_raw: bool = Field(
        default=False,
        description="Include each message's raw Twilio JSON (longer answers).",
    )


class ListMessagesOutput(PageOutput):
    """One page of messages."""

    messages: list[MessageOutput] = Field(description="The messages, newest first.")
    next_page_token: str | None = next_page_token_field(filtered=True)


@register(
    "list_messages",
    title="List and search messages",
    aliases=("listMessages",),
    group=GROUP,
)
async def list_messages(context: ActionContext, arguments: ListMessagesInput) -> ListMessagesOutput:
    """List messages sent and received by the account, newest first, optionally only those
    from or to an address and sent on a day or within a time range. Returns at most limit
    messages and a next_page_token to continue. Use it to read a conversation, find replies
    or check whether a send whose outcome was unknown happened. Free, read-only."""
    now = context.now()
    check_not_future(arguments.sent_after, name="sent_after", now=now, what="message")
    check_not_future(arguments.date_sent, name="date_sent", now=now, what="message")
    page = await context.client.list_messages(
        to=arguments.to,
        from_=arguments.from_,
        date_sent=arguments.date_sent,
        date_sent_after=arguments.sent_after,
        date_sent_before=arguments.sent_before,
        **arguments.paging(),
    )
    return ListMessagesOutput.of_page(page, MessageOutput.of, raw=arguments.include_raw)


# --- list_message_media ----------------------------------------------------------------------


class _MediaOwnerInput(AgentInput):
    """The message list_message_media lists the media of."""

    message_sid: MessageSid = Field(
        validation_alias=names("message_sid", "sid"),
        description="The message (SM... or MM...) whose media to list.",
    )


class ListMessageMediaInput(PageInput, _MediaOwnerInput):
    """Arguments of list_message_media."""


class ListMessageMediaOutput(PageOutput):
    """One page of a message's media."""

    media: list[MediaOutput] = Field(description="The media files.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_message_media",
    title="List a message's media files",
    group=GROUP,
)
async def list_message_media(
    context: ActionContext, arguments: ListMessageMediaInput
) -> ListMessageMediaOutput:
    """List the media files (images, audio, documents) attached to a message, such as the
    photo in an incoming MMS or WhatsApp message: their type and URL. The URL needs the
    account's credentials: raw_request (GET) on it answers with redirect_url, a temporary
    public link to the file. Free, read-only."""
    from twiliokit.http.products import base_url

    page = await context.client.list_message_media(arguments.message_sid, **arguments.paging())
    api = base_url("api", context.connection)
    return ListMessageMediaOutput.of_page(
        page, MediaOutput.of, base_url=api, raw=arguments.include_raw
    )


# --- list_whatsapp_templates -----------------------------------------------------------------


class ListWhatsAppTemplatesInput(PageInput):
    """Arguments of list_whatsapp_templates."""

    include_raw: bool = Field(default=False, description="Include each template's raw JSON.")


class ListWhatsAppTemplatesOutput(PageOutput):
    """One page of templates."""

    templates: list[TemplateOutput] = Field(description="The templates, newest first.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_whatsapp_templates",
    title="List WhatsApp templates and their approval",
    group=GROUP,
)
async def list_whatsapp_templates(
    context: ActionContext, arguments: ListWhatsAppTemplatesInput
) -> ListWhatsAppTemplatesOutput:
    """List the account's message templates (Content API) with WhatsApp's approval status,
    their text and placeholders. Use it to pick a content_sid for send_whatsapp when you
    must start a conversation or write after the 24-hour window: only templates with
    approval_status approved can be sent then; content_variables fills their {{1}}-style
    placeholders. Free, read-only."""
    page = await context.client.list_contents_with_approvals(**arguments.paging())
    return ListWhatsAppTemplatesOutput.of_page(page, TemplateOutput.of, raw=arguments.include_raw)
