"""An outbound message's life in virtual time, its status callbacks, and simulated handsets.

::

    accepted (Messaging Service) / scheduled (at SendAt) -> queued
    queued -> sending -> sent -> delivered | undelivered      (-> read, WhatsApp)
                      \\-> failed     (handset "failed"; 63016 outside the WhatsApp window;
                                      30036 ValidityPeriod expired; 30001 service queue full)

Steps are ``config.delivery_step_seconds`` apart. Each sender hands segments to carriers at
its own rate (``throughput``: 1 per second for a US long code by default): a message leaves
the queue at its sender's next free slot, so a burst drains at the sender's pace and the
``date_sent`` of one sender's messages are spaced by segments / rate, as on Twilio. Nothing
waits: the slots are computed when a message is queued. Every status after the first is posted
to the message's ``StatusCallback``, signed, in order per message. Test credentials never get
here: their messages stay ``queued`` and send no callbacks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from twiliokit.emulator import control
from twiliokit.emulator.products.messaging_service_store import (
    MessagingServiceStore,
    pick_sender,
)
from twiliokit.emulator.products.messaging_store import (
    ERROR_MESSAGES,
    Handset,
    Message,
    MessagingStore,
    Outcome,
)
from twiliokit.emulator.products.throughput import drain_seconds
from twiliokit.emulator.state import EmulatorState
from twiliokit.emulator.web import routes_for, state_of

#: What a segment costs when the carrier takes it (USD, Twilio's US list prices).
SMS_PRICE = 0.0079
MMS_PRICE = 0.0200
WHATSAPP_PRICE = 0.0050
HANDSET_ERRORS = frozenset({30003, 30005, 30006, 30007, 30008})
_DEFAULT_ERROR = {"undelivered": 30003, "failed": 30008}
#: A step of a message's life: given the message, what to do when it falls due.
_Step = Callable[[EmulatorState, Message], Any]


def price_of(message: Message) -> str:
    if message.free:
        return "0.00000"
    if message.channel == "whatsapp":
        amount = WHATSAPP_PRICE
    elif message.channel == "mms":
        amount = MMS_PRICE
    else:
        amount = SMS_PRICE * message.segments
    return f"-{amount:.5f}"


def start(state: EmulatorState, message: Message) -> None:
    """Set a freshly created outbound message on its way."""
    if message.status == "scheduled":
        assert message.send_at is not None
        message.event = state.scheduler.at(message.send_at, _queued_later(state, message))
    elif message.status == "accepted":
        message.event = state.scheduler.at(message.date_created, _queued_later(state, message))
    else:
        enqueue(state, message, message.date_created)


def cancel(state: EmulatorState, message: Message, at: datetime) -> None:
    """``Status=canceled`` on a scheduled message."""
    if message.event is not None:
        message.event.cancel()
        message.event = None
    message.change(at, status="canceled")
    notify(state, message, at)


def _queued_later(state: EmulatorState, message: Message) -> Any:
    async def queued(at: datetime) -> None:
        message.event = None
        _pick_pool_sender(state, message, at)
        message.change(
            at, status="queued", from_=message.sender, num_segments=str(message.segments)
        )
        notify(state, message, at)
        enqueue(state, message, at)

    return queued


def _pick_pool_sender(state: EmulatorState, message: Message, at: datetime) -> None:
    """A created Messaging Service picks the pool number as the message leaves ``accepted``
    (or ``scheduled``): the queues then hold every message queued before it. A message
    whose request named its ``From`` leaves from that number."""
    sid = message.messaging_service_sid
    if sid is None or message.channel == "whatsapp" or message.from_ is not None:
        return
    service = state.store(MessagingServiceStore).get(message.account_sid, sid)
    if service is None:
        return
    _, chosen = pick_sender(state, service, message.recipient, message.channel, at, remember=True)
    if chosen is not None:  # else the pool emptied since the create: keep its choice
        message.sender = chosen


def enqueue(state: EmulatorState, message: Message, at: datetime) -> None:
    """Take a queued message's place in its sender's queue."""
    config = state.config
    store = state.store(MessagingStore)
    step = timedelta(seconds=config.delivery_step_seconds)
    if (
        message.channel == "whatsapp"
        and not message.template_approved
        and not store.window_open(message.sender, message.recipient, at)
    ):
        _fail_at(state, message, at + step, 63016)
        return
    slot = max(at, store.next_free.get(message.sender, at))
    drain = drain_seconds(state, message.sender, message.segments)
    if (slot - at).total_seconds() + drain > config.queue_limit_seconds:
        # Only service messages get here (21611 refuses the others): Twilio fails them 30001.
        _fail_at(state, message, at, 30001)
        return
    sending_at = slot + step
    if message.validity_period is not None:
        expires = at + timedelta(seconds=message.validity_period)
        if sending_at > expires:
            _fail_at(state, message, expires, 30036)
            return
    store.next_free[message.sender] = slot + timedelta(seconds=drain)
    message.event = state.scheduler.at(sending_at, _sending(state, message))


def _end_in_error(
    state: EmulatorState, message: Message, at: datetime, status: str, code: int
) -> None:
    """End the message ``failed`` or ``undelivered`` with Twilio's error ``code``."""
    message.event = None
    message.change(at, status=status, error_code=code, error_message=ERROR_MESSAGES[code])
    notify(state, message, at)


def _fail_at(state: EmulatorState, message: Message, due: datetime, code: int) -> None:
    async def fail(at: datetime) -> None:
        _end_in_error(state, message, at, "failed", code)

    message.event = state.scheduler.at(due, fail)


def _handset(state: EmulatorState, message: Message) -> Handset | None:
    return state.store(MessagingStore).handsets.get(message.recipient)


