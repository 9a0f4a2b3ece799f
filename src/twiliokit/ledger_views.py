"""What agents read from the ledger (HTTP API ``/v1/messages...``, MCP resources), as JSON.

The ledger's records are frozen dataclasses built for speed; these pydantic models are their
published JSON form (``from`` rather than ``from_``, prices as text, times in ISO 8601 UTC),
so the OpenAPI document and MCP resources describe exactly what is returned.

Without a ledger (``twiliokit mcp`` run with none), a conversation and a message's status are
read from Twilio through the catalogue instead (``list_messages``, ``get_message``): the
current status only, since Twilio keeps no status history. The ``source`` field says which.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from twiliokit.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from twiliokit.agent_runtime import AgentRuntime
    from twiliokit.ledger import ConversationItem, MessageRecord, StatusEvent

__all__ = [
    "ConversationMessageView",
    "ConversationView",
    "MessageView",
    "MessagesView",
    "StatusEventView",
    "StatusHistoryView",
    "read_conversation",
    "read_status_history",
    "search_messages",
]

Source = Literal["ledger", "twilio"]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class StatusEventView(_View):
    """One status a message was seen in."""

    status: str = Field(description="queued, sent, delivered, undelivered, failed, read, ...")
    at: datetime = Field(description="When it was seen (UTC).")
    source: str = Field(description="How it was learnt: callback, api or poll.")
    error_code: int | None = Field(default=None, description="Twilio's error code, if any.")
    error_message: str | None = Field(default=None, description="What the error code means.")


class MessageView(_View):
    """A message as the ledger (or Twilio) knows it; ``status`` is the current one."""

    sid: str = Field(description="The message SID (SM... or MM...).")
    direction: str | None = Field(description="inbound, outbound-api, outbound-reply, ...")
    from_: str | None = Field(alias="from", description="The sender.")
    to: str | None = Field(description="The recipient.")
    status: str | None = Field(description="The current status.")
    channel: str | None = Field(default=None, description="sms, mms or whatsapp.")
    body: str | None = Field(default=None, description="The text.")
    num_segments: int | None = Field(default=None, description="SMS segments billed.")
    num_media: int | None = Field(default=None, description="Attached media files.")
    media_urls: list[str] = Field(default_factory=list, description="Media URLs, if recorded.")
    messaging_service_sid: str | None = Field(default=None, description="The Messaging Service.")
    error_code: int | None = Field(default=None, description="Twilio's error code, if any.")
    error_message: str | None = Field(default=None, description="What the error code means.")
    price: str | None = Field(default=None, description="What it cost, as decimal text.")
    price_unit: str | None = Field(default=None, description="Currency of price.")
    date_created: datetime | None = Field(default=None, description="Created (UTC).")
    date_updated: datetime | None = Field(default=None, description="Last changed (UTC).")
    date_sent: datetime | None = Field(default=None, description="Sent or received (UTC).")


class ConversationMessageView(MessageView):
    """A message in a conversation, with its status history (oldest first)."""

    history: list[StatusEventView] = Field(
        default_factory=list, description="Every status seen, oldest first (ledger only)."
    )


class MessagesView(_View):
    """Messages matching a search, newest first."""

    messages: list[MessageView] = Field(description="The messages, newest first.")


class ConversationView(_View):
    """Messages to and from one contact, newest first."""

    contact: str = Field(description="The other party (E.164, whatsapp:+E164 or short code).")
    source: Source = Field(description="ledger, or twilio when no ledger is configured.")
    messages: list[ConversationMessageView] = Field(description="Newest first.")


class StatusHistoryView(_View):
    """A message's status timeline."""

    sid: str = Field(description="The message SID.")
    source: Source = Field(description="ledger (full history) or twilio (current status only).")
    status: str | None = Field(description="The current status.")
    events: list[StatusEventView] = Field(description="Every status seen, in lifecycle order.")


def event_view(event: StatusEvent) -> StatusEventView:
    return StatusEventView(
        status=str(event.status),
        at=event.at,
        source=str(event.source),
        error_code=event.error_code,
        error_message=event.error_message,
    )


