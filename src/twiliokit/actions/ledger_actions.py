"""Ledger actions: read what was sent and received, delivery timelines and opt-outs from the
ledger (``twiliokit.ledger``), and wait for a message's final status.

They need ``context.ledger`` (surfaces open it from ``--db`` / ``TWILIOKIT_DATABASE_URL``);
without one they raise a :class:`~twiliokit.errors.ConfigurationError` saying how to enable
it. All are reads: the ledger's own, except ``wait_for_delivery``, which also asks Twilio when
no status callback has arrived and records what it learns.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, Self

from pydantic import AfterValidator, Field

from twiliokit.actions.context import ActionContext
from twiliokit.actions.inputs import (
    AgentInput,
    DateBound,
    Limit,
    Sid,
    address,
    end_of,
    names,
    range_rule,
    register,
    start_of,
)
from twiliokit.actions.outputs import Output, error_hint, price_number
from twiliokit.errors import ConfigurationError, RateLimitError, TransportError
from twiliokit.phone import ALL_KINDS, RECIPIENT_KINDS, parse_address

if TYPE_CHECKING:
    from twiliokit.ledger.records import MessageRecord, OptOut, StatusEvent
    from twiliokit.ledger.store import LedgerStore

__all__ = [
    "ENABLE_LEDGER_HINT",
    "ConversationOutput",
    "GetConversationInput",
    "LedgerMessageOutput",
    "ListOptOutsInput",
    "ListOptOutsOutput",
    "MessageSidInput",
    "SearchLedgerInput",
    "SearchLedgerOutput",
    "StatusHistoryOutput",
    "WaitForDeliveryInput",
    "WaitForDeliveryOutput",
    "get_conversation",
    "get_message_status_history",
    "list_opt_outs",
    "no_ledger_error",
    "search_ledger",
    "wait_for_delivery",
]

logger = logging.getLogger("twiliokit.actions")

GROUP = "ledger"
#: The longest wait_for_delivery blocks: agents and MCP clients time tool calls out.
MAX_WAIT_SECONDS: Final = 300
#: Seconds between fetches from Twilio while no callback arrives (then every 5 s).
POLL_DELAYS: Final = (0.5, 1.0, 2.0, 4.0)
POLL_EVERY: Final = 5.0

ENABLE_LEDGER_HINT = (
    "Start twiliokit with a ledger: --db URL (e.g. --db sqlite:///twiliokit.sqlite3) or the "
    "environment variable TWILIOKIT_DATABASE_URL; in Python pass "
    "ActionContext(..., ledger=await twiliokit.ledger.open_ledger(url)). The webhook receiver "
    "(twiliokit serve) records into the same ledger."
)
_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")

MessageSid = Annotated[
    str, Sid(("SM", "MM"), "a message", "send_sms, send_whatsapp or get_conversation")
]
DirectionName = Literal["inbound", "outbound-api", "outbound-reply", "outbound-call"]
StatusName = Literal[
    "accepted",
    "scheduled",
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "partially_delivered",
    "canceled",
    "read",
    "receiving",
    "received",
]
ChannelName = Literal["sms", "mms", "whatsapp"]

# The error fields of the ledger's outputs, described once.
ErrorCode = Annotated[int | None, Field(description="Twilio's error code when it failed.")]
ErrorMessage = Annotated[str | None, Field(description="What error_code means, when Twilio said.")]
ErrorHint = Annotated[str | None, Field(description="What to do about error_code, when known.")]


def no_ledger_error(message: str) -> ConfigurationError:
    """The error of an action that needs the ledger when it runs without one (``message`` says
    why it needs it); the hint says how to give it one, on every surface."""
    return ConfigurationError(message, field="ledger", hint=ENABLE_LEDGER_HINT)


def _ledger(context: ActionContext, action: str) -> LedgerStore:
    ledger: LedgerStore | None = context.ledger
    if ledger is None:
        raise no_ledger_error(f"{action} reads the ledger, and this twiliokit runs without one")
    return ledger


# --- outputs ---------------------------------------------------------------------------------


class StatusEventOutput(Output):
    """One status a message was seen in."""

    status: str = Field(description="The status: queued, sending, sent, delivered, failed, ...")
    at: datetime = Field(description="When it was seen (UTC).")
    source: str = Field(
        description="How it was learnt: api (Twilio's answer to the send), callback (a status "
        "callback to the webhook receiver) or poll (a fetch from Twilio)."
    )
    error_code: int | None = Field(description="Twilio's error code with this status, if any.")
    error_message: ErrorMessage

    @classmethod
    def of(cls, event: StatusEvent) -> Self:
        return cls.matching(event, status=event.status.value, source=event.source.value)


class LedgerMessageOutput(Output):
    """A message as the ledger knows it."""

    sid: str = Field(description="The message SID (SM... or MM...).")
    direction: str = Field(
        description="inbound (they wrote to you), outbound-api (sent through the API), "
        "outbound-reply (a TwiML reply) or outbound-call."
    )
    channel: str | None = Field(description="sms, mms or whatsapp.")
    from_: str | None = Field(alias="from", description="The sender's address.")
    to: str = Field(description="The recipient's address.")
    body: str | None = Field(description="The text, as sent or received.")
    status: str = Field(
        description="The current status: it only moves forward (queued < sending < sent < "
        "delivered/undelivered/failed < read; received for inbound)."
    )
    error_code: ErrorCode
    error_message: ErrorMessage
    error_hint: ErrorHint
    num_segments: int | None = Field(description="Segments billed, when known.")
    num_media: int | None = Field(description="Media files attached, when known.")
    media_urls: list[str] = Field(description="The media URLs sent with it (outbound).")
    messaging_service_sid: str | None = Field(description="The Messaging Service, if any.")
    price: float | None = Field(
        description="What it cost in price_unit (negative: a charge), a number as in every "
        "action's output (Twilio's API gives it as text, e.g. \"-0.00790\"); null until known."
    )
    price_unit: str | None = Field(description="Currency of price (ISO 4217).")
    date_created: datetime = Field(description="When it was created or received (UTC).")
    date_sent: datetime | None = Field(description="When Twilio sent it, when known (UTC).")
    date_updated: datetime | None = Field(description="When its status last changed (UTC).")

    @classmethod
    def of(cls, record: MessageRecord) -> Self:
        return cls.model_validate(_record_fields(record))


def _record_fields(record: MessageRecord) -> dict[str, Any]:
    return {
        "sid": record.sid,
        "direction": record.direction.value,
        "channel": record.channel.value if record.channel is not None else None,
        "from": record.from_,
        "to": record.to,
        "body": record.body,
        "status": record.status.value,
        "error_code": record.error_code,
        "error_message": record.error_message,
        "error_hint": error_hint(record.error_code),
        "num_segments": record.num_segments,
        "num_media": record.num_media,
        "media_urls": list(record.media_urls),
        "messaging_service_sid": record.messaging_service_sid,
        "price": price_number(record.price),
        "price_unit": record.price_unit,
        "date_created": record.date_created,
        "date_sent": record.date_sent,
        "date_updated": record.date_updated,
    }


class ConversationMessageOutput(LedgerMessageOutput):
    """A message of a conversation, with every status it went through."""

    history: list[StatusEventOutput] = Field(
        description="Every status seen for it, in lifecycle order, with when and how."
    )


# --- get_conversation ------------------------------------------------------------------------


class GetConversationInput(AgentInput):
    """Arguments of get_conversation."""

    contact: Annotated[str, address("contact", RECIPIENT_KINDS)] = Field(
        validation_alias=names("contact", "phone_number", "number"),
        description="The other party: a phone number in E.164 (+14155552671) for SMS/MMS, or "
        "whatsapp:+14155552671 for WhatsApp (the two are separate conversations).",
    )
    limit: Limit = Field(
        default=20,
        description="How many messages to return at most (1-1000); older ones are read by "
        "passing next_before back as before.",
    )
    before: DateBound | None = Field(
        default=None,
        description="Only messages created before this moment (2024-03-01T12:00:00Z) or day: "
        "pass the previous answer's next_before to page back in time.",
    )


class ConversationOutput(Output):
    """Messages to and from one contact, newest first."""

    contact: str = Field(description="The contact, as given.")
    messages: list[ConversationMessageOutput] = Field(
        description="The messages, newest first, each with its status history."
    )
    next_before: datetime | None = Field(
        description="Pass it as before for older messages; null when there are no more."
    )


@register(
    "get_conversation",
    title="Read a conversation from the ledger",
    open_world=False,
    group=GROUP,
)
async def get_conversation(
    context: ActionContext, arguments: GetConversationInput
) -> ConversationOutput:
    """Read the messages exchanged with one contact (SMS/MMS by phone number, or WhatsApp
    with whatsapp:+E164), newest first, each with its status history (queued, sent,
    delivered, failed + error code) and inbound replies. Use it to see what was said and
    whether it arrived before writing again. Reads the local ledger (needs --db), not
    Twilio: free, read-only. Page back with next_before."""
    ledger = _ledger(context, "get_conversation")
    before = start_of(arguments.before) if arguments.before is not None else None
    items = await ledger.conversation(arguments.contact, limit=arguments.limit, before=before)
    messages = [
        ConversationMessageOutput.model_validate(
            {
                **_record_fields(item.message),
                "history": [StatusEventOutput.of(e) for e in item.history],
            }
        )
        for item in items
    ]
    full = len(items) == arguments.limit
    return ConversationOutput(
        contact=arguments.contact,
        messages=messages,
        next_before=items[-1].message.date_created if full else None,
    )


# --- get_message_status_history --------------------------------------------------------------


class MessageSidInput(AgentInput):
    """Arguments of get_message_status_history."""

    sid: MessageSid = Field(
        validation_alias=names("sid", "message_sid"),
        description="The message SID (SM... or MM...), as returned by send_sms or send_whatsapp.",
    )


class StatusHistoryOutput(Output):
    """A message's status timeline."""

    sid: str = Field(description="The message SID.")
    recorded: bool = Field(
        description="Whether the ledger knows anything about this message. False for messages "
        "sent before the ledger was enabled or by other tools: ask Twilio with get_message."
    )
    status: str | None = Field(description="The current status; null when unknown.")
    error_code: ErrorCode
    error_hint: ErrorHint
    events: list[StatusEventOutput] = Field(
        description="Every status seen, in lifecycle order (queued, sending, sent, delivered, "
        "read), each with when and how it was learnt."
    )


