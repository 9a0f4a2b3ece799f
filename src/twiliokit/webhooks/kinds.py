"""The table the receiver runs: one :class:`KindSpec` per kind of webhook.

The receiver (:meth:`~twiliokit.webhooks.receiver.WebhookReceiver.handle`) takes every webhook
through the same steps; what differs between kinds is written here, once per kind:

==================  ========  =========================  ===================  ====================
kind                reads     ledger batch               dedupe claim         follow-up
==================  ========  =========================  ===================  ====================
``messaging``       form      message (+ consent event)  ``MessageSid``       opt-out handlers,
                                                                              ``on_message`` reply
``message_status``  form      status event (+ stub)      SID and status       ``on_status``
``voice``           form      call, or its status        token, or params     ``on_call`` TwiML
``call_status``     form      call status event          SID and status       ``on_status``
``verify``          JSON      the delivery alone         token, or event ids  ``on_verify``
==================  ========  =========================  ===================  ====================

Parsers are in :mod:`.events`, batches in :mod:`.recording`, claim keys in :mod:`.dedupe`; a
new kind of webhook is a new row here (and a path in :data:`PATHS`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar

from starlette.responses import Response

from twiliokit.errors import ValidationError
from twiliokit.ledger import (
    BatchResult,
    Claim,
    LedgerBatch,
    StatusOutcome,
    WebhookDelivery,
    WebhookKind,
)
from twiliokit.webhooks import recording
from twiliokit.webhooks.dedupe import claim_key
from twiliokit.webhooks.endpoint import (
    _DUPLICATE_EMPTY,
    _DUPLICATE_XML,
    _EMPTY_OK,
    _EMPTY_REPLY,
    EMPTY_TWIML,
    _xml,
)
from twiliokit.webhooks.events import (
    CallReceived,
    CallStatusChanged,
    Event,
    MessageReceived,
    MessageStatusChanged,
    OptOutChanged,
    Pairs,
    StatusChanged,
    VerifyEvent,
    opt_out_event,
    parse_call_received,
    parse_call_status,
    parse_message_received,
    parse_message_status,
    parse_verify_events,
)
from twiliokit.webhooks.handlers import Reply, call_twiml, message_twiml
from twiliokit.webhooks.request import JSON_TYPE, RawRequest

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine

    from twiliokit.webhooks.handlers import Handlers

__all__ = ["KINDS", "PATHS", "KindSpec"]

logger = logging.getLogger("twiliokit.webhooks")

#: The receiver's routes, by name.
PATHS: Final = {
    "messaging": "/webhooks/twilio/messaging",
    "message_status": "/webhooks/twilio/message-status",
    "voice": "/webhooks/twilio/voice",
    "call_status": "/webhooks/twilio/call-status",
    "verify": "/webhooks/twilio/verify",
}

_E = TypeVar("_E")
Clock = Callable[[], datetime]
#: What the ledger's delivery record names: (SID, when it was received, parameters kept).
Described = tuple[str | None, datetime, Pairs]


_T = TypeVar("_T")


class Dispatch(Protocol):
    """What a kind's follow-up asks of the receiver (:class:`~.receiver.WebhookReceiver`)."""

    @property
    def handlers(self) -> Handlers:
        """The handlers events are handed to."""
        ...

    def spawn(self, work: Awaitable[_T]) -> asyncio.Task[_T]:
        """Run ``work`` in the background, awaited at shutdown."""
        ...

    def forward(self, event: Event | OptOutChanged) -> None:
        """Hand the event to the forwarder, if any."""
        ...

    async def reply(
        self, handling: Coroutine[Any, Any, Reply | None], kind: str, sid: str
    ) -> Reply | None:
        """The handlers' reply if they finish in time, else ``None``."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class KindSpec(Generic[_E]):
    """How the receiver handles one kind of webhook (``_E``: what its parser gives)."""

    #: The route's name: its key in :data:`PATHS`, and the kind the ``observe`` hook is told.
    name: str
    #: What the ledger files the delivery (and its dedupe claim) under.
    kind: WebhookKind
    #: Form-encoded (the body, or on ``GET`` the signed query string), else JSON.
    form: bool
    #: The event(s) from the form parameters (``()`` for JSON) or the request; raises
    #: :class:`~twiliokit.errors.ValidationError` (answered 400) on bad input.
    parse: Callable[[Pairs, RawRequest, Clock], _E]
    #: What the delivery record names, from the event(s) and the form parameters.
    describe: Callable[[_E, Pairs], Described]
    #: The dedupe key (:func:`~twiliokit.webhooks.dedupe.claim_key`), from the event(s), the
    #: idempotency token and the form parameters.
    claim: Callable[[_E, str | None, Pairs], str]
    #: The ledger batch written in the claim's transaction (:mod:`.recording`).
    batch: Callable[[_E, WebhookDelivery, Claim], LedgerBatch]
    #: Once recorded: run or start the handlers, forward, and give the answer.
    follow_up: Callable[[Dispatch, _E, BatchResult], Awaitable[Response]]
    #: The answer to a duplicate delivery.
    duplicate: Response

    @property
    def path(self) -> str:
        """Where the route is mounted."""
        return PATHS[self.name]

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods the route takes (a number's ``SmsMethod``/``VoiceMethod`` may say GET)."""
        return ("POST", "GET") if self.form else ("POST",)