def _record_fields(record: MessageRecord) -> dict[str, Any]:
    return {
        "sid": record.sid,
        "direction": str(record.direction),
        "from": record.from_,
        "to": record.to,
        "status": str(record.status),
        "channel": str(record.channel) if record.channel is not None else None,
        "body": record.body,
        "num_segments": record.num_segments,
        "num_media": record.num_media,
        "media_urls": list(record.media_urls),
        "messaging_service_sid": record.messaging_service_sid,
        "error_code": record.error_code,
        "error_message": record.error_message,
        "price": str(record.price) if record.price is not None else None,
        "price_unit": record.price_unit,
        "date_created": record.date_created,
        "date_updated": record.date_updated,
        "date_sent": record.date_sent,
    }


def message_view(record: MessageRecord) -> MessageView:
    return MessageView.model_validate(_record_fields(record))


def conversation_item_view(item: ConversationItem) -> ConversationMessageView:
    return ConversationMessageView.model_validate(
        {**_record_fields(item.message), "history": [event_view(e) for e in item.history]}
    )


def _twilio_message(message: dict[str, Any]) -> ConversationMessageView:
    from twiliokit.ledger import channel_for

    fields = {name: message.get(name) for name in ConversationMessageView.model_fields}
    fields["from"] = message.get("from")
    fields.pop("from_", None)
    fields["media_urls"] = []
    fields["history"] = []
    price = message.get("price")
    fields["price"] = str(price) if price is not None else None
    if message.get("to"):
        fields["channel"] = str(
            channel_for(message.get("from"), message["to"], message.get("num_media") or 0)
        )
    return ConversationMessageView.model_validate(fields)


async def search_messages(runtime: AgentRuntime, query: Any) -> MessagesView:
    """Ledger messages matching ``query`` (a :class:`twiliokit.ledger.LedgerQuery`)."""
    ledger = runtime.require_ledger()
    return MessagesView(messages=[message_view(r) for r in await ledger.search(query)])


async def read_conversation(
    runtime: AgentRuntime, contact: str, *, limit: int = 50, before: datetime | None = None
) -> ConversationView:
    """The recent conversation with ``contact``: from the ledger, else from Twilio."""
    from twiliokit.phone import ALL_KINDS, parse_address

    contact = parse_address(contact, field="contact", allow=ALL_KINDS).value
    if not 1 <= limit <= 1000:
        raise ValidationError("'limit' must be between 1 and 1000", field="limit")
    ledger = runtime.ledger
    if ledger is not None:
        items = await ledger.conversation(contact, limit=limit, before=before)
        return ConversationView(
            contact=contact, source="ledger", messages=[conversation_item_view(i) for i in items]
        )
    # No ledger: both directions from Twilio, merged newest first.
    page = min(limit, 100)
    sent_before = {"sent_before": before.isoformat()} if before is not None else {}
    messages: dict[str, ConversationMessageView] = {}
    for side in ("to", "from"):
        found = await runtime.invoke("list_messages", {side: contact, "limit": page, **sent_before})
        for message in found["messages"]:
            messages[message["sid"]] = _twilio_message(message)
    newest = sorted(messages.values(), key=lambda m: m.date_created or datetime.min, reverse=True)[
        :limit
    ]
    return ConversationView(contact=contact, source="twilio", messages=newest)


async def read_status_history(runtime: AgentRuntime, sid: str) -> StatusHistoryView:
    """A message's status timeline: from the ledger, else its current status from Twilio."""
    ledger = runtime.ledger
    if ledger is not None:
        history = await ledger.status_history(sid)
        record = await ledger.get_message(sid)
        if record is None and not history:
            raise NotFoundError(
                f"the ledger has no message {sid}",
                status=404,
                hint="The ledger records messages sent through twiliokit and those the webhook "
                "receiver hears about; check the SID, or read it from Twilio with get_message.",
            )
        current = str(record.status) if record is not None else str(history[-1].status)
        return StatusHistoryView(
            sid=sid, source="ledger", status=current, events=[event_view(e) for e in history]
        )
    message = await runtime.invoke("get_message", {"sid": sid})
    status = message.get("status")
    at = message.get("date_updated") or message.get("date_created")
    events = (
        [StatusEventView(status=status, at=at, source="poll")] if status and at is not None else []
    )
    return StatusHistoryView(sid=sid, source="twilio", status=status, events=events)
