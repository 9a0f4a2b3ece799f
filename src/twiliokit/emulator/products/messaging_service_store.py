"""Messaging Services (``MG…``) and their sender pools, as Messaging v1 shows them, and how a
service picks the number a message leaves from.

A pool holds IncomingPhoneNumbers by SID (``PN…``); a number is in at most one service. The
sender for a message, in order: with ``sticky_sender`` (the default), the number that last
wrote to this recipient, while it is still in the pool and able to send; else the able number
whose queue is free soonest (the shortest backlog), oldest in the pool first on a tie; so a
burst to many recipients spreads over the pool and each recipient keeps one number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from twiliokit import phone
from twiliokit.emulator.products.messaging_store import MessagingStore
from twiliokit.emulator.products.numbers import NumberStore, PhoneNumber
from twiliokit.emulator.state import EmulatorState, Record
from twiliokit.emulator.web import iso8601

#: Twilio's limit on a pool's size (error 21714).
MAX_POOL: Final = 400
#: Subresources listed in a Service's ``links`` (Twilio's set; only PhoneNumbers is emulated).
_LINKS: Final = {
    "phone_numbers": "PhoneNumbers",
    "short_codes": "ShortCodes",
    "alpha_senders": "AlphaSenders",
    "messages": "Messages",
    "us_app_to_person": "Compliance/Usa2p",
    "us_app_to_person_usecases": "Compliance/Usa2p/Usecases",
    "channel_senders": "ChannelSenders",
    "destination_alpha_senders": "DestinationAlphaSenders",
}


@dataclass
class PoolEntry:
    """One number of a service's sender pool (the ``PhoneNumbers`` subresource)."""

    number_sid: str
    date_created: datetime
    seq: int


@dataclass
class MessagingService(Record):
    """One Messaging Service; defaults are Twilio's for a service created by the API."""

    friendly_name: str
    inbound_request_url: str | None = None
    inbound_method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    sticky_sender: bool = True
    mms_converter: bool = True
    smart_encoding: bool = True
    scan_message_content: str = "inherit"
    fallback_to_long_code: bool = True
    area_code_geomatch: bool = True
    validity_period: int = 36_000
    synchronous_validation: bool = True
    usecase: str = "undeclared"
    use_inbound_webhook_on_number: bool = False
    #: The sender pool by IncomingPhoneNumber SID, in the order numbers were added.
    pool: dict[str, PoolEntry] = field(default_factory=dict)
    #: Sticky sender: recipient E.164 -> the number it last got a message from.
    sticky: dict[str, str] = field(default_factory=dict)

    def json(self, base: str) -> dict[str, Any]:
        """The Service resource; ``base`` is the API root (``https://…/v1``)."""
        url = f"{base}/Services/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "area_code_geomatch": self.area_code_geomatch,
            "date_created": iso8601(self.date_created),
            "date_updated": iso8601(self.date_updated),
            "fallback_method": self.fallback_method,
            "fallback_to_long_code": self.fallback_to_long_code,
            "fallback_url": self.fallback_url,
            "friendly_name": self.friendly_name,
            "inbound_method": self.inbound_method,
            "inbound_request_url": self.inbound_request_url,
            "links": {key: f"{url}/{path}" for key, path in _LINKS.items()},
            "mms_converter": self.mms_converter,
            "scan_message_content": self.scan_message_content,
            "sid": self.sid,
            "smart_encoding": self.smart_encoding,
            "status_callback": self.status_callback,
            "sticky_sender": self.sticky_sender,
            "synchronous_validation": self.synchronous_validation,
            "url": url,
            "us_app_to_person_registered": False,
            "use_inbound_webhook_on_number": self.use_inbound_webhook_on_number,
            "usecase": self.usecase,
            "validity_period": self.validity_period,
        }


def pool_entry_json(
    service: MessagingService, entry: PoolEntry, number: PhoneNumber, base: str
) -> dict[str, Any]:
    """The PhoneNumber subresource: one pool member."""
    caps = number.capabilities
    capabilities = [name for key, name in _CAPABILITIES if caps.get(key, False)]
    country = phone.region_of(number.phone_number)
    return {
        "account_sid": service.account_sid,
        "capabilities": capabilities,
        "country_code": country or "US",
        "date_created": iso8601(entry.date_created),
        "date_updated": iso8601(entry.date_created),
        "phone_number": number.phone_number,
        "service_sid": service.sid,
        "sid": entry.number_sid,
        "url": f"{base}/Services/{service.sid}/PhoneNumbers/{entry.number_sid}",
    }


_CAPABILITIES: Final = (("mms", "MMS"), ("sms", "SMS"), ("voice", "Voice"))


class MessagingServiceStore:
    """Every Messaging Service, for all accounts."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self.services: dict[str, MessagingService] = {}

    def add(self, account_sid: str, friendly_name: str) -> MessagingService:
        service = MessagingService(
            **self._state.stamp("MG"), account_sid=account_sid, friendly_name=friendly_name
        )
        self.services[service.sid] = service
        return service

    def get(self, account_sid: str, sid: str) -> MessagingService | None:
        found = self.services.get(sid)
        return found if found is not None and found.account_sid == account_sid else None

    def of_account(self, account_sid: str) -> list[MessagingService]:
        return [s for s in self.services.values() if s.account_sid == account_sid]

    def holder_of(self, number_sid: str) -> MessagingService | None:
        """The service whose pool holds the number ``number_sid``, if any."""
        for service in self.services.values():
            if number_sid in service.pool:
                return service
        return None

    def members(self, service: MessagingService) -> list[tuple[PoolEntry, PhoneNumber]]:
        """The pool's entries whose number the account still owns, oldest in the pool first."""
        numbers = self._state.store(NumberStore).numbers
        found = [(entry, numbers.get(entry.number_sid)) for entry in service.pool.values()]
        return [
            (entry, number)
            for entry, number in found
            if number is not None and number.account_sid == service.account_sid
        ]


def choose_sender(
    service: MessagingService,
    candidates: list[PhoneNumber],
    recipient: str,
    backlog: Callable[[str], float],
    *,
    remember: bool,
) -> str | None:
    """The number a message to ``recipient`` leaves from, among the pool's able
    ``candidates`` (oldest first); ``backlog(number)`` is how long its queue takes to drain.
    None when there is no candidate. ``remember`` keeps the choice for sticky sender. Pure."""
    if not candidates:
        return None
    able = {number.phone_number for number in candidates}
    sticky = service.sticky.get(recipient) if service.sticky_sender else None
    if sticky is None or sticky not in able:
        order = {number.phone_number: index for index, number in enumerate(candidates)}
        sticky = min(able, key=lambda number: (backlog(number), order[number]))
    if remember and service.sticky_sender:
        service.sticky[recipient] = sticky
    return sticky


def pick_sender(
    state: EmulatorState,
    service: MessagingService,
    recipient: str,
    channel: str,
    at: datetime,
    *,
    remember: bool,
) -> tuple[bool, str | None]:
    """(whether the pool has any number, the able number a message leaves from at ``at``).
    The create checks with ``remember=False``; the number is picked for good when the message
    is queued, so a burst sees the backlog of the messages queued before it."""
    pool = [number for _, number in state.store(MessagingServiceStore).members(service)]
    capability = "mms" if channel == "mms" else "sms"
    able = [number for number in pool if number.capabilities.get(capability, False)]
    queues = state.store(MessagingStore)
    chosen = choose_sender(
        service,
        able,
        recipient,
        lambda number: queues.backlog_seconds(number, at),
        remember=remember,
    )
    return bool(pool), chosen