# -- messaging -------------------------------------------------------------------------------

_Inbound = tuple[MessageReceived, OptOutChanged | None]


def _parse_message(params: Pairs, raw: RawRequest, clock: Clock) -> _Inbound:
    event = parse_message_received(
        params, received_at=clock(), idempotency_token=raw.idempotency_token
    )
    return event, opt_out_event(event)


def _message_batch(inbound: _Inbound, webhook: WebhookDelivery, claim: Claim) -> LedgerBatch:
    return recording.message_batch(inbound[0], inbound[1], webhook, claim)


async def _answer_message(receiver: Dispatch, inbound: _Inbound, result: BatchResult) -> Response:
    """Opt-out handlers in the background; ``on_message`` decides the TwiML (no reply to a
    keyword: Twilio answers those itself)."""
    event, opt_out = inbound
    if opt_out is not None:
        receiver.spawn(receiver.handlers.opt_out(opt_out))
        receiver.forward(opt_out)
    receiver.forward(event)
    reply = None
    if receiver.handlers.message_handlers:
        reply = await receiver.reply(receiver.handlers.message(event), "on_message", event.sid)
    if opt_out is not None and reply is not None:
        logger.info(
            "not replying to %s: it is a %s keyword, which Twilio answers itself",
            event.sid,
            opt_out.action.value.upper(),
        )
        reply = None
    return _twiml(message_twiml, reply, event.sid)


# -- voice -----------------------------------------------------------------------------------


def _parse_call(params: Pairs, raw: RawRequest, clock: Clock) -> CallReceived:
    return parse_call_received(params, received_at=clock(), idempotency_token=raw.idempotency_token)


async def _answer_call(receiver: Dispatch, event: CallReceived, _: BatchResult) -> Response:
    """``on_call`` decides the TwiML."""
    receiver.forward(event)
    reply = None
    if receiver.handlers.call_handlers:
        reply = await receiver.reply(receiver.handlers.call(event), "on_call", event.sid)
    return _twiml(call_twiml, reply, event.sid)


def _twiml(render: Callable[[Reply | None], str], reply: Reply | None, sid: str) -> Response:
    try:
        return _xml(render(reply))
    except ValidationError as exc:
        logger.error("the reply to %s is not valid TwiML (%s); answered empty", sid, exc.message)
        return _xml(EMPTY_TWIML)


# -- status callbacks ------------------------------------------------------------------------


def _parse_message_status(params: Pairs, raw: RawRequest, clock: Clock) -> MessageStatusChanged:
    return parse_message_status(
        params, received_at=clock(), idempotency_token=raw.idempotency_token
    )


def _parse_call_status(params: Pairs, raw: RawRequest, clock: Clock) -> CallStatusChanged:
    return parse_call_status(params, received_at=clock(), idempotency_token=raw.idempotency_token)


def _status_key(
    kind: WebhookKind,
) -> Callable[[MessageStatusChanged | CallStatusChanged, str | None, Pairs], str]:
    def key(event: MessageStatusChanged | CallStatusChanged, token: str | None, _: Pairs) -> str:
        return claim_key(kind, token=token, sid=event.sid, status=event.status)

    return key


async def _message_status_changed(
    receiver: Dispatch, event: MessageStatusChanged, result: BatchResult
) -> Response:
    _status_changed(receiver, event, result.statuses[0])
    return _EMPTY_REPLY


async def _call_status_changed(
    receiver: Dispatch, event: CallStatusChanged, result: BatchResult
) -> Response:
    _status_changed(receiver, event, result.call_statuses[0])
    return _EMPTY_REPLY


def _status_changed(
    receiver: Dispatch,
    event: MessageStatusChanged | CallStatusChanged,
    outcome: StatusOutcome,
) -> None:
    """``on_status`` in the background (with the ledger's outcome), unless the ledger knew this
    status already (from the API or a poll)."""
    if outcome is StatusOutcome.DUPLICATE:
        return
    changed = dataclasses.replace(event, outcome=outcome)
    receiver.spawn(receiver.handlers.status(changed))
    receiver.forward(changed)