@register(
    "get_message_status_history",
    title="A message's delivery timeline",
    open_world=False,
    group=GROUP,
)
async def get_message_status_history(
    context: ActionContext, arguments: MessageSidInput
) -> StatusHistoryOutput:
    """List every status a message went through, in order (queued, sending, sent,
    delivered or failed with its error code, read), each with its time and whether it came
    from the send, a status callback or a poll. Use it to explain what happened to a message
    or how long delivery took. Reads the local ledger (needs --db), not Twilio: free,
    read-only."""
    ledger = _ledger(context, "get_message_status_history")
    record = await ledger.get_message(arguments.sid)
    events = await ledger.status_history(arguments.sid)
    code = record.error_code if record is not None else None
    return StatusHistoryOutput(
        sid=arguments.sid,
        recorded=record is not None or bool(events),
        status=record.status.value if record is not None else None,
        error_code=code,
        error_hint=error_hint(code),
        events=[StatusEventOutput.of(e) for e in events],
    )


# --- wait_for_delivery -----------------------------------------------------------------------


class WaitForDeliveryInput(MessageSidInput):
    """Arguments of wait_for_delivery."""

    timeout_seconds: int = Field(
        default=60,
        ge=1,
        le=MAX_WAIT_SECONDS,
        validation_alias=names("timeout_seconds", "timeout"),
        description=f"Give up after this many seconds (1-{MAX_WAIT_SECONDS}) and answer with "
        "the status so far.",
    )


