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
from twiliokit.http.request import RequestSpec, encode_params
from twiliokit.resources._base import (
    API_2010,
    AccountContext,
    Operation,
    account_path,
    delete_operation,
    list_operation,
    load_model,
    merge_extra,
    model_getattr,
    one_operation,
    page_params,
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
_MODEL_NAMES = frozenset({"Account", "IncomingPhoneNumber"})

if not TYPE_CHECKING:  # the models, loaded (with pydantic) on first use
    __getattr__ = model_getattr(__name__, _MODELS, _MODEL_NAMES)


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
    spec = RequestSpec(
        "GET", API, account_path(account, "IncomingPhoneNumbers.json"), query=encode_params(params)
    )
    return list_operation(spec, _incoming_phone_number, "incoming_phone_numbers")


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
    return one_operation(spec, _incoming_phone_number)


def _number_path(account: AccountContext, sid: str) -> str:
    return account_path(account, f"IncomingPhoneNumbers/{seg('sid', sid)}.json")


def fetch(account: AccountContext, sid: str) -> Operation[IncomingPhoneNumber]:
    """One owned number. ``GET /IncomingPhoneNumbers/{Sid}.json``."""
    return one_operation(
        RequestSpec("GET", API, _number_path(account, sid)), _incoming_phone_number
    )


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
    return one_operation(spec, _incoming_phone_number)


def delete(account: AccountContext, sid: str) -> Operation[None]:
    """Release a number. ``DELETE /IncomingPhoneNumbers/{Sid}.json`` (204)."""
    return delete_operation(RequestSpec("DELETE", API, _number_path(account, sid)))


def fetch_account(account: AccountContext) -> Operation[Account]:
    """The account. ``GET /2010-04-01/Accounts/{Sid}.json``."""
    path = f"{API_2010}/Accounts/{seg('account_sid', account.account_sid)}.json"
    return one_operation(RequestSpec("GET", API, path), _account)
