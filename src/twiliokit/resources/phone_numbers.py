"""Incoming phone numbers (numbers the account owns, 2010 API) and the account itself.

``/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json`` (list, create = buy),
``IncomingPhoneNumbers/{Sid}.json`` (fetch, update webhooks, delete = release),
``/2010-04-01/Accounts/{Sid}.json`` (fetch the account).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from twiliokit.errors import ValidationError
from twiliokit.http.paging import Page
from twiliokit.http.products import API
from twiliokit.http.request import RequestSpec, encode_params
from twiliokit.resources._base import (
    API_2010,
    AccountContext,
    Operation,
    account_path,
    delete_operation,
    list_operation,
    merge_extra,
    one_operation,
    page_params,
    seg,
)
from twiliokit.resources._model import Rfc2822, TwilioModel

__all__ = [
    "Account",
    "IncomingPhoneNumber",
    "create",
    "delete",
    "fetch",
    "fetch_account",
    "list_page",
    "update",
]


class IncomingPhoneNumber(TwilioModel):
    """A phone number the account owns, with where its messages and calls go."""

    sid: str
    account_sid: str | None = None
    phone_number: str | None = None
    friendly_name: str | None = None
    capabilities: dict[str, Any] | None = None
    sms_url: str | None = None
    sms_method: str | None = None
    sms_fallback_url: str | None = None
    sms_fallback_method: str | None = None
    sms_application_sid: str | None = None
    voice_url: str | None = None
    voice_method: str | None = None
    voice_fallback_url: str | None = None
    voice_fallback_method: str | None = None
    voice_application_sid: str | None = None
    status_callback: str | None = None
    status_callback_method: str | None = None
    origin: str | None = None
    status: str | None = None
    date_created: Rfc2822 = None
    date_updated: Rfc2822 = None
    uri: str | None = None


class Account(TwilioModel):
    """The Twilio account (``type`` is ``Trial`` or ``Full``; ``status`` ``active``,
    ``suspended`` or ``closed``). The auth token Twilio includes is dropped, not kept in
    ``raw``."""

    sid: str
    owner_account_sid: str | None = None
    friendly_name: str | None = None
    status: str | None = None
    type: str | None = None
    date_created: Rfc2822 = None
    date_updated: Rfc2822 = None
    uri: str | None = None

    @classmethod
    def from_twilio(cls, data: Mapping[str, Any]) -> Self:
        # Twilio returns the account's auth token in this resource; it must not travel on
        # into logs, JSON outputs or MCP answers through ``raw``.
        return super().from_twilio({k: v for k, v in data.items() if k != "auth_token"})


# Parameters of create and update, by keyword: the webhooks that matter for messaging and
# voice. Anything else goes in ``extra`` by Twilio's name.
def _config_params(
    *,
    friendly_name: str | None,
    sms_url: str | None,
    sms_method: str | None,
    sms_fallback_url: str | None,
    voice_url: str | None,
    voice_method: str | None,
    voice_fallback_url: str | None,
    status_callback: str | None,
    status_callback_method: str | None,
) -> list[tuple[str, Any]]:
    return [
        ("FriendlyName", friendly_name),
        ("SmsUrl", sms_url),
        ("SmsMethod", sms_method),
        ("SmsFallbackUrl", sms_fallback_url),
        ("VoiceUrl", voice_url),
        ("VoiceMethod", voice_method),
        ("VoiceFallbackUrl", voice_fallback_url),
        ("StatusCallback", status_callback),
        ("StatusCallbackMethod", status_callback_method),
    ]


def list_page(
    account: AccountContext,
    *,
    phone_number: str | None = None,
    friendly_name: str | None = None,
    origin: str | None = None,
    page_size: int | None = None,
    page_token: str | None = None,
) -> Operation[Page[IncomingPhoneNumber]]:
    """One page of owned numbers. ``GET /IncomingPhoneNumbers.json``."""
    params: list[tuple[str, Any]] = [
        ("PhoneNumber", phone_number),
        ("FriendlyName", friendly_name),
        ("Origin", origin),
        *page_params(page_size, page_token),
    ]
    spec = RequestSpec(
        "GET", API, account_path(account, "IncomingPhoneNumbers.json"), query=encode_params(params)
    )
    return list_operation(spec, IncomingPhoneNumber, "incoming_phone_numbers")


def create(
    account: AccountContext,
    *,
    phone_number: str | None = None,
    area_code: str | None = None,
    friendly_name: str | None = None,
    sms_url: str | None = None,
    sms_method: str | None = None,
    sms_fallback_url: str | None = None,
    voice_url: str | None = None,
    voice_method: str | None = None,
    voice_fallback_url: str | None = None,
    status_callback: str | None = None,
    status_callback_method: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Operation[IncomingPhoneNumber]:
    """Buy a number: a specific ``phone_number`` or any in ``area_code``.
    ``POST /IncomingPhoneNumbers.json``."""
    if not phone_number and not area_code:
        raise ValidationError(
            "buying a number needs phone_number (E.164) or area_code", field="phone_number"
        )
    params = [
        ("PhoneNumber", phone_number),
        ("AreaCode", area_code),
        *_config_params(
            friendly_name=friendly_name,
            sms_url=sms_url,
            sms_method=sms_method,
            sms_fallback_url=sms_fallback_url,
            voice_url=voice_url,
            voice_method=voice_method,
            voice_fallback_url=voice_fallback_url,
            status_callback=status_callback,
            status_callback_method=status_callback_method,
        ),
    ]
    which = f"phone_number={phone_number!r}" if phone_number else ""
    check = (
        f"List owned numbers (list_phone_numbers({which})) and look for one bought since "
        "{sent_at} before buying again."
    )
    spec = RequestSpec(
        "POST",
        API,
        account_path(account, "IncomingPhoneNumbers.json"),
        form=merge_extra(params, extra),
        idempotent=False,
        check=check,
    )
    return one_operation(spec, IncomingPhoneNumber)


def _number_path(account: AccountContext, sid: str) -> str:
    return account_path(account, f"IncomingPhoneNumbers/{seg('sid', sid)}.json")


def fetch(account: AccountContext, sid: str) -> Operation[IncomingPhoneNumber]:
    """One owned number. ``GET /IncomingPhoneNumbers/{Sid}.json``."""
    return one_operation(RequestSpec("GET", API, _number_path(account, sid)), IncomingPhoneNumber)


def update(
    account: AccountContext,
    sid: str,
    *,
    friendly_name: str | None = None,
    sms_url: str | None = None,
    sms_method: str | None = None,
    sms_fallback_url: str | None = None,
    voice_url: str | None = None,
    voice_method: str | None = None,
    voice_fallback_url: str | None = None,
    status_callback: str | None = None,
    status_callback_method: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Operation[IncomingPhoneNumber]:
    """Point a number's webhooks somewhere (``sms_url``, ``voice_url``, ``status_callback``).
    ``POST /IncomingPhoneNumbers/{Sid}.json``. Idempotent: it only sets fields."""
    params = _config_params(
        friendly_name=friendly_name,
        sms_url=sms_url,
        sms_method=sms_method,
        sms_fallback_url=sms_fallback_url,
        voice_url=voice_url,
        voice_method=voice_method,
        voice_fallback_url=voice_fallback_url,
        status_callback=status_callback,
        status_callback_method=status_callback_method,
    )
    form = merge_extra(params, extra)
    if not form:
        raise ValidationError("nothing to update: pass sms_url, voice_url, ...", field="sms_url")
    spec = RequestSpec("POST", API, _number_path(account, sid), form=form, idempotent=True)
    return one_operation(spec, IncomingPhoneNumber)


def delete(account: AccountContext, sid: str) -> Operation[None]:
    """Release a number. ``DELETE /IncomingPhoneNumbers/{Sid}.json`` (204)."""
    return delete_operation(RequestSpec("DELETE", API, _number_path(account, sid)))


def fetch_account(account: AccountContext) -> Operation[Account]:
    """The account. ``GET /2010-04-01/Accounts/{Sid}.json``."""
    path = f"{API_2010}/Accounts/{seg('account_sid', account.account_sid)}.json"
    return one_operation(RequestSpec("GET", API, path), Account)
