"""2010 API Calls: create, list, fetch, update (cancel, hang up, redirect) and delete.

Validation follows Twilio's order and codes: 21201 / 21213 for a missing To / From, 21205
without Url, Twiml or ApplicationSid, 21211 / 21212 for an invalid To / From, 21210 for a From
the account neither owns nor verified, 21215 for a country outside ``config.geo_permissions``,
and the magic numbers of test credentials (From +15005550006 only; To +1500555000{1,2,3,4} ->
21217, 21214, 21215, 21216). What a call does afterwards is ``call_flow.py``; the control API
(handsets, inbound calls, what a call did) is ``call_control.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twiliokit import phone
from twiliokit.emulator import web
from twiliokit.emulator.config import MAGIC_FROM
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.products import call_control, call_flow
from twiliokit.emulator.products.call_store import Call, CallStore
from twiliokit.emulator.products.numbers import NumberStore
from twiliokit.emulator.sids import new_sid
from twiliokit.emulator.state import Account, EmulatorState
from twiliokit.errors import ValidationError

EVENTS: Final = frozenset({"initiated", "ringing", "answered", "completed"})
MAX_TIMEOUT: Final = 600
MAX_TWIML: Final = 4000
#: Test credentials: what a magic To number answers (Twilio's test-credentials table).
MAGIC_TO: Final = {
    "+15005550001": (21217, "Phone number does not appear to be valid"),
    "+15005550002": (21214, "'To' phone number cannot be reached"),
    "+15005550003": (
        21215,
        "Account not authorized to call {to}. Perhaps you need to enable "
        "some international permissions: https://www.twilio.com/console/voice/"
        "calls/geo-permissions/low-risk",
    ),
    "+15005550004": (21216, "Call blocked by Twilio blocklist"),
}
_SUBRESOURCES: Final = (
    ("notifications", "Notifications"),
    ("recordings", "Recordings"),
    ("payments", "Payments"),
    ("events", "Events"),
    ("siprec", "Siprec"),
    ("streams", "Streams"),
    ("transcriptions", "Transcriptions"),
    ("user_defined_message_subscriptions", "UserDefinedMessageSubscriptions"),
    ("user_defined_messages", "UserDefinedMessages"),
)
_DIGITS = re.compile(r"[0-9A-Dw#*]{1,32}")
_CLIENT = re.compile(r"(client|sip):.+", re.IGNORECASE)


def _formatted(address: str) -> str:
    try:
        return phone.national_format(address) if address.startswith("+") else address
    except ValidationError:
        return address


def call_json(call: Call) -> dict[str, Any]:
    uri = f"{web.API_2010}/Accounts/{call.account_sid}/Calls/{call.sid}"
    return {
        "sid": call.sid,
        "date_created": web.rfc2822(call.date_created),
        "date_updated": web.rfc2822(call.date_updated),
        "parent_call_sid": None,
        "account_sid": call.account_sid,
        "to": call.to,
        "to_formatted": _formatted(call.to),
        "from": call.from_,
        "from_formatted": _formatted(call.from_),
        "phone_number_sid": call.phone_number_sid,
        "status": call.status,
        "start_time": web.rfc2822(call.start_time),
        "end_time": web.rfc2822(call.end_time),
        "duration": None if call.duration is None else str(call.duration),
        "price": None,
        "price_unit": "USD",
        "direction": call.direction,
        "answered_by": call.answered_by,
        "api_version": "2010-04-01",
        "forwarded_from": None,
        "group_sid": None,
        "caller_name": None,
        "queue_time": "0",
        "trunk_sid": None,
        "uri": f"{uri}.json",
        "subresource_uris": {key: f"{uri}/{name}.json" for key, name in _SUBRESOURCES},
    }


# --- validation -------------------------------------------------------------------------------


def _bad(code: int, message: str) -> ApiError:
    return ApiError(400, code, message)


def _url(form: web.Form, name: str, code: int) -> str | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise _bad(code, f"{name} is not a valid URL: {value}")
    return value


def _method(form: web.Form, name: str) -> str:
    value = (form.get(name) or "POST").upper()
    if value not in {"GET", "POST"}:
        raise _bad(21200, f"{name} must be GET or POST, not {form.get(name)!r}")
    return value


def _events(form: web.Form) -> frozenset[str]:
    events = [e for value in form.getlist("StatusCallbackEvent") for e in value.split()]
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise _bad(
            21200,
            f"StatusCallbackEvent {unknown[0]!r} is not one of initiated, ringing, answered, "
            "completed",
        )
    return frozenset(events) or frozenset({"completed"})


def _int(form: web.Form, name: str, default: int | None, low: int, high: int) -> int | None:
    try:
        value = form.integer(name)
    except ValueError as exc:
        raise _bad(
            21200, f"{name} must be a whole number of seconds, not {form.get(name)!r}"
        ) from exc
    if value is None:
        return default
    if value < low:
        raise _bad(21200, f"{name} must be at least {low}")
    return min(value, high)


def _address(raw: str, field: str) -> str:
    """The E.164 form of a To/From phone number (client:/sip: pass as written)."""
    if field == "To" and _CLIENT.fullmatch(raw):
        return raw
    parsed = phone.parse_address(raw, field=field, allow=frozenset({"phone"}))
    assert parsed.e164 is not None
    return parsed.e164


def _to(raw: str) -> str:
    try:
        return _address(raw, "To")
    except ValidationError as exc:
        raise _bad(21211, f"The 'To' number {raw} is not a valid phone number.") from exc


def _from(raw: str) -> str:
    try:
        return _address(raw, "From")
    except ValidationError as exc:
        raise _bad(21212, f"The 'From' number {raw} is not a valid phone number.") from exc


def _not_verified(sender: str) -> ApiError:
    return _bad(
        21210,
        f"The source phone number provided, {sender}, is not yet verified for your account. "
        "You may only make calls from phone numbers that you've verified or purchased from "
        "Twilio.",
    )


def validate_create(state: EmulatorState, account: Account, form: web.Form) -> Call:
    """A new call from a create request, or Twilio's error for it."""
    to_raw, from_raw = (form.get("To") or "").strip(), (form.get("From") or "").strip()
    if not to_raw:
        raise _bad(21201, "No 'To' number is specified")
    if not from_raw:
        raise _bad(21213, "No 'From' number is specified")
    url = _url(form, "Url", 21205)
    inline = form.get("Twiml") or None
    if form.get("ApplicationSid"):
        raise _bad(21218, f"Invalid ApplicationSid: {form.get('ApplicationSid')}")
    if url is None and inline is None:
        raise _bad(21205, "Url parameter is required. Give one of Url, Twiml or ApplicationSid.")
    if url is not None:
        inline = None  # Twilio ignores Twiml when Url is given
    if inline is not None and len(inline) > MAX_TWIML:
        raise _bad(21200, f"Twiml is longer than {MAX_TWIML} characters")
    send_digits = form.get("SendDigits") or None
    if send_digits is not None and not _DIGITS.fullmatch(send_digits):
        raise _bad(21200, "SendDigits may hold up to 32 of 0-9, A-D, #, * and w")
    machine_detection = form.get("MachineDetection") or None
    if machine_detection not in {None, "Enable", "DetectMessageEnd"}:
        raise _bad(21200, "MachineDetection must be Enable or DetectMessageEnd")

    if account.is_test:
        if from_raw == "+15005550001":
            raise _bad(21212, f"The 'From' number {from_raw} is not a valid phone number.")
        if from_raw != MAGIC_FROM:
            raise _not_verified(from_raw)
        sender, number_sid = from_raw, None
        magic = MAGIC_TO.get(to_raw)
        if magic is not None:
            raise _bad(magic[0], magic[1].format(to=to_raw))
        to = _to(to_raw)
    else:
        to = _to(to_raw)
        sender = _from(from_raw)
        owned = state.store(NumberStore).owned(account.sid, sender)
        if owned is None:
            raise _not_verified(sender)
        number_sid = owned.sid
        region = phone.region_of(to) if to.startswith("+") else None
        if region is not None and region not in state.config.geo_permissions:
            raise _bad(21215, MAGIC_TO["+15005550003"][1].format(to=to))

    now = state.clock.now()
    return Call(
        sid=new_sid("CA"),
        account_sid=account.sid,
        to=to,
        from_=sender,
        direction="outbound-api",
        status="queued",
        date_created=now,
        date_updated=now,
        base_url="",
        url=url,
        method=_method(form, "Method"),
        twiml=inline,
        fallback_url=_url(form, "FallbackUrl", 21205),
        fallback_method=_method(form, "FallbackMethod"),
        status_callback=_url(form, "StatusCallback", 21200),
        status_callback_method=_method(form, "StatusCallbackMethod"),
        status_callback_events=_events(form),
        timeout=_int(form, "Timeout", 60, 1, MAX_TIMEOUT) or 60,
        record=form.bool("Record"),
        machine_detection=machine_detection,
        send_digits=send_digits,
        time_limit=_int(form, "TimeLimit", None, 1, 86400),
        phone_number_sid=number_sid,
        is_test=account.is_test,
        handset=state.store(CallStore).handset(to),
        inputs=list(state.store(CallStore).handset(to).inputs),
    )