# -- verify ----------------------------------------------------------------------------------

_VerifyEvents = tuple[VerifyEvent, ...]


def _parse_verify(_: Pairs, raw: RawRequest, clock: Clock) -> _VerifyEvents:
    if raw.content_type != JSON_TYPE:
        raise ValidationError(
            f"this endpoint takes {JSON_TYPE} (Verify Events), not "
            f"{raw.content_type or 'an unnamed content type'}",
            field="content-type",
            hint=f"Form webhooks go to {PATHS['messaging']} and the other form routes.",
        )
    try:
        document = json.loads(raw.body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("the body is not valid JSON", field="body") from None
    return parse_verify_events(document, received_at=clock())


def _describe_verify(events: _VerifyEvents, _: Pairs) -> Described:
    sid = next((e.verification_sid for e in events if e.verification_sid), None)
    return sid, events[0].received_at, recording.verify_summary(events)


async def _verified(receiver: Dispatch, events: _VerifyEvents, _: BatchResult) -> Response:
    """``on_verify`` in the background, per event."""
    for event in events:
        receiver.spawn(receiver.handlers.verify(event))
        receiver.forward(event)
    return _EMPTY_OK


# -- the table -------------------------------------------------------------------------------


def _described(event: StatusChanged | CallReceived, params: Pairs) -> Described:
    return event.sid, event.received_at, params


def _describe_message(inbound: _Inbound, params: Pairs) -> Described:
    return inbound[0].sid, inbound[0].received_at, params


def _message_key(inbound: _Inbound, token: str | None, _: Pairs) -> str:
    return claim_key(WebhookKind.INCOMING_MESSAGE, token=token, sid=inbound[0].sid)


def _call_key(event: CallReceived, token: str | None, params: Pairs) -> str:
    # <Gather> and <Redirect> post the same CallSid again: the parameters tell them apart.
    return claim_key(WebhookKind.INCOMING_CALL, token=token, sid=event.sid, params=params)


def _verify_key(events: _VerifyEvents, token: str | None, _: Pairs) -> str:
    return claim_key(WebhookKind.OTHER, token=token, ids=[event.id for event in events])


def _verify_batch(_: _VerifyEvents, webhook: WebhookDelivery, claim: Claim) -> LedgerBatch:
    return recording.verify_batch(webhook, claim)


# Each row declared with its type (KindSpec[...]) so that mypy checks its parts fit together.
_MESSAGING: Final[KindSpec[_Inbound]] = KindSpec(
    name="messaging",
    kind=WebhookKind.INCOMING_MESSAGE,
    form=True,
    parse=_parse_message,
    describe=_describe_message,
    claim=_message_key,
    batch=_message_batch,
    follow_up=_answer_message,
    duplicate=_DUPLICATE_XML,
)
_MESSAGE_STATUS: Final[KindSpec[MessageStatusChanged]] = KindSpec(
    name="message_status",
    kind=WebhookKind.MESSAGE_STATUS,
    form=True,
    parse=_parse_message_status,
    describe=_described,
    claim=_status_key(WebhookKind.MESSAGE_STATUS),
    batch=recording.status_batch,
    follow_up=_message_status_changed,
    duplicate=_DUPLICATE_XML,
)
_VOICE: Final[KindSpec[CallReceived]] = KindSpec(
    name="voice",
    kind=WebhookKind.INCOMING_CALL,
    form=True,
    parse=_parse_call,
    describe=_described,
    claim=_call_key,
    batch=recording.call_batch,
    follow_up=_answer_call,
    duplicate=_DUPLICATE_XML,
)
_CALL_STATUS: Final[KindSpec[CallStatusChanged]] = KindSpec(
    name="call_status",
    kind=WebhookKind.CALL_STATUS,
    form=True,
    parse=_parse_call_status,
    describe=_described,
    claim=_status_key(WebhookKind.CALL_STATUS),
    batch=recording.call_status_batch,
    follow_up=_call_status_changed,
    duplicate=_DUPLICATE_XML,
)
_VERIFY: Final[KindSpec[_VerifyEvents]] = KindSpec(
    name="verify",
    kind=WebhookKind.OTHER,
    form=False,
    parse=_parse_verify,
    describe=_describe_verify,
    claim=_verify_key,
    batch=_verify_batch,
    follow_up=_verified,
    duplicate=_DUPLICATE_EMPTY,
)

#: Every kind of webhook the receiver takes, by route name (the order of :data:`PATHS`).
KINDS: Final[dict[str, KindSpec[Any]]] = {
    spec.name: spec for spec in (_MESSAGING, _MESSAGE_STATUS, _VOICE, _CALL_STATUS, _VERIFY)
}
