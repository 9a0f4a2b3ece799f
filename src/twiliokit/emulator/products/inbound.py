"""Incoming messages: ``POST /_emulator/inbound`` plays a handset texting an owned number.

::

    POST /_emulator/inbound {"From": "+14155550123", "To": "+14155550100", "Body": "hi",
                             "MediaUrl": ["https://example.com/cat.jpg"]}
    -> 201 {"message_sid", "url", "status", "response_body", "reply_sids", "auto_reply_sid"}

The emulator records the inbound message (``received``), applies Twilio's default opt-out
keywords on SMS (STOP/START/HELP and synonyms: opt-out state, a free auto-reply), opens the
24-hour WhatsApp window, calls the number's ``SmsUrl`` (signed, with the parameters Twilio
sends; the ``SmsFallbackUrl`` when it fails) and sends each ``<Message>`` of the TwiML answer
as an ``outbound-reply``. The webhook is awaited, so the answer says what the app replied.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

import phonenumbers
from phonenumbers import geocoder
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from twiliokit import phone, segments, twiml
from twiliokit.emulator import control
from twiliokit.emulator.callbacks import WebhookRecord
from twiliokit.emulator.products import opt_out
from twiliokit.emulator.products.message_rules import Draft, content_type_of
from twiliokit.emulator.products.messaging_service_store import MessagingServiceStore
from twiliokit.emulator.products.messaging_store import Channel, Media, Message, MessagingStore
from twiliokit.emulator.products.numbers import NumberStore
from twiliokit.emulator.products.outbound import build_message, send
from twiliokit.emulator.sids import new_sid
from twiliokit.emulator.state import Account, EmulatorState
from twiliokit.emulator.web import API_2010, base_of, state_of
from twiliokit.errors import ValidationError

_MAX_MEDIA = 10


@dataclass(frozen=True)
class Target:
    """Where an incoming message lands: the owning account and its messaging webhook."""

    account_sid: str
    address: str  # the owned address as messages show it (``+1…`` or ``whatsapp:+1…``)
    sms_url: str | None
    sms_method: str
    fallback_url: str | None
    fallback_method: str
    #: The Messaging Service whose pool holds the number, if any.
    service_sid: str | None = None


def _target(state: EmulatorState, to: phone.Address) -> Target | None:
    numbers = state.store(NumberStore)
    e164 = to.e164 or to.value
    owned = numbers.owner_of(e164)
    if to.kind == "whatsapp":
        sender = numbers.whatsapp.get(e164)
        if sender is None:
            return None
        if sender.sms_url is None and owned is not None and owned.account_sid == sender.account_sid:
            return Target(
                sender.account_sid,
                to.value,
                owned.sms_url,
                owned.sms_method,
                owned.sms_fallback_url,
                owned.sms_fallback_method,
            )
        return Target(
            sender.account_sid,
            to.value,
            sender.sms_url,
            sender.sms_method,
            sender.sms_fallback_url,
            sender.sms_fallback_method,
        )
    if owned is None:
        return None
    own = Target(
        owned.account_sid,
        owned.phone_number,
        owned.sms_url,
        owned.sms_method,
        owned.sms_fallback_url,
        owned.sms_fallback_method,
    )
    service = state.store(MessagingServiceStore).holder_of(owned.sid)
    if service is None:
        return own
    if service.inbound_request_url is None or service.use_inbound_webhook_on_number:
        # The service defers to the number's own webhook (docs/emulator.md).
        return replace(own, service_sid=service.sid)
    return replace(
        own,
        sms_url=service.inbound_request_url,
        sms_method=service.inbound_method,
        fallback_url=service.fallback_url,
        fallback_method=service.fallback_method,
        service_sid=service.sid,
    )


@functools.lru_cache(maxsize=1024)
def geography(e164: str) -> tuple[str, str, str, str]:
    """(city, state, zip, country) as Twilio fills them; empty where unknown (zip always)."""
    country = phone.region_of(e164) or ""
    city = region = ""
    if country in {"US", "CA"}:
        described = geocoder.description_for_number(phonenumbers.parse(e164), "en")
        if ", " in described:
            city, region = described.rsplit(", ", 1)
            city = city.upper()
    return city, region, "", country


def webhook_params(
    message: Message, channel: Channel, media_urls: list[str], profile_name: str | None
) -> list[tuple[str, str]]:
    """The parameters of Twilio's request to the incoming-message webhook."""
    assert message.from_ is not None
    sid = message.sid
    params: list[tuple[str, str]] = []
    whatsapp = channel == "whatsapp"
    to_geo = from_geo = ("", "", "", "")
    if not whatsapp:
        to_geo = geography(message.to) if message.to.startswith("+") else to_geo
        from_geo = geography(message.recipient) if message.recipient.startswith("+") else from_geo
        params += [("ToCountry", to_geo[3]), ("ToState", to_geo[1])]
    params += [("SmsMessageSid", sid), ("NumMedia", str(len(message.media)))]
    for index, media in enumerate(message.media):
        params.append((f"MediaContentType{index}", media.content_type))
        params.append((f"MediaUrl{index}", media_urls[index]))
    if whatsapp:
        params += [
            ("ProfileName", profile_name or "WhatsApp User"),
            ("MessageType", _message_type(message)),
            ("WaId", message.recipient.lstrip("+")),
        ]
    else:
        params += [("ToCity", to_geo[0]), ("FromZip", from_geo[2])]
    params += [("SmsSid", sid)]
    if not whatsapp:
        params += [("FromState", from_geo[1])]
    params += [("SmsStatus", "received")]
    if not whatsapp:
        params += [("FromCity", from_geo[0])]
    params += [("Body", message.body)]
    if not whatsapp:
        params += [("FromCountry", from_geo[3])]
    params += [("To", message.to)]
    if message.messaging_service_sid:
        params += [("MessagingServiceSid", message.messaging_service_sid)]
    if not whatsapp:
        params += [("ToZip", to_geo[2])]
    else:
        params += [("ReferralNumMedia", "0")]
    params += [
        ("NumSegments", message.num_segments),
        ("MessageSid", sid),
        ("AccountSid", message.account_sid),
        ("From", message.from_),
        ("ApiVersion", "2010-04-01"),
    ]
    return params