# --- list filters -----------------------------------------------------------------------------


def _when(raw: str, name: str) -> datetime | date:
    text = raw.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _bad(20001, f"{name} must be YYYY-MM-DD or an ISO 8601 time, not {raw!r}") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _compare(value: datetime | None, bound: datetime | date, op: str) -> bool:
    """Twilio's date filters: equal, on-or-before (<) or on-or-after (>); dates match days."""
    if value is None:
        return False
    left: datetime | date = value.astimezone(UTC)
    if not isinstance(bound, datetime):
        left = value.astimezone(UTC).date()
    if op == "<":
        return left <= bound
    if op == ">":
        return left >= bound
    return left == bound


def matches(call: Call, form: web.Form) -> bool:
    for name, attr in (("To", "to"), ("From", "from_")):
        wanted = form.get(name)
        if wanted and getattr(call, attr) != wanted.strip():
            return False
    status = form.get("Status")
    if status and call.status != status:
        return False
    if form.get("ParentCallSid"):
        return False  # the emulator makes no child calls
    for name, attr in (("StartTime", "start_time"), ("EndTime", "end_time")):
        for op in ("", "<", ">"):
            raw = form.get(name + op)
            if raw and not _compare(getattr(call, attr), _when(raw, name + op), op):
                return False
    return True


