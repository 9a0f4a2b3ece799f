"""Messaging v1 (``messaging.twilio.com``): Services (create, list, fetch, update, delete) and
their sender pool, ``Services/{MG}/PhoneNumbers`` (add by ``PhoneNumberSid``, list, fetch,
remove). Records and sender choice are in ``messaging_service_store``; sending with a
service is in ``message_rules``.

Errors: a missing ``FriendlyName`` or ``PhoneNumberSid`` is 20001; a ``PhoneNumberSid`` that
is malformed or not one of the account's numbers 21421; a number already in this service
21710, in another 21712; a number that can send neither SMS nor MMS 21715; a full pool (400)
21714.
"""

from __future__ import annotations

import re
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twiliokit.emulator import web
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.products.messaging_service_store import (
    MAX_POOL,
    MessagingService,
    MessagingServiceStore,
    PoolEntry,
    pool_entry_json,
)
from twiliokit.emulator.products.messaging_store import MessagingStore
from twiliokit.emulator.products.numbers import NumberStore, PhoneNumber
from twiliokit.emulator.settings_form import (
    Table,
    apply_form,
    bool_value,
    choice_reader,
    int_reader,
    method_value,
    name_value,
    url_value,
)
from twiliokit.emulator.state import Account

PREFIX: Final = "/v1/Services"
_NUMBER_SID: Final = re.compile(r"PN[0-9a-fA-F]{32}")
#: Settable fields (create and update take the same ones): parameter -> (attribute, reader).
_SETTABLE: Table = {
    "FriendlyName": ("friendly_name", name_value),
    "InboundRequestUrl": ("inbound_request_url", url_value),
    "InboundMethod": ("inbound_method", method_value),
    "FallbackUrl": ("fallback_url", url_value),
    "FallbackMethod": ("fallback_method", method_value),
    "StatusCallback": ("status_callback", url_value),
    "StickySender": ("sticky_sender", bool_value),
    "MmsConverter": ("mms_converter", bool_value),
    "SmartEncoding": ("smart_encoding", bool_value),
    "ScanMessageContent": ("scan_message_content", choice_reader(("inherit", "enable", "disable"))),
    "FallbackToLongCode": ("fallback_to_long_code", bool_value),
    "AreaCodeGeomatch": ("area_code_geomatch", bool_value),
    "ValidityPeriod": ("validity_period", int_reader(1, 36_000)),
    "SynchronousValidation": ("synchronous_validation", bool_value),
    "Usecase": (
        "usecase",
        choice_reader(
            ("notifications", "marketing", "verification", "discussion", "poll", "undeclared")
        ),
    ),
    "UseInboundWebhookOnNumber": ("use_inbound_webhook_on_number", bool_value),
}


def _base(request: Request) -> str:
    return web.product_base_of(request) + "/v1"


def _store(request: Request) -> MessagingServiceStore:
    return web.state_of(request).store(MessagingServiceStore)


def _required(value: str | None, name: str) -> str:
    if value is None or not value.strip():
        raise ApiError(400, 20001, f"Missing required parameter {name} in the post body")
    return value.strip()


def _service(request: Request, account: Account, key: str = "sid") -> MessagingService:
    found = _store(request).get(account.sid, request.path_params[key])
    if found is None:
        raise web.not_found_v(request)
    return found


# --- Services ---------------------------------------------------------------------------------


async def create_service(request: Request) -> Response:
    state = web.state_of(request)
    account = web.live_account(request)
    form = await web.read_form(request)
    _required(form.get("FriendlyName"), "FriendlyName")
    now = state.clock.now()
    draft = MessagingService(
        sid="", account_sid=account.sid, date_created=now, date_updated=now, seq=0, friendly_name=""
    )
    apply_form(draft, form, _SETTABLE)  # a refused create keeps nothing
    service = _store(request).add(account.sid, draft.friendly_name)
    apply_form(service, form, _SETTABLE)
    # STOP to any of the account's senders opts the recipient out of its services too.
    state.store(MessagingStore).services.setdefault(account.sid, set()).add(service.sid)
    return web.json_response(service.json(_base(request)), 201)


