"""Verify v2 form parameters: parsing and validation shared by the Verify routers (60200 for
anything Twilio would refuse). Pure, no I/O."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from twiliokit.emulator.products.verify_store import Service, invalid
from twiliokit.emulator.web import Form

MAX_FRIENDLY_NAME: Final = 32


def int_param(form: Form, name: str, low: int, high: int) -> int | None:
    """An integer form parameter in [low, high], None when absent, else 60200."""
    try:
        value = form.integer(name)
    except ValueError as exc:
        raise invalid(name) from exc
    if value is None:
        return None
    if not low <= value <= high:
        raise invalid(name)
    return value


def required(form: Form, name: str) -> str:
    """The non-empty value of ``name``, else 60200."""
    value = form.get(name)
    if not value:
        raise invalid(name)
    return value


def friendly_name(form: Form, *, required: bool) -> str | None:
    name = form.get("FriendlyName")
    if name is None or not name.strip():
        if required or name is not None:
            raise invalid("FriendlyName")
        return None
    if len(name) > MAX_FRIENDLY_NAME:
        raise invalid("FriendlyName")
    return name


def url_param(value: str | None, name: str) -> str:
    parts = urlsplit(value or "")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise invalid(name)
    return value or ""


_SERVICE_FLAGS = {
    "LookupEnabled": "lookup_enabled",
    "SkipSmsToLandlines": "skip_sms_to_landlines",
    "DtmfInputRequired": "dtmf_input_required",
    "Psd2Enabled": "psd2_enabled",
    "DoNotShareWarningEnabled": "do_not_share_warning_enabled",
    "CustomCodeEnabled": "custom_code_enabled",
    "VerifyEventSubscriptionEnabled": "verify_event_subscription_enabled",
}


def apply_service_params(service: Service, form: Form) -> None:
    """Set what the form gives (create and update take the same optional parameters)."""
    code_length = int_param(form, "CodeLength", 4, 10)
    if code_length is not None:
        service.code_length = code_length
    for param, attr in _SERVICE_FLAGS.items():
        if param in form:
            setattr(service, attr, form.bool(param))
    if "TtsName" in form:
        service.tts_name = form.get("TtsName") or None
    if "DefaultTemplateSid" in form:
        sid = form.get("DefaultTemplateSid") or ""
        if not re.fullmatch(r"HJ[0-9a-fA-F]{32}", sid):
            raise invalid("DefaultTemplateSid")
        service.default_template_sid = sid
    if "Push.IncludeDate" in form:
        service.push["include_date"] = form.bool("Push.IncludeDate")
    for param, key in (
        ("Push.ApnCredentialSid", "apn_credential_sid"),
        ("Push.FcmCredentialSid", "fcm_credential_sid"),
    ):
        if param in form:
            service.push[key] = form.get(param) or None
    if "Totp.Issuer" in form:
        service.totp["issuer"] = form.get("Totp.Issuer")
    for param, key, low, high in (
        ("Totp.TimeStep", "time_step", 20, 60),
        ("Totp.CodeLength", "code_length", 3, 8),
        ("Totp.Skew", "skew", 0, 2),
    ):
        value = int_param(form, param, low, high)
        if value is not None:
            service.totp[key] = value
    for param, key in (("Whatsapp.MsgServiceSid", "msg_service_sid"), ("Whatsapp.From", "from")):
        if param in form:
            service.whatsapp[key] = form.get(param) or None