def _message_type(message: Message) -> str:
    if not message.media:
        return "text"
    major = message.media[0].content_type.split("/", 1)[0]
    return major if major in {"image", "video", "audio"} else "document"


def _reply(
    state: EmulatorState,
    account: Account,
    *,
    sender: str,
    recipient: phone.Address,
    body: str,
    media: list[str],
    status_callback: str | None,
    auto_reply: bool = False,
) -> Message | None:
    """An outbound-reply from ``sender``; None when the recipient opted out of it (Twilio's
    own keyword auto-replies always go, and are free)."""
    channel: Channel = "whatsapp" if recipient.kind == "whatsapp" else ("mms" if media else "sms")
    e164 = recipient.e164 or recipient.value
    store = state.store(MessagingStore)
    if not auto_reply and channel != "whatsapp" and store.opted_out(e164, sender):
        return None
    info = segments.analyze(body)
    draft = Draft(
        to=recipient.value,
        recipient=e164,
        channel=channel,
        sender=sender,
        from_=sender,
        messaging_service_sid=None,
        body=body,
        media=[(url, content_type_of(url)) for url in media],
        segments=info.segments if channel == "sms" else 1,
        status="queued",
        status_callback=status_callback,
    )
    message = build_message(state, account, draft, direction="outbound-reply")
    message.free = auto_reply
    send(state, account, message)
    return message


def _twiml_replies(
    state: EmulatorState,
    account: Account,
    inbound: Message,
    webhook: WebhookRecord,
) -> tuple[list[str], str | None]:
    """Send the ``<Message>`` replies of the webhook's answer; (their SIDs, a TwiML error)."""
    if webhook.status is None or not 200 <= webhook.status < 300:
        return [], None
    text = (webhook.response_body or "").strip()
    if not text:
        return [], None
    try:
        replies = twiml.parse_messages(text)
    except ValidationError as exc:
        return [], str(exc)  # Twilio logs error 12100 (document parse failure) and sends nothing
    sids = []
    default_to = phone.parse_address(inbound.from_ or "", allow=phone.RECIPIENT_KINDS)
    for reply in replies:
        to = default_to
        if reply.to:
            try:
                to = phone.parse_address(reply.to, allow=phone.RECIPIENT_KINDS)
            except ValidationError:
                continue
        callback = urljoin(webhook.url, reply.action) if reply.action else None
        message = _reply(
            state,
            account,
            sender=inbound.to,
            recipient=to,
            body=reply.body,
            media=list(reply.media_urls),
            status_callback=callback,
        )
        if message is not None:
            sids.append(message.sid)
    return sids, None


def _address(data: dict[str, Any], name: str) -> phone.Address:
    raw = control.field_of(data, name, str, required=True)
    try:
        return phone.parse_address(raw, field=name, allow=phone.RECIPIENT_KINDS)
    except ValidationError as exc:
        raise control.ControlError(
            f"'{name}' must be a phone number such as +14155550123 (or whatsapp:+14155550123): "
            f"{raw!r}",
            name,
        ) from exc


