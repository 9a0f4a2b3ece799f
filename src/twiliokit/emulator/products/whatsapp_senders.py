"""Control API for WhatsApp senders, which have no 2010 REST resource.

``POST /_emulator/whatsapp-senders`` {"number", "sms_url"?, "sms_method"?, "sms_fallback_url"?,
"sms_fallback_method"?} adds a sender to the development account or sets where its incoming
messages go; ``GET`` lists them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from twiliokit.emulator import control
from twiliokit.emulator.products.numbers import NumberStore, WhatsAppSender
from twiliokit.emulator.web import routes_for, state_of

_METHODS = frozenset({"GET", "POST"})


def _sender_json(sender: WhatsAppSender) -> dict[str, Any]:
    return {
        "number": f"whatsapp:{sender.number}",
        "account_sid": sender.account_sid,
        "sms_url": sender.sms_url,
        "sms_method": sender.sms_method,
        "sms_fallback_url": sender.sms_fallback_url,
        "sms_fallback_method": sender.sms_fallback_method,
    }


def _control_url(data: dict[str, Any], name: str) -> str | None:
    value: str | None = control.field_of(data, name, str)
    if value is None or value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise control.ControlError(f"'{name}' must be an http(s) URL", name)
    return value


def _control_method(data: dict[str, Any], name: str) -> str:
    value = (control.field_of(data, name, str) or "POST").upper()
    if value not in _METHODS:
        raise control.ControlError(f"'{name}' must be GET or POST", name)
    return value


async def configure_whatsapp_sender(request: Request) -> Response:
    """``POST /_emulator/whatsapp-senders`` {"number", "sms_url"?, "sms_method"?, ...}: add a
    sender to the development account or change where its incoming messages go."""
    state = state_of(request)
    data = await control.read_json(request)
    number = control.e164_field(data, "number", example="+14155238886")
    store = state.store(NumberStore)
    sender = store.whatsapp.get(number) or WhatsAppSender(number, state.config.account_sid)
    sender.sms_url = _control_url(data, "sms_url")
    sender.sms_method = _control_method(data, "sms_method")
    sender.sms_fallback_url = _control_url(data, "sms_fallback_url")
    sender.sms_fallback_method = _control_method(data, "sms_fallback_method")
    store.whatsapp[number] = sender
    return JSONResponse(_sender_json(sender), status_code=201)


async def list_whatsapp_senders(request: Request) -> Response:
    store = state_of(request).store(NumberStore)
    return JSONResponse({"whatsapp_senders": [_sender_json(s) for s in store.whatsapp.values()]})


def routes() -> list[BaseRoute]:
    return routes_for(
        "/_emulator/whatsapp-senders", get=list_whatsapp_senders, post=configure_whatsapp_sender
    )
