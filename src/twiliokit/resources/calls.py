"""Calls (2010 API): model, request builders, parsers.

``/2010-04-01/Accounts/{AccountSid}/Calls.json`` (create, list) and ``Calls/{Sid}.json``
(fetch, update, delete).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from twiliokit.errors import ValidationError
from twiliokit.http.paging import Page
from twiliokit.http.products import API
from twiliokit.resources._base import (
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
    require,
    require_changes,
    seg,
)
from twiliokit.resources.messages import DateFilter

__all__ = ["Call", "create", "delete", "fetch", "list_page", "update"]

if TYPE_CHECKING:
    from twiliokit.resources._call_models import Call

_MODELS = "twiliokit.resources._call_models"
_call: Callable[[], type[Call]] = load_model(_MODELS, "Call")

if not TYPE_CHECKING:  # the models, loaded (with pydantic) on first use
    __getattr__ = model_getattr(__name__, _MODELS, __all__)


def create(
    account: AccountContext,
    *,
    to: str,
    from_: str | None = None,
    url: str | None = None,
    twiml: str | None = None,
    application_sid: str | None = None,
    method: str | None = None,
    status_callback: str | None = None,
    status_callback_event: Sequence[str] | None = None,
    status_callback_method: str | None = None,
    ring_timeout: int | None = None,
    time_limit: int | None = None,
    record: bool | None = None,
    machine_detection: str | None = None,
    send_digits: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Operation[Call]:
    """Place a call. ``POST /Calls.json``.

    Needs ``to``, ``from_`` (else the connection's ``default_from``) and what to do when
    answered: ``url``, ``twiml`` or ``application_sid``. ``ring_timeout`` is Twilio's
    ``Timeout`` (seconds to let it ring).
    """
    require("to", to)
    from_ = from_ or account.default_from
    if not from_:
        raise ValidationError(
            "a call needs from_ (a number you own or a verified caller ID)",
            field="from_",
            hint="Pass from_='+1...' or set default_from on the connection.",
        )
    if not (url or twiml or application_sid):
        raise ValidationError(
            "a call needs url, twiml or application_sid to say what happens when answered",
            field="url",
        )
    params: list[tuple[str, Any]] = [
        ("To", to),
        ("From", from_),
        ("Url", url),
        ("Twiml", twiml),
        ("ApplicationSid", application_sid),
        ("Method", method),
        ("StatusCallback", status_callback),
        ("StatusCallbackEvent", list(status_callback_event) if status_callback_event else None),
        ("StatusCallbackMethod", status_callback_method),
        ("Timeout", ring_timeout),
        ("TimeLimit", time_limit),
        ("Record", record),
        ("MachineDetection", machine_detection),
        ("SendDigits", send_digits),
    ]
    check = (
        f"List calls to {to} from {from_} started since {{sent_at}} "
        f"(list_calls(to={to!r}, from_={from_!r})) before calling again."
    )
    return post(
        API, account_path(account, "Calls.json"), merge_extra(params, extra), _call, check=check
    )


def list_page(
    account: AccountContext,
    *,
    to: str | None = None,
    from_: str | None = None,
    status: str | None = None,
    parent_call_sid: str | None = None,
    start_time: DateFilter | None = None,
    start_time_before: DateFilter | None = None,
    start_time_after: DateFilter | None = None,
    end_time: DateFilter | None = None,
    end_time_before: DateFilter | None = None,
    end_time_after: DateFilter | None = None,
    page_size: int | None = None,
    page_token: str | None = None,
    limit: int | None = None,
) -> Operation[Page[Call]]:
    """One page of calls, newest first. ``GET /Calls.json`` (dates sent in UTC).
    ``limit``: the most items wanted; it sizes the page when ``page_size`` is not given (and
    ``iter_*`` stop there).
    """
    params: list[tuple[str, Any]] = [
        ("To", to),
        ("From", from_),
        ("Status", status),
        ("ParentCallSid", parent_call_sid),
        ("StartTime", start_time),
        ("StartTime<", start_time_before),
        ("StartTime>", start_time_after),
        ("EndTime", end_time),
        ("EndTime<", end_time_before),
        ("EndTime>", end_time_after),
        *page_params(page_size, page_token, limit),
    ]
    return get_page(API, account_path(account, "Calls.json"), params, _call, "calls")


def _call_path(account: AccountContext, sid: str) -> str:
    return account_path(account, f"Calls/{seg('sid', sid)}.json")


def fetch(account: AccountContext, sid: str) -> Operation[Call]:
    """One call. ``GET /Calls/{Sid}.json``."""
    return get_one(API, _call_path(account, sid), _call)


def update(
    account: AccountContext,
    sid: str,
    *,
    status: str | None = None,
    url: str | None = None,
    method: str | None = None,
    twiml: str | None = None,
    status_callback: str | None = None,
    status_callback_method: str | None = None,
    time_limit: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Operation[Call]:
    """Change a live call: hang up (``status="completed"``), cancel a queued or ringing one
    (``status="canceled"``), or redirect it (``url`` or ``twiml``). ``POST /Calls/{Sid}.json``.
    """
    params: list[tuple[str, Any]] = [
        ("Status", status),
        ("Url", url),
        ("Method", method),
        ("Twiml", twiml),
        ("StatusCallback", status_callback),
        ("StatusCallbackMethod", status_callback_method),
        ("TimeLimit", time_limit),
    ]
    form = require_changes(merge_extra(params, extra), "pass status, url or twiml", "status")
    # Not idempotent: redirecting twice restarts the TwiML, and a retried hang-up can fail
    # with "not in progress" and hide that the first one worked.
    check = f"Fetch the call (fetch_call({sid!r})) and look at its status."
    return post(API, _call_path(account, sid), form, _call, check=check)


def delete(account: AccountContext, sid: str) -> Operation[None]:
    """Delete a call record. ``DELETE /Calls/{Sid}.json`` (204)."""
    return delete_resource(API, _call_path(account, sid))
