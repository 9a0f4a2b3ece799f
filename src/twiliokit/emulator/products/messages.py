"""2010 API: Messages (create, list, fetch, redact/cancel, delete) and their Media.

Validation lives in ``message_rules``, the life of a message in ``lifecycle``, incoming messages
in ``inbound``; this module is the REST surface. Messages created with test credentials are
answered and forgotten (Twilio's test credentials change nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from twiliokit.emulator import web
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.products import inbound, lifecycle, whatsapp_senders
from twiliokit.emulator.products.message_rules import parse_send_at, validate_create
from twiliokit.emulator.products.messaging_store import (
    FINAL_STATUSES,
    Media,
    Message,
    MessagingStore,
)
from twiliokit.emulator.products.outbound import build_message, send
from twiliokit.emulator.state import Account

# --- handlers ---------------------------------------------------------------------------------


def _message(request: Request, account: Account) -> Message:
    sid = request.path_params.get("message_sid") or request.path_params["sid"]
    found = web.state_of(request).store(MessagingStore).messages.get(sid)
    return web.owned_2010(request, found, account.sid)


async def create_message(request: Request) -> Response:
    state = web.state_of(request)
    account, form = await web.path_account_form(request, test_credentials_ok=True)
    draft = validate_create(state, account, form)
    message = build_message(state, account, draft)
    if not account.is_test:
        send(state, account, message)
    return web.json_response(message.json(), 201)


def _date_bound(form: web.Form, name: str) -> datetime | date | None:
    raw = form.get(name)
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    else:
        parsed = parse_send_at(text)
        if parsed is not None:
            return parsed
    raise ApiError(400, 20001, f"Invalid {name}: {raw!r}. Use YYYY-MM-DD or an ISO 8601 timestamp.")


def _within(value: datetime, bound: datetime | date, *, earliest: bool) -> bool:
    """``value`` on or after (``earliest``) / on or before ``bound``, a day or an instant."""
    if isinstance(bound, datetime):
        return value >= bound if earliest else value <= bound
    day = value.date()
    return day >= bound if earliest else day <= bound


def _date_filter(form: web.Form, prefix: str) -> Callable[[datetime | None], bool]:
    """Twilio's ``DateSent``/``DateSent<``/``DateSent>`` (on, on or before, on or after)."""
    exact, before, after = (_date_bound(form, prefix + op) for op in ("", "<", ">"))
    if exact is None and before is None and after is None:
        return lambda _: True
    if isinstance(exact, datetime):
        exact = exact.date()  # the SDK sends a date as midnight: match the day

    def matches(value: datetime | None) -> bool:
        if value is None:
            return False
        value = value.astimezone(UTC)
        if exact is not None and value.date() != exact:
            return False
        if before is not None and not _within(value, before, earliest=False):
            return False
        return after is None or _within(value, after, earliest=True)

    return matches


async def list_messages(request: Request) -> Response:
    account, form = await web.path_account_form(request)
    to, from_ = form.get("To"), form.get("From")
    sent = _date_filter(form, "DateSent")
    store = web.state_of(request).store(MessagingStore)
    items = [
        message.json()
        for message in store.newest_first(account.sid)
        if (to is None or message.to == to.strip())
        and (from_ is None or message.from_ == from_.strip())
        and sent(message.date_sent)
    ]
    return web.page_2010(request, form, items, "messages")


async def fetch_message(request: Request) -> Response:
    account = web.path_account(request)
    return web.json_response(_message(request, account).json())


async def update_message(request: Request) -> Response:
    """Redact (``Body=""``) or cancel a scheduled message (``Status=canceled``); nothing else."""
    state = web.state_of(request)
    account = web.path_account(request)
    message = _message(request, account)
    form = await web.read_form(request)
    body, status = form.get("Body"), form.get("Status")
    if body is None and status is None:
        raise ApiError(
            400,
            20001,
            "Nothing to update: send Body='' to redact the message or Status=canceled to "
            "cancel a scheduled one.",
        )
    if body is not None and body != "":
        raise ApiError(
            400, 20001, "The message body can only be redacted: send Body='' (an empty string)."
        )
    if status is not None:
        if status != "canceled":
            raise ApiError(400, 20001, f"Invalid Status {status!r}: only 'canceled' is allowed.")
        if message.status != "scheduled":
            raise ApiError(400, 30409, "This message cannot be canceled")
    now = state.clock.now()
    if status == "canceled":
        lifecycle.cancel(state, message, now)
    if body == "":
        message.change(now, body="")
    return web.json_response(message.json())


async def delete_message(request: Request) -> Response:
    state = web.state_of(request)
    account = web.path_account(request)
    message = _message(request, account)
    if message.status not in FINAL_STATUSES:
        raise ApiError(400, 20009, "Cannot delete this resource before it is complete")
    state.store(MessagingStore).remove(message)
    return web.no_content()


def _media(request: Request, message: Message) -> Media:
    for media in message.media:
        if media.sid == request.path_params["sid"]:
            return media
    raise web.not_found_2010(request)


async def list_media(request: Request) -> Response:
    account = web.path_account(request)
    message = _message(request, account)
    form = await web.read_form(request)
    created = _date_filter(form, "DateCreated")
    items = [m.json() for m in reversed(message.media) if created(m.date_created)]
    return web.page_2010(request, form, items, "media_list")


async def fetch_media(request: Request) -> Response:
    account = web.path_account(request)
    return web.json_response(_media(request, _message(request, account)).json())


async def delete_media(request: Request) -> Response:
    state = web.state_of(request)
    account = web.path_account(request)
    message = _message(request, account)
    media = _media(request, message)
    message.change(state.clock.now(), media=[m for m in message.media if m is not media])
    return web.no_content()


async def media_content(request: Request) -> Response:
    """The media itself: Twilio redirects to where the content is stored (no auth needed)."""
    state = web.state_of(request)
    account = state.accounts.get(request.path_params["account_sid"])
    if account is None:
        raise web.not_found_2010(request)
    media = _media(request, _message(request, account))
    return RedirectResponse(media.url, status_code=307)


def routes() -> list[BaseRoute]:
    base = web.API_2010 + "/Accounts/{account_sid}/Messages"
    one = base + "/{message_sid}"
    return [
        *web.routes_for(base + ".json", get=list_messages, post=create_message),
        *web.routes_for(
            base + "/{sid}.json", get=fetch_message, post=update_message, delete=delete_message
        ),
        *web.routes_for(one + "/Media.json", get=list_media),
        *web.routes_for(one + "/Media/{sid}.json", get=fetch_media, delete=delete_media),
        *web.routes_for(one + "/Media/{sid}", get=media_content),
        *lifecycle.routes(),
        *inbound.routes(),
        *whatsapp_senders.routes(),
    ]
