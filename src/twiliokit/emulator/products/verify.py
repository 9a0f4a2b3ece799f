"""Verify v2: Verifications and VerificationCheck, their status events, and the control route
that shows pending codes (``GET /_emulator/verifications``).

Service configuration (Services, Rate Limits, Buckets, Webhooks) is in ``verify_services.py``
and the rules in ``verify_store.py``. Verification status events are Twilio's Verify Events
(``com.twilio.accountsecurity.verify.verification.{pending,approved,canceled,expired,
max-attempts-reached}``, CloudEvents in a JSON array as Event Streams delivers them); the
emulator sends them, signed with ``bodySHA256``, to the service's enabled Webhooks that
subscribe to ``*`` or to ``verification.<status>``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from twiliokit import phone
from twiliokit.emulator import web
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.products import verify_services
from twiliokit.emulator.products.verify_json import check_json, event_body, verification_json
from twiliokit.emulator.products.verify_params import required
from twiliokit.emulator.products.verify_services import VERIFICATION_EVENTS, base_url, service_of
from twiliokit.emulator.products.verify_store import (
    Service,
    Verification,
    VerifyStore,
    invalid,
)
from twiliokit.emulator.state import EmulatorState

CHANNELS: Final = frozenset({"sms", "call", "email", "whatsapp", "sna", "auto"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CUSTOM_CODE = re.compile(r"[A-Za-z0-9]{4,10}")


def emit(state: EmulatorState, verification: Verification, suffix: str, at: datetime) -> None:
    """Send the event to every enabled webhook of the service that subscribes to it."""
    service = state.store(VerifyStore).services.get(verification.service_sid)
    account = state.accounts.get(verification.account_sid)
    if service is None or account is None or account.is_test:
        return
    wanted = {"*", *(name for name, s in VERIFICATION_EVENTS.items() if s == suffix)}
    for webhook in service.webhooks.values():
        if webhook.status != "enabled" or not wanted.intersection(webhook.event_types):
            continue
        state.dispatcher.fire(
            state.dispatcher.send_json(
                kind="verify.event",
                url=webhook.webhook_url,
                body=event_body(verification, service, suffix, at),
                auth_token=account.auth_token,
            )
        )


# --- parameters -------------------------------------------------------------------------------


def _recipient(to: str, channel: str) -> tuple[str, str]:
    """(normalised To, effective channel), or 60200 naming the parameter."""
    is_email = "@" in to
    if channel == "auto":
        channel = "email" if is_email else "sms"
    if channel == "email":
        if not _EMAIL.fullmatch(to):
            raise invalid("To")
        return to.lower(), channel
    if not phone.is_valid_e164(to):
        raise invalid("To")
    if channel == "sms" and phone.number_type(to) == "landline":
        # The same line type the emulator's Lookup gives (libphonenumber's fixed lines).
        raise ApiError(403, 60205, "SMS is not supported by landline phone number")
    return to, channel


def _rate_limit_values(form: web.Form) -> dict[str, str]:
    raw = form.get("RateLimits")
    if raw is None or raw == "":
        return {}
    try:
        values = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise invalid("RateLimits") from exc
    if not isinstance(values, dict) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in values.values()
    ):
        raise invalid("RateLimits")
    return {str(k): str(v) for k, v in values.items()}


def _custom_code(form: web.Form, service: Service) -> str | None:
    code = form.get("CustomCode")
    if code is None or code == "":
        return None
    if not service.custom_code_enabled or not _CUSTOM_CODE.fullmatch(code):
        raise invalid("CustomCode")
    return code


# --- handlers ---------------------------------------------------------------------------------


async def create_verification(request: Request) -> Response:
    state = web.state_of(request)
    store = state.store(VerifyStore)
    service = service_of(request, web.live_account(request))
    form = await web.read_form(request)
    raw_to, raw_channel = required(form, "To"), form.get("Channel")
    if not raw_channel or raw_channel not in CHANNELS:
        raise invalid("Channel")
    to, channel = _recipient(raw_to.strip(), raw_channel)
    code = _custom_code(form, service)
    values = _rate_limit_values(form)
    now = state.clock.now()
    keys = store.check_rate_limits(service, values, now)
    verification = store.active_for(service.sid, to)
    if verification is not None:
        if verification.status == "max_attempts_reached":
            raise ApiError(429, 60202, "Max check attempts reached")
        store.record_send(verification, channel, now)
    else:
        verification = store.start(service, to=to, channel=channel, code=code, now=now)
        store.record_send(verification, channel, now)
        verification.expiry = state.scheduler.at(
            verification.expires_at, _expire(state, verification)
        )
    verification.locale = form.get("Locale") or verification.locale
    verification.custom_friendly_name = (
        form.get("CustomFriendlyName") or verification.custom_friendly_name
    )
    if service.psd2_enabled:
        verification.amount = form.get("Amount") or verification.amount
        verification.payee = form.get("Payee") or verification.payee
    store.count_hits(keys, now)
    emit(state, verification, "pending", now)
    return web.json_response(verification_json(verification, base_url(request)), 201)


def _expire(state: EmulatorState, verification: Verification) -> Any:
    async def expire(at: datetime) -> None:
        if verification.active:
            state.store(VerifyStore).finish(verification, "expired", at)
            emit(state, verification, "expired", at)

    return expire


def _active(request: Request, service: Service, sid: str | None) -> Verification:
    found = web.state_of(request).store(VerifyStore).verifications.get(sid or "")
    if found is None or found.service_sid != service.sid or not found.active:
        raise web.not_found_v(request)
    return found


async def fetch_verification(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    verification = _active(request, service, request.path_params["sid"])
    return web.json_response(verification_json(verification, base_url(request)))


async def update_verification(request: Request) -> Response:
    state = web.state_of(request)
    service = service_of(request, web.live_account(request))
    form = await web.read_form(request)
    status = form.get("Status")
    if status not in {"canceled", "approved"}:
        raise invalid("Status")
    verification = _active(request, service, request.path_params["sid"])
    now = state.clock.now()
    state.store(VerifyStore).finish(verification, status, now)
    emit(state, verification, status, now)
    return web.json_response(verification_json(verification, base_url(request)))


async def check_verification(request: Request) -> Response:
    state = web.state_of(request)
    store = state.store(VerifyStore)
    service = service_of(request, web.live_account(request))
    form = await web.read_form(request)
    code = required(form, "Code")
    sid, to = form.get("VerificationSid"), form.get("To")
    if sid:
        verification = _active(request, service, sid)
    elif to:
        normalised = to.strip().lower() if "@" in to else to.strip()
        found = store.active_for(service.sid, normalised)
        verification = _active(request, service, found.sid if found else None)
    else:
        raise invalid("To")
    now = state.clock.now()
    store.check(verification, code, now)
    if verification.status == "approved":
        emit(state, verification, "approved", now)
    elif verification.status == "max_attempts_reached":
        emit(state, verification, "max-attempts-reached", now)
    return web.json_response(check_json(verification))


async def pending_verifications(request: Request) -> Response:
    """``GET /_emulator/verifications``: every pending verification with its code."""
    store = web.state_of(request).store(VerifyStore)
    return JSONResponse(
        {
            "verifications": [
                {
                    "sid": v.sid,
                    "service_sid": v.service_sid,
                    "to": v.to,
                    "channel": v.channel,
                    "status": v.status,
                    "code": v.code,
                    "send_attempts": len(v.sends),
                    "check_attempts": len(v.checks),
                    "expires_at": web.iso8601(v.expires_at),
                }
                for v in store.pending()
            ]
        }
    )


def routes() -> list[BaseRoute]:
    service = "/v2/Services/{service_sid}"
    return [
        *verify_services.routes(),
        *web.routes_for(service + "/Verifications", post=create_verification),
        *web.routes_for(
            service + "/Verifications/{sid}", get=fetch_verification, post=update_verification
        ),
        *web.routes_for(service + "/VerificationCheck", post=check_verification),
        *web.routes_for("/_emulator/verifications", get=pending_verifications),
    ]
