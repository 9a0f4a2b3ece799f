"""Incoming phone numbers (numbers the account owns, 2010 API) and the account itself.

``/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json`` (list, create = buy),
``IncomingPhoneNumbers/{Sid}.json`` (fetch, update webhooks, delete = release),
``/2010-04-01/Accounts/{Sid}.json`` (fetch the account).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from twiliokit.errors import ValidationError
from twiliokit.http.paging import Page
from twiliokit.http.products import API
from twiliokit.resources._base import (
    API_2010,
    AccountContext,
    Operation,
    account_path,
    delete_resource,
    get_one,
    get_page,
    load_model,
    merge_extra,
    model_getattr,
    page_params,
    post,
    require_changes,
    seg,
)

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

if TYPE_CHECKING:
    from twiliokit.resources._number_models import Account, IncomingPhoneNumber

_MODELS = "twiliokit.resources._number_models"
_account: Callable[[], type[Account]] = load_model(_MODELS, "Account")
_incoming_phone_number: Callable[[], type[IncomingPhoneNumber]] = load_model(
    _MODELS, "IncomingPhoneNumber"
)

if not TYPE_CHECKING:  # the models, loaded (with pydantic) on first use
    __getattr__ = model_getattr(__name__, _MODELS, __all__)


#: The settings create and update both take, by keyword, with Twilio's names: the webhooks
#: that matter for messaging and voice. Anything else goes in ``extra`` by Twilio's name.
_SETTINGS = {
    "friendly_name": "FriendlyName",
    "sms_url": "SmsUrl",
    "sms_method": "SmsMethod",
    "sms_fallback_url": "SmsFallbackUrl",
    "voice_url": "VoiceUrl",
    "voice_method": "VoiceMethod",
    "voice_fallback_url": "VoiceFallbackUrl",
    "status_callback": "StatusCallback",
    "status_callback_method": "StatusCallbackMethod",
}


def _settings(arguments: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The :data:`_SETTINGS` among a builder's ``arguments`` (its ``locals()``), by Twilio's
    names: the keywords are declared once in each signature (the client's public API) and
    mapped once here."""
    return [(twilio, arguments[keyword]) for keyword, twilio in _SETTINGS.items()]


def list_page(
    account: AccountContext,
    *,
    phone_number: str | None = None,
    friendly_name: str | None = None,
    origin: str | None = None,
    page_size: int | None = None,
    page_token: str | None = None,
    limit: int | None = None,
) -> Operation[Page[IncomingPhoneNumber]]:
    """One page of owned numbers. ``GET /IncomingPhoneNumbers.json``.
    ``limit``: the most items wanted; it sizes the page when ``page_size`` is not given (and
    ``iter_*`` stop there).
    """
    params: list[tuple[str, Any]] = [
        ("PhoneNumber", phone_number),
        ("FriendlyName", friendly_name),
        ("Origin", origin),
        *page_params(page_size, page_token, limit),
    ]
    path = account_path(account, "IncomingPhoneNumbers.json")
    return get_page(API, path, params, _incoming_phone_number, "incoming_phone_numbers")


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
    params = [("PhoneNumber", phone_number), ("AreaCode", area_code), *_settings(locals())]
    which = f"phone_number={phone_number!r}" if phone_number else ""
    check = (
        f"List owned numbers (list_phone_numbers({which})) and look for one bought since "
        "{sent_at} before buying again."
    )
    path = account_path(account, "IncomingPhoneNumbers.json")
    return post(API, path, merge_extra(params, extra), _incoming_phone_number, check=check)


def _number_path(account: AccountContext, sid: str) -> str:
    return account_path(account, f"IncomingPhoneNumbers/{seg('sid', sid)}.json")


def fetch(account: AccountContext, sid: str) -> Operation[IncomingPhoneNumber]:
    """One owned number. ``GET /IncomingPhoneNumbers/{Sid}.json``."""
    return get_one(API, _number_path(account, sid), _incoming_phone_number)


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
    form = require_changes(
        merge_extra(_settings(locals()), extra), "pass sms_url, voice_url, ...", "sms_url"
    )
    return post(API, _number_path(account, sid), form, _incoming_phone_number)


def delete(account: AccountContext, sid: str) -> Operation[None]:
    """Release a number. ``DELETE /IncomingPhoneNumbers/{Sid}.json`` (204)."""
    return delete_resource(API, _number_path(account, sid))


def fetch_account(account: AccountContext) -> Operation[Account]:
    """The account. ``GET /2010-04-01/Accounts/{Sid}.json``."""
    path = f"{API_2010}/Accounts/{seg('account_sid', account.account_sid)}.json"
    return get_one(API, path, _account)