# --- handlers ---------------------------------------------------------------------------------


def _call(request: Request, account: Account) -> Call:
    call = web.state_of(request).store(CallStore).calls.get(request.path_params["sid"])
    return web.owned_2010(request, call, account.sid)


async def create_call(request: Request) -> Response:
    state = web.state_of(request)
    account, form = await web.path_account_form(request, test_credentials_ok=True)
    call = validate_create(state, account, form)
    call.base_url = web.base_of(request)
    state.store(CallStore).add(call)
    call_flow.start_outbound(state, call, call.date_created)
    return web.json_response(call_json(call), 201)


async def list_calls(request: Request) -> Response:
    state = web.state_of(request)
    account, form = await web.path_account_form(request)
    calls = [c for c in state.store(CallStore).of_account(account.sid) if matches(c, form)]
    return web.page_2010(request, form, [call_json(c) for c in calls], "calls")


async def fetch_call(request: Request) -> Response:
    account = web.path_account(request)
    return web.json_response(call_json(_call(request, account)))


async def update_call(request: Request) -> Response:
    state = web.state_of(request)
    account = web.path_account(request)
    call = _call(request, account)
    form = await web.read_form(request)
    status = form.get("Status")
    if status not in {None, "", "canceled", "completed"}:
        raise _bad(21200, f"Status must be canceled or completed, not {status!r}")
    url, inline = _url(form, "Url", 21205), form.get("Twiml") or None
    if (url or inline) and call.final:
        raise _bad(21220, "Call is not in-progress. Cannot redirect.")
    if "StatusCallback" in form:
        call.status_callback = _url(form, "StatusCallback", 21200)
    if "StatusCallbackMethod" in form:
        call.status_callback_method = _method(form, "StatusCallbackMethod")
    if "FallbackUrl" in form:
        call.fallback_url = _url(form, "FallbackUrl", 21205)
    now = state.clock.now()
    if url or inline:
        call.url, call.twiml = (url, None) if url else (call.url, inline)
        call.method = _method(form, "Method")
        if call.status == "in-progress":
            call_flow.redirect(state, call, now)
    if status and not call.final:
        if call.status == "in-progress" and status == "completed":
            await call_flow.finish(state, call, "completed")(now)
        elif call.status in {"queued", "ringing"}:
            await call_flow.finish(state, call, "canceled")(now)
    call.date_updated = now
    return web.json_response(call_json(call))


async def delete_call(request: Request) -> Response:
    account = web.path_account(request)
    call = _call(request, account)
    call.cancel_events()
    del web.state_of(request).store(CallStore).calls[call.sid]
    return web.no_content()


def routes() -> list[BaseRoute]:
    calls = web.API_2010 + "/Accounts/{account_sid}/Calls"
    return [
        *web.routes_for(calls + ".json", get=list_calls, post=create_call),
        *web.routes_for(
            calls + "/{sid}.json", get=fetch_call, post=update_call, delete=delete_call
        ),
        *call_control.routes(),
    ]