class WaitForDeliveryOutput(Output):
    """Where a message's delivery ended up."""

    sid: str = Field(description="The message SID.")
    status: str | None = Field(
        description="The status reached: delivered, undelivered, failed, read, canceled (final) "
        "or, after a timeout, the latest one seen."
    )
    final: bool = Field(description="Whether status is final (no further change expected).")
    timed_out: bool = Field(
        description="True when timeout_seconds passed first; status may still change: call "
        "again or check later with get_message."
    )
    error_code: ErrorCode
    error_message: ErrorMessage
    error_hint: ErrorHint
    waited_seconds: float = Field(description="How long it waited.")
    history: list[StatusEventOutput] = Field(description="Every status seen, in order.")


async def _poll(context: ActionContext, ledger: LedgerStore, sid: str) -> None:
    """Fetch the message from Twilio and record what it says (a missed callback, a price)."""
    # Here, not at the top: the catalogue's cold import (send_sms) does not load the ledger.
    from twiliokit.actions.ledger_records import message_record, poll_event

    try:
        message = await context.client.fetch_message(sid)
    except (TransportError, RateLimitError) as exc:  # the ledger may still hear a callback
        logger.info("polling %s failed (%s); still waiting for a callback", sid, exc.message)
        return
    now = context.now()
    # The event first, so that it keeps its source (poll); the record then adds the price.
    await ledger.apply_status(poll_event(message, now=now))
    await ledger.record_message(message_record(message, now=now))


