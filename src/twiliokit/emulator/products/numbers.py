"""2010 API: IncomingPhoneNumbers, and the WhatsApp senders the account owns.

The development account owns ``config.numbers`` (voice, SMS and MMS capable) and the WhatsApp
senders ``config.whatsapp_senders``. Buying a number follows Twilio's magic test numbers for
every account: ``+15005550000`` is unavailable (21422), ``+15005550001`` is invalid (21421),
``AreaCode=533`` has no numbers (21452) and ``AreaCode=500`` gives ``+15005550006``. Purchases
with test credentials answer like real ones but change nothing (Twilio's test credentials never
touch account state).

WhatsApp senders have no REST resource in the 2010 API; their incoming-message webhook is set
with ``POST /_emulator/whatsapp-senders`` (or, when the sender is also an owned phone number,
taken from that number's ``SmsUrl``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twiliokit import phone
from twiliokit.emulator import web
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.settings_form import (
    Table,
    apply_form,
    bool_value,
    method_value,
    name_value,
    url_value,
)
from twiliokit.emulator.sids import new_sid
from twiliokit.emulator.state import EmulatorState
from twiliokit.errors import ValidationError

#: Twilio's magic numbers for buying a number (test credentials page).
UNAVAILABLE_NUMBER = "+15005550000"
INVALID_NUMBER = "+15005550001"
MAGIC_AREA_CODE = "500"
EMPTY_AREA_CODE = "533"
MAGIC_NUMBER = "+15005550006"

_AREA_CODE = re.compile(r"[2-9][0-9]{2}")
# Settable fields: form parameter -> (record attribute, how to read it).
_SETTABLE: Table = {
    "FriendlyName": ("friendly_name", name_value),
    "SmsUrl": ("sms_url", url_value),
    "SmsMethod": ("sms_method", method_value),
    "SmsFallbackUrl": ("sms_fallback_url", url_value),
    "SmsFallbackMethod": ("sms_fallback_method", method_value),
    "VoiceUrl": ("voice_url", url_value),
    "VoiceMethod": ("voice_method", method_value),
    "VoiceFallbackUrl": ("voice_fallback_url", url_value),
    "VoiceFallbackMethod": ("voice_fallback_method", method_value),
    "StatusCallback": ("status_callback", url_value),
    "StatusCallbackMethod": ("status_callback_method", method_value),
    "VoiceCallerIdLookup": ("voice_caller_id_lookup", bool_value),
}
_DEFAULT_CAPABILITIES = {"voice": True, "sms": True, "mms": True, "fax": False}


@dataclass
class PhoneNumber:
    """One IncomingPhoneNumber. URLs are None until set."""

    sid: str
    account_sid: str
    phone_number: str
    friendly_name: str
    date_created: datetime
    date_updated: datetime
    capabilities: dict[str, bool] = field(default_factory=lambda: dict(_DEFAULT_CAPABILITIES))
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    voice_caller_id_lookup: bool = False

    @property
    def sms_capable(self) -> bool:
        return self.capabilities.get("sms", False)


@dataclass
class WhatsAppSender:
    """A WhatsApp sender (``whatsapp:+E164``) and where its incoming messages go."""

    number: str
    account_sid: str
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"


class NumberStore:
    """Owned phone numbers (by SID, in purchase order) and WhatsApp senders (by E.164)."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self.numbers: dict[str, PhoneNumber] = {}
        self._by_number: dict[tuple[str, str], PhoneNumber] = {}
        self.whatsapp: dict[str, WhatsAppSender] = {}
        account = state.config.account_sid
        for number in state.config.numbers:
            self.add(account, number)
        for number in state.config.whatsapp_senders:
            self.whatsapp[number] = WhatsAppSender(number, account)

    def add(self, account_sid: str, number: str, friendly_name: str | None = None) -> PhoneNumber:
        now = self._state.clock.now()
        record = PhoneNumber(
            sid=new_sid("PN"),
            account_sid=account_sid,
            phone_number=number,
            friendly_name=friendly_name or _friendly(number),
            date_created=now,
            date_updated=now,
        )
        self._state.next_seq()
        self.numbers[record.sid] = record
        self._by_number[(account_sid, number)] = record
        return record

    def remove(self, record: PhoneNumber) -> None:
        self.numbers.pop(record.sid, None)
        self._by_number.pop((record.account_sid, record.phone_number), None)

    def owned(self, account_sid: str, e164: str) -> PhoneNumber | None:
        """The account's number ``e164``, or None."""
        return self._by_number.get((account_sid, e164))

    def owner_of(self, e164: str) -> PhoneNumber | None:
        """Whichever account owns ``e164`` (incoming messages and calls find it this way)."""
        for record in self.numbers.values():
            if record.phone_number == e164:
                return record
        return None

    def of_account(self, account_sid: str) -> list[PhoneNumber]:
        """The account's numbers, oldest first."""
        return [n for n in self.numbers.values() if n.account_sid == account_sid]

    def whatsapp_sender(self, account_sid: str, e164: str) -> WhatsAppSender | None:
        sender = self.whatsapp.get(e164)
        return sender if sender is not None and sender.account_sid == account_sid else None

    def whatsapp_senders(self, account_sid: str) -> list[WhatsAppSender]:
        return [s for s in self.whatsapp.values() if s.account_sid == account_sid]