async def list_services(request: Request) -> Response:
    account = web.live_account(request)
    form = await web.read_form(request)
    base = _base(request)
    newest = sorted(_store(request).of_account(account.sid), key=lambda s: s.seq, reverse=True)
    return web.page_v2(request, form, [s.json(base) for s in newest], "services")


async def fetch_service(request: Request) -> Response:
    service = _service(request, web.live_account(request))
    return web.json_response(service.json(_base(request)))


async def update_service(request: Request) -> Response:
    service = _service(request, web.live_account(request))
    form = await web.read_form(request)
    if "FriendlyName" in form:
        _required(form.get("FriendlyName"), "FriendlyName")
    apply_form(service, form, _SETTABLE)
    service.date_updated = web.state_of(request).clock.now()
    return web.json_response(service.json(_base(request)))


async def delete_service(request: Request) -> Response:
    service = _service(request, web.live_account(request))
    del _store(request).services[service.sid]
    return web.no_content()


# --- the sender pool: PhoneNumbers ------------------------------------------------------------


def _owned_number(request: Request, account: Account, sid: str) -> PhoneNumber:
    number = web.state_of(request).store(NumberStore).numbers.get(sid)
    if not _NUMBER_SID.fullmatch(sid) or number is None or number.account_sid != account.sid:
        raise ApiError(400, 21421, f"Phone Number is invalid: {sid} is not one of your numbers")
    return number


async def add_number(request: Request) -> Response:
    state = web.state_of(request)
    account = web.live_account(request)
    service = _service(request, account, "service_sid")
    form = await web.read_form(request)
    sid = _required(form.get("PhoneNumberSid"), "PhoneNumberSid")
    number = _owned_number(request, account, sid)
    holder = _store(request).holder_of(sid)
    if holder is service:
        raise ApiError(400, 21710, "Phone Number is already in the Messaging Service")
    if holder is not None:
        raise ApiError(
            400, 21712, "Phone Number or Short Code is associated with another Messaging Service"
        )
    if not (number.capabilities.get("sms") or number.capabilities.get("mms")):
        raise ApiError(
            400, 21715, "Phone Number Does Not Have Correct Messaging Service Capabilities"
        )
    if len(service.pool) >= MAX_POOL:
        raise ApiError(400, 21714, "Messaging Service Number Pool size limit reached")
    entry = PoolEntry(sid, state.clock.now(), state.next_seq())
    service.pool[sid] = entry
    return web.json_response(pool_entry_json(service, entry, number, _base(request)), 201)


def _pool_entries(
    request: Request, service: MessagingService
) -> list[tuple[PoolEntry, PhoneNumber]]:
    """The pool's entries whose number the account still owns, newest first."""
    return list(reversed(_store(request).members(service)))


async def list_numbers(request: Request) -> Response:
    service = _service(request, web.live_account(request), "service_sid")
    form = await web.read_form(request)
    base = _base(request)
    items = [pool_entry_json(service, e, n, base) for e, n in _pool_entries(request, service)]
    return web.page_v2(request, form, items, "phone_numbers")


def _entry(request: Request, service: MessagingService) -> tuple[PoolEntry, PhoneNumber]:
    sid = request.path_params["sid"]
    for entry, number in _pool_entries(request, service):
        if entry.number_sid == sid:
            return entry, number
    raise web.not_found_v(request)


async def fetch_number(request: Request) -> Response:
    service = _service(request, web.live_account(request), "service_sid")
    entry, number = _entry(request, service)
    return web.json_response(pool_entry_json(service, entry, number, _base(request)))


async def remove_number(request: Request) -> Response:
    service = _service(request, web.live_account(request), "service_sid")
    entry, number = _entry(request, service)
    del service.pool[entry.number_sid]
    service.sticky = {to: n for to, n in service.sticky.items() if n != number.phone_number}
    return web.no_content()


def routes() -> list[BaseRoute]:
    numbers = PREFIX + "/{service_sid}/PhoneNumbers"
    return [
        *web.routes_for(PREFIX, get=list_services, post=create_service),
        *web.routes_for(
            PREFIX + "/{sid}", get=fetch_service, post=update_service, delete=delete_service
        ),
        *web.routes_for(numbers, get=list_numbers, post=add_number),
        *web.routes_for(numbers + "/{sid}", get=fetch_number, delete=remove_number),
    ]