async def _report_waiting(
    context: ActionContext, ledger: LedgerStore, arguments: WaitForDeliveryInput, *, waited: float
) -> None:
    """Tell the caller (MCP progress) how long it has waited and the statuses seen so far."""
    if context.progress is None:
        return
    seen = [event.status.value for event in await ledger.status_history(arguments.sid)]
    statuses = ", ".join(dict.fromkeys(seen)) or "none yet"
    message = (
        f"waiting for {arguments.sid}: {waited:.0f} of {arguments.timeout_seconds} s; "
        f"statuses seen: {statuses}"
    )
    await context.progress(round(waited, 3), float(arguments.timeout_seconds), message)


@register(
    "wait_for_delivery",
    title="Wait for a message to be delivered",
    open_world=True,
    group=GROUP,
)
async def wait_for_delivery(
    context: ActionContext, arguments: WaitForDeliveryInput
) -> WaitForDeliveryOutput:
    """Wait until a message you sent reaches a final status (delivered, undelivered,
    failed with its error code, read) or timeout_seconds (at most 300) pass, and return it.
    Use it after send_sms or send_whatsapp when you must know the message arrived before
    going on. It listens for status callbacks in the ledger (needs --db) and also asks
    Twilio every few seconds, recording what it learns. Free (fetching a message costs
    nothing); read-only."""
    ledger = _ledger(context, "wait_for_delivery")
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + arguments.timeout_seconds
    delays = iter(POLL_DELAYS)
    record = await ledger.get_message(arguments.sid)
    while record is None or not record.status.is_final:
        await _poll(context, ledger, arguments.sid)
        record = await ledger.get_message(arguments.sid)
        if record is not None and record.status.is_final:
            break
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        await _report_waiting(context, ledger, arguments, waited=loop.time() - started)
        wait = min(next(delays, POLL_EVERY), remaining)
        try:
            async with asyncio.timeout(wait):
                record = await ledger.wait_for_status(arguments.sid, poll_interval=min(wait, 1.0))
        except TimeoutError:
            continue
    events = await ledger.status_history(arguments.sid)
    final = record is not None and record.status.is_final
    code = record.error_code if record is not None else None
    return WaitForDeliveryOutput(
        sid=arguments.sid,
        status=record.status.value if record is not None else None,
        final=final,
        timed_out=not final,
        error_code=code,
        error_message=record.error_message if record is not None else None,
        error_hint=error_hint(code),
        waited_seconds=round(loop.time() - started, 3),
        history=[StatusEventOutput.of(e) for e in events],
    )


# --- list_opt_outs ---------------------------------------------------------------------------


def _sender(value: str) -> str:
    """A sender address, or a Messaging Service SID (opt-outs through one are kept per
    service)."""
    if _SERVICE_SID.fullmatch(value):
        return value
    return parse_address(value, field="sender", allow=ALL_KINDS).value


class ListOptOutsInput(AgentInput):
    """Arguments of list_opt_outs."""

    sender: Annotated[str | None, AfterValidator(lambda v: None if v is None else _sender(v))] = (
        Field(
            default=None,
            validation_alias=names("sender", "from"),
            description="Only opt-outs from this sender: one of your numbers (E.164 or "
            "whatsapp:+E164) or a Messaging Service SID (MG...), which keeps one list for "
            "all its numbers.",
        )
    )
    recipient: Annotated[str | None, address("recipient", RECIPIENT_KINDS)] = Field(
        default=None,
        validation_alias=names("recipient", "to", "contact"),
        description="Only this recipient (E.164 or whatsapp:+E164): has this person opted out?",
    )


