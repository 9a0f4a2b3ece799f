"""Messages and their media (2010 API): models, request builders, parsers.

``/2010-04-01/Accounts/{AccountSid}/Messages.json`` (create, list),
``Messages/{Sid}.json`` (fetch, update: redact with ``Body=""`` or ``Status=canceled``, delete),
``Messages/{MessageSid}/Media.json`` and ``Media/{Sid}.json`` (list, fetch).

The models, :class:`Message` and :class:`Media`, are defined in
:mod:`twiliokit.resources._message_models` and importable from here; they load (with pydantic)
when first used, so building a send needs neither (its cold import time is a measured goal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from twiliokit.errors import ValidationError
from twiliokit.http.paging import Page
from twiliokit.http.products import API
from twiliokit.http.request import encode_params
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
    seg,
)
from twiliokit.short_code import refuse_short_code_recipient

if TYPE_CHECKING:
    from twiliokit.resources._message_models import Media, Message

__all__ = [
    "DateFilter",
    "Media",
    "Message",
    "cancel",
    "create",
    "delete",
    "fetch",
    "fetch_media",
    "list_media",
    "list_page",
    "redact",
    "update",
]

#: A date filter: an aware datetime (sent in UTC), a date, or a string sent as is.
DateFilter = datetime | date | str

_MODELS = "twiliokit.resources._message_models"
_message: Callable[[], type[Message]] = load_model(_MODELS, "Message")
_media: Callable[[], type[Media]] = load_model(_MODELS, "Media")


if not TYPE_CHECKING:  # the models, loaded (with pydantic) on first use
    __getattr__ = model_getattr(__name__, _MODELS, __all__)


def _as_list(name: str, value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    items = list(value)
    if not all(isinstance(item, str) and item for item in items):
        raise ValidationError(f"{name} must be URL strings", field=name)
    return items


def create(
    account: AccountContext,
    *,
    to: str,
    body: str | None = None,
    from_: str | None = None,
    messaging_service_sid: str | None = None,
    media_url: str | Sequence[str] | None = None,
    content_sid: str | None = None,
    content_variables: Mapping[str, Any] | str | None = None,
    status_callback: str | None = None,
    send_at: datetime | None = None,
    schedule_type: str | None = None,
    validity_period: int | None = None,
    smart_encoded: bool | None = None,
    send_as_mms: bool | None = None,
    shorten_urls: bool | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Operation[Message]:
    """Send a message. ``POST /Messages.json``.

    Needs ``to``; a sender: ``from_`` or ``messaging_service_sid`` (else the connection's
    ``messaging_service_sid``, then its ``default_from``); and content: ``body``,
    ``media_url`` or ``content_sid``. ``send_at`` schedules it (``ScheduleType=fixed`` is
    implied; Twilio needs a Messaging Service for that). ``extra`` takes any other parameter by
    Twilio's name (``{"RiskCheck": "disable"}``).
    """
    require("to", to)
    refuse_short_code_recipient(to)  # Twilio would answer 21265
    media = _as_list("media_url", media_url)
    if from_ is None and messaging_service_sid is None:
        messaging_service_sid = account.messaging_service_sid
        if messaging_service_sid is None:
            from_ = account.default_from
    if not from_ and not messaging_service_sid:
        raise ValidationError(
            "a message needs a sender: from_ or messaging_service_sid",
            field="from_",
            hint="Pass from_='+1...' (a number you own) or messaging_service_sid='MG...', or "
            "set default_from / messaging_service_sid on the connection.",
        )
    if body is None and not media and not content_sid:
        raise ValidationError(
            "a message needs content: body, media_url or content_sid", field="body"
        )
    if send_at is not None and schedule_type is None:
        schedule_type = "fixed"
    params: list[tuple[str, Any]] = [
        ("To", to),
        ("From", from_),
        ("MessagingServiceSid", messaging_service_sid),
        ("Body", body),
        ("MediaUrl", media or None),
        ("ContentSid", content_sid),
        ("ContentVariables", content_variables),
        ("StatusCallback", status_callback),
        ("ScheduleType", schedule_type),
        ("SendAt", send_at),
        ("ValidityPeriod", validity_period),
        ("SmartEncoded", smart_encoded),
        ("SendAsMms", send_as_mms),
        ("ShortenUrls", shorten_urls),
    ]
    sender = f" from {from_}" if from_ else f" via {messaging_service_sid}"
    from_arg = f", from_={from_!r}" if from_ else ""
    check = (
        f"List messages to {to}{sender} created since {{sent_at}} "
        f"(list_messages(to={to!r}{from_arg}), newest first) and compare bodies; send again "
        "only if none matches."
    )
    form = merge_extra(params, extra)
    return post(API, account_path(account, "Messages.json"), form, _message, check=check)


def list_page(
    account: AccountContext,
    *,
    to: str | None = None,
    from_: str | None = None,
    date_sent: DateFilter | None = None,
    date_sent_before: DateFilter | None = None,
    date_sent_after: DateFilter | None = None,
    page_size: int | None = None,
    page_token: str | None = None,
    limit: int | None = None,
) -> Operation[Page[Message]]:
    """One page of messages, newest first. ``GET /Messages.json``.

    Date filters: an aware datetime is sent in UTC; a ``date`` as ``YYYY-MM-DD`` (Twilio's
    documented form). ``date_sent_before``/``_after`` are ``DateSent<`` and ``DateSent>``
    (Twilio treats both as inclusive of the day given as a date).
    ``limit``: the most items wanted; it sizes the page when ``page_size`` is not given (and
    ``iter_*`` stop there).
    """
    params: list[tuple[str, Any]] = [
        ("To", to),
        ("From", from_),
        ("DateSent", date_sent),
        ("DateSent<", date_sent_before),
        ("DateSent>", date_sent_after),
        *page_params(page_size, page_token, limit),
    ]
    return get_page(API, account_path(account, "Messages.json"), params, _message, "messages")


def _message_path(account: AccountContext, sid: str) -> str:
    return account_path(account, f"Messages/{seg('sid', sid)}.json")


def fetch(account: AccountContext, sid: str) -> Operation[Message]:
    """One message. ``GET /Messages/{Sid}.json``."""
    return get_one(API, _message_path(account, sid), _message)


def update(
    account: AccountContext, sid: str, *, body: str | None = None, status: str | None = None
) -> Operation[Message]:
    """Redact (``body=""``) or cancel a scheduled message (``status="canceled"``).
    ``POST /Messages/{Sid}.json``. Idempotent: sending it twice has the effect of once."""
    if body is None and status is None:
        raise ValidationError(
            "nothing to update: pass body='' to redact or status='canceled' to cancel",
            field="body",
        )
    if body not in (None, ""):
        raise ValidationError(
            "a message body can only be redacted (body=''), not changed", field="body"
        )
    form = encode_params([("Body", body), ("Status", status)])
    return post(API, _message_path(account, sid), form, _message)


def redact(account: AccountContext, sid: str) -> Operation[Message]:
    """Erase a message's body (``Body=""``), keeping its record. ``POST /Messages/{Sid}.json``."""
    return update(account, sid, body="")