def _handset_error(handset: Handset | None, outcome: str) -> int | None:
    """The error code when the recipient's handset ends messages with ``outcome``, else None."""
    if handset is None or handset.outcome != outcome:
        return None
    return handset.error_code or _DEFAULT_ERROR[outcome]


def _next_step(state: EmulatorState, message: Message, at: datetime, step: _Step) -> None:
    """Schedule the message's ``step`` one delivery step after ``at``."""
    message.event = state.scheduler.after(
        state.config.delivery_step_seconds, step(state, message), base=at
    )


def _sending(state: EmulatorState, message: Message) -> Any:
    async def sending(at: datetime) -> None:
        message.change(at, status="sending")
        notify(state, message, at)
        _next_step(state, message, at, _sent)

    return sending


def _sent(state: EmulatorState, message: Message) -> Any:
    async def sent(at: datetime) -> None:
        code = _handset_error(_handset(state, message), "failed")
        if code is not None:
            _end_in_error(state, message, at, "failed", code)
            return
        message.change(at, status="sent", date_sent=at, price=price_of(message))
        notify(state, message, at)
        _next_step(state, message, at, _finished)

    return sent


def _finished(state: EmulatorState, message: Message) -> Any:
    async def finished(at: datetime) -> None:
        message.event = None
        handset = _handset(state, message)
        code = _handset_error(handset, "undelivered")
        if code is not None:
            _end_in_error(state, message, at, "undelivered", code)
            return
        message.change(at, status="delivered")
        notify(state, message, at)
        if handset is not None and handset.outcome == "read" and message.channel == "whatsapp":
            _next_step(state, message, at, _read)

    return finished


def _read(state: EmulatorState, message: Message) -> Any:
    async def read(at: datetime) -> None:
        message.event = None
        message.change(at, status="read")
        notify(state, message, at)

    return read


# --- status callbacks -------------------------------------------------------------------------


def status_params(message: Message, at: datetime) -> list[tuple[str, str]]:
    """The form parameters of a status callback (Twilio's set, by channel)."""
    params = [
        ("AccountSid", message.account_sid),
        ("ApiVersion", "2010-04-01"),
    ]
    if message.from_ is not None:
        params.append(("From", message.from_))
    params += [
        ("MessageSid", message.sid),
        ("MessageStatus", message.status),
        ("SmsSid", message.sid),
        ("SmsStatus", message.status),
        ("To", message.to),
    ]
    if message.messaging_service_sid:
        params.append(("MessagingServiceSid", message.messaging_service_sid))
    if message.error_code is not None and message.status in {"failed", "undelivered"}:
        params.append(("ErrorCode", str(message.error_code)))
        params.append(("ErrorMessage", message.error_message or ""))
    if message.status in {"delivered", "undelivered"}:
        # The carrier's delivery receipt time, as Twilio relays it: YYMMDDhhmm.
        params.append(("RawDlrDoneDate", at.strftime("%y%m%d%H%M")))
    if message.channel == "whatsapp":
        params.append(("ChannelPrefix", "whatsapp"))
        params.append(("ChannelToAddress", message.recipient))
        if message.status in {"delivered", "read"}:
            params.append(("EventType", message.status.upper()))
    return params


def notify(state: EmulatorState, message: Message, at: datetime) -> None:
    """Post the message's new status to its StatusCallback, after its earlier callbacks."""
    url = message.status_callback
    account = state.accounts.get(message.account_sid)
    if not url or account is None or account.is_test:
        return
    params = status_params(message, at)
    message.callbacks = state.dispatcher.fire_after(
        message.callbacks,
        lambda: state.dispatcher.send_form(
            kind="message-status", url=url, params=params, auth_token=account.auth_token
        ),
    )


# --- control: handsets ------------------------------------------------------------------------


def _handset_json(handset: Handset) -> dict[str, Any]:
    return {"number": handset.number, "outcome": handset.outcome, "error_code": handset.error_code}


async def set_handset(request: Request) -> Response:
    """``POST /_emulator/handsets`` {"number", "outcome", "error_code"?}: how messages to this
    number end from now on ("delivered" puts the handset back to normal)."""
    state = state_of(request)
    data = await control.read_json(request)
    number = control.e164_field(data, "number", example="+14155550123")
    outcome = control.field_of(data, "outcome", str, required=True)
    if outcome not in {"delivered", "undelivered", "failed", "read"}:
        raise control.ControlError(
            "'outcome' must be delivered, undelivered, failed or read", "outcome"
        )
    code = control.field_of(data, "error_code", int)
    if code is not None and code not in HANDSET_ERRORS:
        allowed = ", ".join(str(c) for c in sorted(HANDSET_ERRORS))
        raise control.ControlError(f"'error_code' must be one of {allowed}", "error_code")
    if code is not None and outcome not in {"undelivered", "failed"}:
        raise control.ControlError(
            "'error_code' applies only to the undelivered and failed outcomes", "error_code"
        )
    store = state.store(MessagingStore)
    handset = Handset(number, cast(Outcome, outcome), code)
    if outcome == "delivered":
        store.handsets.pop(number, None)
    else:
        store.handsets[number] = handset
    return JSONResponse(_handset_json(handset), status_code=201)


async def list_handsets(request: Request) -> Response:
    store = state_of(request).store(MessagingStore)
    return JSONResponse({"handsets": [_handset_json(h) for h in store.handsets.values()]})


async def clear_handsets(request: Request) -> Response:
    state_of(request).store(MessagingStore).handsets.clear()
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return routes_for(
        "/_emulator/handsets", get=list_handsets, post=set_handset, delete=clear_handsets
    )