class OptOutOutput(Output):
    """A recipient who opted out of one sender."""

    sender: str = Field(description="The sender number or Messaging Service (MG...) blocked.")
    recipient: str = Field(description="Who opted out.")
    since: datetime = Field(description="When they opted out (UTC).")
    source: str = Field(
        description="How it was learnt: inbound (they texted STOP or a synonym), twilio_21610 "
        "(Twilio refused a send with error 21610) or manual."
    )
    keyword: str | None = Field(description="The word they sent (STOP, UNSUBSCRIBE, ...).")

    @classmethod
    def of(cls, opt_out: OptOut) -> Self:
        return cls.matching(opt_out, sender=opt_out.sender_key, source=opt_out.source.value)


class ListOptOutsOutput(Output):
    """Recipients currently opted out."""

    opt_outs: list[OptOutOutput] = Field(
        description="Current opt-outs (a later START removes one), by sender then recipient."
    )


@register(
    "list_opt_outs",
    title="List recipients who opted out (STOP)",
    open_world=False,
    group=GROUP,
)
async def list_opt_outs(context: ActionContext, arguments: ListOptOutsInput) -> ListOptOutsOutput:
    """List the recipients who replied STOP (or a synonym) and have not texted START since,
    per sender number or Messaging Service, including those Twilio reported with error
    21610. Sending to them is refused before any request. Use it to check whether someone
    can be messaged. Reads the local ledger (needs --db): free, read-only."""
    ledger = _ledger(context, "list_opt_outs")
    found = await ledger.list_opt_outs(sender_key=arguments.sender, recipient=arguments.recipient)
    return ListOptOutsOutput(opt_outs=[OptOutOutput.of(o) for o in found])


# --- search_ledger ---------------------------------------------------------------------------


class SearchLedgerInput(AgentInput):
    """Arguments of search_ledger."""

    contact: Annotated[str | None, address("contact", RECIPIENT_KINDS)] = Field(
        default=None,
        validation_alias=names("contact", "phone_number"),
        description="Only messages to or from this contact (E.164, or whatsapp:+E164).",
    )
    direction: DirectionName | None = Field(
        default=None,
        description="Only inbound (received) or outbound-api (sent through the API) messages "
        "(also outbound-reply, outbound-call).",
    )
    status: StatusName | None = Field(
        default=None,
        description="Only messages whose current status is this (e.g. failed, undelivered).",
    )
    channel: ChannelName | None = Field(default=None, description="Only sms, mms or whatsapp.")
    since: DateBound | None = Field(
        default=None,
        description="Only messages created at or after this moment (2024-03-01T12:00:00Z) or "
        "day (2024-03-01, from its start, UTC).",
    )
    until: DateBound | None = Field(
        default=None,
        description="Only messages created before this moment, or up to the end of this day.",
    )
    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Only messages whose body contains this text (any case).",
    )
    limit: Limit = Field(
        default=20,
        description="How many messages to return at most (1-1000), newest first; narrow "
        "until to reach older ones.",
    )

    _dates = range_rule("since", "until")


class SearchLedgerOutput(Output):
    """Messages matching every filter given."""

    messages: list[LedgerMessageOutput] = Field(description="The messages, newest first.")


@register(
    "search_ledger",
    title="Search sent and received messages",
    open_world=False,
    group=GROUP,
)
async def search_ledger(context: ActionContext, arguments: SearchLedgerInput) -> SearchLedgerOutput:
    """Search every message sent and received by contact, direction, current status (for
    example all failed or undelivered ones), channel, time range and text in the body,
    newest first. Use it to find replies, failures or what was said about a topic. Reads
    the local ledger (needs --db), not Twilio: free, read-only."""
    from twiliokit.ledger import records

    ledger = _ledger(context, "search_ledger")
    direction, status, channel = arguments.direction, arguments.status, arguments.channel
    query = records.LedgerQuery(
        contact=arguments.contact,
        direction=records.Direction(direction) if direction else None,
        status=records.MessageStatus(status) if status else None,
        channel=records.Channel(channel) if channel else None,
        since=start_of(arguments.since) if arguments.since is not None else None,
        until=end_of(arguments.until) if arguments.until is not None else None,
        text=arguments.text,
        limit=arguments.limit,
    )
    found = await ledger.search(query)
    return SearchLedgerOutput(messages=[LedgerMessageOutput.of(m) for m in found])