def cancel(account: AccountContext, sid: str) -> Operation[Message]:
    """Cancel a scheduled message (``Status=canceled``). ``POST /Messages/{Sid}.json``."""
    return update(account, sid, status="canceled")


def delete(account: AccountContext, sid: str) -> Operation[None]:
    """Delete a message record. ``DELETE /Messages/{Sid}.json`` (204)."""
    return delete_resource(API, _message_path(account, sid))


def list_media(
    account: AccountContext,
    message_sid: str,
    *,
    page_size: int | None = None,
    page_token: str | None = None,
    limit: int | None = None,
) -> Operation[Page[Media]]:
    """One page of a message's media. ``GET /Messages/{MessageSid}/Media.json``.
    ``limit``: the most items wanted; it sizes the page when ``page_size`` is not given (and
    ``iter_*`` stop there).
    """
    path = account_path(account, f"Messages/{seg('message_sid', message_sid)}/Media.json")
    return get_page(API, path, page_params(page_size, page_token, limit), _media, "media_list")


def fetch_media(account: AccountContext, message_sid: str, sid: str) -> Operation[Media]:
    """One media file's metadata. ``GET /Messages/{MessageSid}/Media/{Sid}.json``."""
    path = account_path(
        account, f"Messages/{seg('message_sid', message_sid)}/Media/{seg('sid', sid)}.json"
    )
    return get_one(API, path, _media)