def _media_urls(data: dict[str, Any]) -> list[str]:
    urls = control.field_of(data, "MediaUrl", (list, str)) or []
    if isinstance(urls, str):
        urls = [urls]
    if len(urls) > _MAX_MEDIA:
        raise control.ControlError("'MediaUrl' holds at most 10 URLs", "MediaUrl")
    for url in urls:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
            raise control.ControlError("'MediaUrl' must be a list of http(s) URLs", "MediaUrl")
    return list(urls)


async def receive(request: Request) -> Response:
    """``POST /_emulator/inbound``: a message from a handset to an owned number."""
    state = state_of(request)
    data = await control.read_json(request)
    to = _address(data, "To")
    sender = _address(data, "From")
    body = control.field_of(data, "Body", str) or ""
    media_sources = _media_urls(data)
    profile_name = control.field_of(data, "ProfileName", str)
    target = _target(state, to)
    if target is None:
        owned = [n.phone_number for n in state.store(NumberStore).numbers.values()]
        raise control.ControlError(
            f"'To' {to.value} is not a number the emulator's accounts own; use one of "
            f"{', '.join(owned) or 'none'} or buy it with POST …/IncomingPhoneNumbers.json "
            "(WhatsApp: POST /_emulator/whatsapp-senders)",
            "To",
        )
    if (sender.kind == "whatsapp") != (to.kind == "whatsapp"):
        raise control.ControlError(
            "'From' and 'To' must both be whatsapp: addresses or both phone numbers", "From"
        )
    account = state.accounts[target.account_sid]
    channel: Channel = "whatsapp" if to.kind == "whatsapp" else ("mms" if media_sources else "sms")
    now = state.clock.now()
    info = segments.analyze(body)
    sid = new_sid("MM" if media_sources else "SM")
    user = sender.e164 or sender.value
    message = Message(
        sid=sid,
        account_sid=account.sid,
        to=target.address,
        from_=sender.value,
        body=body,
        status="received",
        direction="inbound",
        date_created=now,
        num_segments=str(info.segments),
        channel=channel,
        date_sent=now,
        price=f"-{0.0079 * info.segments:.5f}",
        sender=target.address,
        recipient=user,
        segments=info.segments,
        messaging_service_sid=target.service_sid,
    )
    message.media = [
        Media(new_sid("ME"), account.sid, sid, content_type_of(url), url, now)
        for url in media_sources
    ]
    store = state.store(MessagingStore)
    store.add(message)

    auto_reply_sid = None
    if channel == "whatsapp":
        store.open_window(target.address, user, now)
    else:
        keyword = opt_out.classify(body)
        if keyword == "STOP":
            store.opt_out(account.sid, target.address, user)
        elif keyword == "START":
            store.opt_in(account.sid, target.address, user)
        if keyword is not None:
            auto = _reply(
                state,
                account,
                sender=target.address,
                recipient=sender,
                body=opt_out.AUTO_REPLIES[keyword],
                media=[],
                status_callback=None,
                auto_reply=True,
            )
            auto_reply_sid = auto.sid if auto is not None else None

    result: dict[str, Any] = {
        "message_sid": sid,
        "url": None,
        "status": None,
        "response_body": None,
        "reply_sids": [],
        "auto_reply_sid": auto_reply_sid,
    }
    if target.sms_url is None:
        return JSONResponse(result, status_code=201)
    base = base_of(request)
    media_urls = [
        f"{base}{API_2010}/Accounts/{account.sid}/Messages/{sid}/Media/{media.sid}"
        for media in message.media
    ]
    params = webhook_params(message, channel, media_urls, profile_name)
    webhook = await state.dispatcher.send_form(
        kind="incoming-message",
        url=target.sms_url,
        params=params,
        auth_token=account.auth_token,
        method=target.sms_method,
    )
    failed = webhook.status is None or webhook.status >= 400
    if failed and target.fallback_url:
        webhook = await state.dispatcher.send_form(
            kind="incoming-message-fallback",
            url=target.fallback_url,
            params=[*params, ("ErrorCode", "11200"), ("ErrorUrl", target.sms_url)],
            auth_token=account.auth_token,
            method=target.fallback_method,
        )
    reply_sids, twiml_error = _twiml_replies(state, account, message, webhook)
    result.update(
        url=webhook.url,
        status=webhook.status,
        response_body=webhook.response_body,
        reply_sids=reply_sids,
    )
    if webhook.error:
        result["error"] = webhook.error
    if twiml_error:
        result["twiml_error"] = twiml_error
    return JSONResponse(result, status_code=201)


def routes() -> list[BaseRoute]:
    return [Route("/_emulator/inbound", receive, methods=["POST"])]