@functools.lru_cache(maxsize=4096)
def _friendly(number: str) -> str:
    try:
        return phone.national_format(number)
    except ValidationError:
        return number


def _number_type(number: str) -> str:
    try:
        kind = phone.number_type(number)
    except ValidationError:
        return "local"
    if kind == "toll_free":
        return "tollfree"
    if kind == "mobile" and phone.region_of(number) not in {"US", "CA"}:
        return "mobile"
    return "local"


def number_json(record: PhoneNumber) -> dict[str, Any]:
    """The IncomingPhoneNumber resource exactly as the 2010 API shows it."""
    base = f"{web.API_2010}/Accounts/{record.account_sid}/IncomingPhoneNumbers/{record.sid}"
    return {
        "account_sid": record.account_sid,
        "address_requirements": "none",
        "address_sid": None,
        "api_version": "2010-04-01",
        "beta": False,
        "capabilities": dict(record.capabilities),
        "date_created": web.rfc2822(record.date_created),
        "date_updated": web.rfc2822(record.date_updated),
        "emergency_status": "Inactive",
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "friendly_name": record.friendly_name,
        "identity_sid": None,
        "origin": "twilio",
        "phone_number": record.phone_number,
        "sid": record.sid,
        "sms_application_sid": None,
        "sms_fallback_method": record.sms_fallback_method,
        "sms_fallback_url": record.sms_fallback_url,
        "sms_method": record.sms_method,
        "sms_url": record.sms_url,
        "status_callback": record.status_callback,
        "status_callback_method": record.status_callback_method,
        "trunk_sid": None,
        "uri": f"{base}.json",
        "voice_application_sid": None,
        "voice_caller_id_lookup": record.voice_caller_id_lookup,
        "voice_fallback_method": record.voice_fallback_method,
        "voice_fallback_url": record.voice_fallback_url,
        "voice_method": record.voice_method,
        "voice_url": record.voice_url,
        "bundle_sid": None,
        "voice_receive_mode": "voice",
        "status": "in-use",
        "type": _number_type(record.phone_number),
        "subresource_uris": {
            "assigned_add_ons": f"{base}/AssignedAddOns.json",
        },
    }


# --- parameters -------------------------------------------------------------------------------


def apply_settings(record: PhoneNumber, form: web.Form) -> None:
    """Validate every settable parameter in ``form`` first, then apply them all."""
    apply_form(record, form, _SETTABLE)
    if not record.friendly_name:
        record.friendly_name = _friendly(record.phone_number)


