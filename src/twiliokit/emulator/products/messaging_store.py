"""Messages and their media, and the messaging state around them: per-sender queues, opt-outs,
WhatsApp conversation windows, simulated handsets and the Messaging Services seen so far.

Messages are kept in creation order, so the 2010 API's newest-first lists are the store read
backwards (virtual time never runs backwards). Each message caches its JSON until it changes:
paging through thousands of messages renders each one once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from twiliokit.emulator.clock import EventHandle
from twiliokit.emulator.state import EmulatorState
from twiliokit.emulator.web import API_2010
from twiliokit.emulator.web import rfc2822 as _format_rfc2822

Channel = Literal["sms", "mms", "whatsapp"]
Outcome = Literal["delivered", "undelivered", "failed", "read"]

#: How long an inbound WhatsApp message lets the business answer free-form.
WHATSAPP_WINDOW = timedelta(hours=24)

#: Statuses after which nothing more happens to a message (it may be deleted).
FINAL_STATUSES = frozenset(
    {"delivered", "undelivered", "failed", "received", "read", "canceled", "partially_delivered"}
)

#: Twilio's text for the asynchronous error codes the emulator produces.
ERROR_MESSAGES: dict[int, str] = {
    30001: "Queue overflow",
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
    30036: "Validity Period Expired",
    63016: "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template.",
}


@functools.lru_cache(maxsize=512)
def _rfc2822_second(value: datetime) -> str | None:
    return _format_rfc2822(value)


def rfc2822(value: datetime | None) -> str | None:
    """RFC 2822, formatted once per second (a burst of creates shares its timestamps)."""
    return None if value is None else _rfc2822_second(value.replace(microsecond=0))


@dataclass(eq=False)
class Media:
    """One media item of a message; ``url`` is where its content lives."""

    sid: str
    account_sid: str
    parent_sid: str
    content_type: str
    url: str
    date_created: datetime

    def json(self) -> dict[str, Any]:
        date = rfc2822(self.date_created)
        return {
            "account_sid": self.account_sid,
            "content_type": self.content_type,
            "date_created": date,
            "date_updated": date,
            "parent_sid": self.parent_sid,
            "sid": self.sid,
            "uri": f"{API_2010}/Accounts/{self.account_sid}/Messages/{self.parent_sid}"
            f"/Media/{self.sid}.json",
        }


@dataclass(eq=False)
class Message:
    """One message, inbound or outbound, as the 2010 API shows it plus what drives it."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str
    status: str
    direction: str
    date_created: datetime
    num_segments: str
    channel: Channel = "sms"
    messaging_service_sid: str | None = None
    date_updated: datetime | None = None
    date_sent: datetime | None = None
    price: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    media: list[Media] = field(default_factory=list)
    # -- what drives the lifecycle (never shown) --
    #: The address it goes out from; with a Messaging Service, chosen at create.
    sender: str = ""
    #: The recipient's E.164 number (handsets, opt-outs, WhatsApp windows).
    recipient: str = ""
    #: Billable segments (``num_segments`` shows "0" until a service assigns the sender).
    segments: int = 1
    status_callback: str | None = None
    validity_period: int | None = None
    send_at: datetime | None = None
    #: Twilio's opt-out auto-replies are free.
    free: bool = False
    #: A WhatsApp-approved template: may be sent outside the 24-hour window.
    template_approved: bool = False
    event: EventHandle | None = field(default=None, repr=False)
    callbacks: asyncio.Future[Any] | None = field(default=None, repr=False)
    _json: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.date_updated is None:
            self.date_updated = self.date_created

    def change(self, at: datetime, **fields: Any) -> None:
        """Set fields and ``date_updated``; the cached JSON is rendered again next time."""
        for name, value in fields.items():
            setattr(self, name, value)
        self.date_updated = at
        self._json = None

    @property
    def uri(self) -> str:
        return f"{API_2010}/Accounts/{self.account_sid}/Messages/{self.sid}"

    def json(self) -> dict[str, Any]:
        """The Message resource: every field of Twilio's schema, numbers as strings."""
        if self._json is None:
            uri = self.uri
            self._json = {
                "account_sid": self.account_sid,
                "api_version": "2010-04-01",
                "body": self.body,
                "date_created": rfc2822(self.date_created),
                "date_sent": rfc2822(self.date_sent),
                "date_updated": rfc2822(self.date_updated),
                "direction": self.direction,
                "error_code": self.error_code,
                "error_message": self.error_message,
                "from": self.from_,
                "messaging_service_sid": self.messaging_service_sid,
                "num_media": str(len(self.media)),
                "num_segments": self.num_segments,
                "price": self.price,
                "price_unit": "USD",
                "sid": self.sid,
                "status": self.status,
                "subresource_uris": {"media": f"{uri}/Media.json"},
                "to": self.to,
                "uri": f"{uri}.json",
            }
        return self._json


@dataclass(frozen=True)
class Handset:
    """How messages to one number end (``POST /_emulator/handsets``)."""

    number: str
    outcome: Outcome
    error_code: int | None = None


class MessagingStore:
    """Everything Messaging remembers, for all accounts."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self.messages: dict[str, Message] = {}
        #: Per sender address: when its queue is next free to hand a segment to carriers.
        self.next_free: dict[str, datetime] = {}
        #: ``(sender or Messaging Service SID, recipient E.164)`` pairs that replied STOP.
        self.opt_outs: set[tuple[str, str]] = set()
        #: ``(WhatsApp sender E.164, user E.164)`` -> when the 24-hour window closes.
        self.windows: dict[tuple[str, str], datetime] = {}
        self.handsets: dict[str, Handset] = {}
        #: Messaging Service SIDs created or used so far, per account (opt-outs cover them).
        self.services: dict[str, set[str]] = {}

    def add(self, message: Message) -> None:
        self.messages[message.sid] = message
        self._state.next_seq()

    def remove(self, message: Message) -> None:
        self.messages.pop(message.sid, None)

    def newest_first(self, account_sid: str) -> Iterator[Message]:
        for message in reversed(self.messages.values()):
            if message.account_sid == account_sid:
                yield message

    def backlog_seconds(self, sender: str, now: datetime) -> float:
        """How long the sender's queue would take to drain from ``now``."""
        free = self.next_free.get(sender)
        return 0.0 if free is None else max(0.0, (free - now).total_seconds())

    # -- opt-outs ---------------------------------------------------------------------------

    def opted_out(self, recipient: str, *scopes: str | None) -> bool:
        return any(scope and (scope, recipient) in self.opt_outs for scope in scopes)

    def opt_out(self, account_sid: str, sender: str, recipient: str) -> None:
        """STOP to ``sender``: blocks the sender and every Messaging Service of the account."""
        self.opt_outs.add((sender, recipient))
        for service in self.services.get(account_sid, ()):
            self.opt_outs.add((service, recipient))

    def opt_in(self, account_sid: str, sender: str, recipient: str) -> None:
        self.opt_outs.discard((sender, recipient))
        for service in self.services.get(account_sid, ()):
            self.opt_outs.discard((service, recipient))

    # -- WhatsApp ---------------------------------------------------------------------------

    def open_window(self, sender: str, user: str, at: datetime) -> None:
        self.windows[(sender, user)] = at + WHATSAPP_WINDOW

    def window_open(self, sender: str, user: str, at: datetime) -> bool:
        closes = self.windows.get((sender, user))
        return closes is not None and at < closes