def _purchase_number(form: web.Form, store: NumberStore, account_sid: str, test: bool) -> str:
    """The number a create request buys, or Twilio's error for it."""
    requested = form.get("PhoneNumber")
    area_code = form.get("AreaCode")
    if requested:
        if requested.strip() == UNAVAILABLE_NUMBER:
            raise ApiError(400, 21422, f"PhoneNumber {UNAVAILABLE_NUMBER} is not available.")
        if requested.strip() == INVALID_NUMBER:
            raise ApiError(400, 21421, f"PhoneNumber {INVALID_NUMBER} is invalid.")
        try:
            address = phone.parse_address(
                requested, field="PhoneNumber", allow=frozenset({"phone"})
            )
        except ValidationError as exc:
            raise ApiError(400, 21421, f"PhoneNumber {requested} is invalid.") from exc
        number = address.value
        if not test and store.owned(account_sid, number) is not None:
            raise ApiError(400, 21422, f"PhoneNumber {number} is not available.")
        return number
    if area_code:
        code = area_code.strip()
        if not _AREA_CODE.fullmatch(code):
            raise ApiError(400, 21452, f"No phone numbers found in area code {code}.")
        for candidate in area_code_numbers(code):
            if test or store.owned(account_sid, candidate) is None:
                return candidate
        raise ApiError(400, 21452, f"No phone numbers found in area code {code}.")
    raise ApiError(400, 21421, "A 'PhoneNumber' or 'AreaCode' parameter is required.")


@functools.lru_cache(maxsize=512)
def area_code_numbers(code: str) -> tuple[str, ...]:
    """The numbers on sale in a North American area code, in the order a purchase by
    ``AreaCode`` takes them (AvailablePhoneNumbers lists the same): ``+1{code}5550100`` to
    ``…0199`` where valid; ``500`` has only the magic ``+15005550006``, ``533`` nothing."""
    if code == MAGIC_AREA_CODE:
        return (MAGIC_NUMBER,)
    if code == EMPTY_AREA_CODE:
        return ()
    numbers = (f"+1{code}555{line:04d}" for line in range(100, 200))
    return tuple(n for n in numbers if phone.is_valid_e164(n))


# --- REST handlers ----------------------------------------------------------------------------


def _record(request: Request, account_sid: str) -> PhoneNumber:
    record = web.state_of(request).store(NumberStore).numbers.get(request.path_params["sid"])
    return web.owned_2010(request, record, account_sid)


async def create_number(request: Request) -> Response:
    state = web.state_of(request)
    account, form = await web.path_account_form(request, test_credentials_ok=True)
    store = state.store(NumberStore)
    number = _purchase_number(form, store, account.sid, account.is_test)
    now = state.clock.now()
    scratch = PhoneNumber(new_sid("PN"), account.sid, number, _friendly(number), now, now)
    apply_settings(scratch, form)  # bad settings fail the request before anything is kept
    if account.is_test:
        # Test credentials never change account state: answer with a record nobody keeps.
        return web.json_response(number_json(scratch), 201)
    record = store.add(account.sid, number)
    apply_settings(record, form)
    return web.json_response(number_json(record), 201)


async def list_numbers(request: Request) -> Response:
    account, form = await web.path_account_form(request)
    store = web.state_of(request).store(NumberStore)
    wanted_number = _number_pattern(form.get("PhoneNumber"))
    friendly = form.get("FriendlyName")
    items = [
        number_json(record)
        for record in reversed(store.of_account(account.sid))
        if (wanted_number is None or wanted_number.search(record.phone_number))
        and (friendly is None or record.friendly_name == friendly)
    ]
    return web.page_2010(request, form, items, "incoming_phone_numbers")


def _number_pattern(value: str | None) -> re.Pattern[str] | None:
    """Twilio matches partial numbers, with ``*`` standing for any one digit."""
    if not value:
        return None
    text = value.strip()
    return re.compile("".join("[0-9]" if c == "*" else re.escape(c) for c in text))


async def fetch_number(request: Request) -> Response:
    account = web.path_account(request)
    return web.json_response(number_json(_record(request, account.sid)))


async def update_number(request: Request) -> Response:
    state = web.state_of(request)
    account = web.path_account(request)
    record = _record(request, account.sid)
    form = await web.read_form(request)
    apply_settings(record, form)
    record.date_updated = state.clock.now()
    return web.json_response(number_json(record))


async def delete_number(request: Request) -> Response:
    account = web.path_account(request)
    record = _record(request, account.sid)
    web.state_of(request).store(NumberStore).remove(record)
    return web.no_content()


def routes() -> list[BaseRoute]:
    base = web.API_2010 + "/Accounts/{account_sid}/IncomingPhoneNumbers"
    return [
        *web.routes_for(base + ".json", get=list_numbers, post=create_number),
        *web.routes_for(
            base + "/{sid}.json", get=fetch_number, post=update_number, delete=delete_number
        ),
    ]
