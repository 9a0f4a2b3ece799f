"""The webhook receiver: Starlette routes that check, record, dedupe and hand events on.

=====================================  ============================================  =========
Route                                  What Twilio sends                             Answer
=====================================  ============================================  =========
``POST /webhooks/twilio/messaging``    inbound SMS, MMS, WhatsApp (form)             TwiML
``POST /webhooks/twilio/message-status`` message status callbacks (form)             empty
``POST /webhooks/twilio/voice``        a call asking for TwiML (form)                TwiML
``POST /webhooks/twilio/call-status``  call status callbacks (form)                  empty
``POST /webhooks/twilio/verify``       Verify Events (JSON, ``bodySHA256``)          200
=====================================  ============================================  =========

The form routes also take ``GET`` (a number's ``SmsMethod``/``VoiceMethod`` may say so). Every
request goes through the same steps:

1. read the body (at most ``max_body_bytes``: 413 above);
2. check ``X-Twilio-Signature`` against the URL Twilio signed (:mod:`.request`). A failure
   answers 403, stores nothing, and logs why (the URL checked, what would have matched),
   never the body;
3. parse the event; bad input answers 400 naming the problem (never 500);
4. claim the event's dedupe key and record it in the ledger in one transaction
   (:mod:`.dedupe`, :mod:`.recording`); a duplicate is recorded as such, answered like the
   original with an empty reply, and goes no further;
5. run the handlers (:mod:`.handlers`): message and call handlers decide the TwiML answer
   within ``reply_timeout``; status, opt-out and Verify handlers run in the background after
   the answer; and queue the event for forwarding (:mod:`.forward`).

This module is the only one here that touches the framework; the rest is pure or plain asyncio.
Each route's endpoint is a plain ASGI app (:class:`WebhookEndpoint`) rather than a Starlette
request handler: at thousands of webhooks a second, Starlette's per-request ``Request`` and
exception-handling wrappers cost about as much as everything the receiver itself does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from starlette.datastructures import URL
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from twiliokit import twiml
from twiliokit.errors import StorageError, TwiliokitError, ValidationError
from twiliokit.ledger import (
    BatchResult,
    LedgerBatch,
    LedgerStore,
    StatusOutcome,
    WebhookDelivery,
    WebhookKind,
)
from twiliokit.webhooks import recording
from twiliokit.webhooks.dedupe import claim_key, make_claim
from twiliokit.webhooks.events import (
    CallReceived,
    CallStatusChanged,
    Event,
    MessageReceived,
    MessageStatusChanged,
    OptOutChanged,
    Pairs,
    VerifyEvent,
    opt_out_event,
    parse_call_received,
    parse_call_status,
    parse_message_received,
    parse_message_status,
    parse_verify_events,
)
from twiliokit.webhooks.forward import Forwarder
from twiliokit.webhooks.handlers import Handlers, Reply, call_twiml, message_twiml
from twiliokit.webhooks.request import (
    FORM_TYPE,
    JSON_TYPE,
    RawRequest,
    check_signature,
    parse_form,
    shown_url,
    signed_url,
)
from twiliokit.webhooks.settings import WebhookSettings

__all__ = ["EMPTY_TWIML", "PATHS", "WebhookEndpoint", "WebhookReceiver"]

logger = logging.getLogger("twiliokit.webhooks")

#: The receiver's routes, by name.
PATHS: Final = {
    "messaging": "/webhooks/twilio/messaging",
    "message_status": "/webhooks/twilio/message-status",
    "voice": "/webhooks/twilio/voice",
    "call_status": "/webhooks/twilio/call-status",
    "verify": "/webhooks/twilio/verify",
}
#: What a webhook answers when there is nothing to say (also every duplicate's answer).
EMPTY_TWIML: Final = str(twiml.Response())
_XML: Final = "text/xml"
_SHUTDOWN_GRACE: Final = 10.0

_T = TypeVar("_T")


class _Reject(Exception):
    """Stop handling a request and answer with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


class _Gone(Exception):
    """The client disconnected before its request body arrived: there is nobody to answer."""


_RouteHandler = Callable[[RawRequest], Awaitable[Response]]


class WebhookEndpoint:
    """One webhook route as an ASGI app: read the request, answer what the receiver says.

    ``methods`` are those the route takes (Starlette's ``Route`` answers 405 to others).
    """

    def __init__(self, receiver: WebhookReceiver, handle: _RouteHandler, methods: tuple[str, ...]):
        self.receiver = receiver
        self.handle = handle
        self.methods = methods

    def __repr__(self) -> str:
        return f"WebhookEndpoint({getattr(self.handle, '__name__', self.handle)!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            raw = await self.receiver.read(scope, receive)
        except _Reject as reject:
            response = reject.response
        except _Gone:
            return
        else:
            response = await self.handle(raw)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": response.raw_headers,
            }
        )
        await send({"type": "http.response.body", "body": response.body})


def _error(
    status: int, error_type: str, message: str, *, field: str | None = None, hint: str | None = None
) -> JSONResponse:
    body = {"error": {"type": error_type, "message": message, "field": field, "hint": hint}}
    return JSONResponse(body, status_code=status)


def _bad_request(exc: TwiliokitError) -> JSONResponse:
    return _error(400, "validation_error", exc.message, field=exc.field, hint=exc.hint)


def _xml(text: str) -> Response:
    if text == EMPTY_TWIML:
        return _EMPTY_REPLY
    return Response(text, media_type=_XML)


#: The empty answer, built once: only its status, headers and body are ever read
#: (:class:`WebhookEndpoint` sends them), so every request can share it.
_EMPTY_REPLY: Final = Response(EMPTY_TWIML, media_type=_XML)


class WebhookReceiver:
    """Checks, records and dispatches Twilio's webhooks; mount :attr:`routes` in any Starlette
    (or FastAPI) app and run :meth:`lifespan` around it (``create_receiver_app`` does both).

    ``ledger`` must be open while requests are served; the receiver does not close it.
    ``clock`` gives the time each delivery is recorded with (UTC now by default).
    """

    def __init__(
        self,
        settings: WebhookSettings,
        ledger: LedgerStore | None = None,
        handlers: Handlers | None = None,
        *,
        forwarder: Forwarder | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self._ledger = ledger
        self.handlers = handlers if handlers is not None else Handlers()
        self.forwarder = forwarder
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        return f"WebhookReceiver({self.settings!r}, {self.handlers!r})"

    @property
    def ledger(self) -> LedgerStore:
        """The ledger events are recorded in."""
        if self._ledger is None:
            raise StorageError("the webhook receiver has no ledger yet (it opens at startup)")
        return self._ledger

    @ledger.setter
    def ledger(self, ledger: LedgerStore) -> None:
        self._ledger = ledger

    @property
    def routes(self) -> list[BaseRoute]:
        """The five webhook routes (see the module docstring)."""
        return [
            Route(path, endpoint, methods=list(endpoint.methods))
            for path, endpoint in self.endpoints.items()
        ]

    @property
    def endpoints(self) -> dict[str, WebhookEndpoint]:
        """The five endpoints by path (what :attr:`routes` mounts)."""
        form = ("POST", "GET")
        return {
            PATHS["messaging"]: WebhookEndpoint(self, self.messaging, form),
            PATHS["message_status"]: WebhookEndpoint(self, self.message_status, form),
            PATHS["voice"]: WebhookEndpoint(self, self.voice, form),
            PATHS["call_status"]: WebhookEndpoint(self, self.call_status, form),
            PATHS["verify"]: WebhookEndpoint(self, self.verify, ("POST",)),
        }

    async def start(self) -> None:
        """Start the forwarder, if any."""
        if self.forwarder is not None:
            await self.forwarder.start()

    async def drain(self) -> None:
        """Wait for every background handler started so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Let background handlers finish (briefly), then stop forwarding."""
        try:
            await asyncio.wait_for(self.drain(), _SHUTDOWN_GRACE)
        except TimeoutError:
            logger.warning("stopping with %d webhook handlers still running", len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
        if self.forwarder is not None:
            await self.forwarder.aclose()

    # -- routes ----------------------------------------------------------------------------

    async def messaging(self, raw: RawRequest) -> Response:
        """Inbound SMS, MMS and WhatsApp: record, handle, answer TwiML."""
        kind = WebhookKind.INCOMING_MESSAGE
        try:
            params, url, valid = self._accept_form(raw, kind)

            def plan() -> tuple[MessageReceived, OptOutChanged | None, LedgerBatch]:
                event = parse_message_received(
                    params, received_at=self._clock(), idempotency_token=raw.idempotency_token
                )
                opt_out = opt_out_event(event)
                webhook = self._delivery(
                    kind, raw, url, valid, params, event.sid, event.received_at
                )
                claim = make_claim(
                    kind, claim_key(kind, token=raw.idempotency_token, sid=event.sid)
                )
                return event, opt_out, recording.message_batch(event, opt_out, webhook, claim)

            event, opt_out, batch = self._parse(kind, raw, url, valid, params, plan)
        except _Reject as reject:
            return reject.response
        result = await self._record(batch)
        if isinstance(result, Response):
            return result
        if opt_out is not None:
            self._spawn(self.handlers.opt_out(opt_out))
            self._forward(opt_out)
        self._forward(event)
        reply = None
        if self.handlers.message_handlers:
            reply = await self._reply(self.handlers.message(event), "on_message", event.sid)
        if opt_out is not None and reply is not None:
            logger.info(
                "not replying to %s: it is a %s keyword, which Twilio answers itself",
                event.sid,
                opt_out.action.value.upper(),
            )
            reply = None
        return self._twiml(message_twiml, reply, event.sid)

    async def message_status(self, raw: RawRequest) -> Response:
        """Message status callbacks: record (never backwards), then ``on_status``."""
        kind = WebhookKind.MESSAGE_STATUS
        try:
            params, url, valid = self._accept_form(raw, kind)

            def plan() -> tuple[MessageStatusChanged, LedgerBatch]:
                event = parse_message_status(
                    params, received_at=self._clock(), idempotency_token=raw.idempotency_token
                )
                webhook = self._delivery(
                    kind, raw, url, valid, params, event.sid, event.received_at
                )
                key = claim_key(
                    kind, token=raw.idempotency_token, sid=event.sid, status=event.status
                )
                return event, recording.status_batch(event, webhook, make_claim(kind, key))

            event, batch = self._parse(kind, raw, url, valid, params, plan)
        except _Reject as reject:
            return reject.response
        result = await self._record(batch)
        if isinstance(result, Response):
            return result
        self._status_changed(event, result.statuses[0])
        return _xml(EMPTY_TWIML)

    async def voice(self, raw: RawRequest) -> Response:
        """A call asking for TwiML: record, ``on_call``, answer its TwiML."""
        kind = WebhookKind.INCOMING_CALL
        try:
            params, url, valid = self._accept_form(raw, kind)

            def plan() -> tuple[CallReceived, LedgerBatch]:
                event = parse_call_received(
                    params, received_at=self._clock(), idempotency_token=raw.idempotency_token
                )
                webhook = self._delivery(
                    kind, raw, url, valid, params, event.sid, event.received_at
                )
                key = claim_key(kind, token=raw.idempotency_token, sid=event.sid, params=params)
                return event, recording.call_batch(event, webhook, make_claim(kind, key))

            event, batch = self._parse(kind, raw, url, valid, params, plan)
        except _Reject as reject:
            return reject.response
        result = await self._record(batch)
        if isinstance(result, Response):
            return result
        self._forward(event)
        reply = None
        if self.handlers.call_handlers:
            reply = await self._reply(self.handlers.call(event), "on_call", event.sid)
        return self._twiml(call_twiml, reply, event.sid)

    async def call_status(self, raw: RawRequest) -> Response:
        """Call status callbacks: record (never backwards), then ``on_status``."""
        kind = WebhookKind.CALL_STATUS
        try:
            params, url, valid = self._accept_form(raw, kind)

            def plan() -> tuple[CallStatusChanged, LedgerBatch]:
                event = parse_call_status(
                    params, received_at=self._clock(), idempotency_token=raw.idempotency_token
                )
                webhook = self._delivery(
                    kind, raw, url, valid, params, event.sid, event.received_at
                )
                key = claim_key(
                    kind, token=raw.idempotency_token, sid=event.sid, status=event.status
                )
                return event, recording.call_status_batch(event, webhook, make_claim(kind, key))

            event, batch = self._parse(kind, raw, url, valid, params, plan)
        except _Reject as reject:
            return reject.response
        result = await self._record(batch)
        if isinstance(result, Response):
            return result
        self._status_changed(event, result.call_statuses[0])
        return _xml(EMPTY_TWIML)

    async def verify(self, raw: RawRequest) -> Response:
        """Verify Events (JSON with ``bodySHA256``): record, then ``on_verify``."""
        kind = WebhookKind.OTHER
        try:
            url, valid = self._authenticate(raw, None)

            def plan() -> tuple[tuple[VerifyEvent, ...], LedgerBatch]:
                events = self._verify_events(raw)
                sid = next((e.verification_sid for e in events if e.verification_sid), None)
                summary = recording.verify_summary(events)
                webhook = self._delivery(kind, raw, url, valid, summary, sid, events[0].received_at)
                key = claim_key(kind, token=raw.idempotency_token, ids=[e.id for e in events])
                return events, recording.verify_batch(webhook, make_claim(kind, key))

            events, batch = self._parse(kind, raw, url, valid, (), plan)
        except _Reject as reject:
            return reject.response
        result = await self._record(batch, empty=Response(status_code=200))
        if isinstance(result, Response):
            return result
        for event in events:
            self._spawn(self.handlers.verify(event))
            self._forward(event)
        return Response(status_code=200)

    # -- steps -----------------------------------------------------------------------------

    async def read(self, scope: Scope, receive: Receive) -> RawRequest:
        """The request as received (413 above ``max_body_bytes``; :class:`_Gone` when the
        client left before sending its body)."""
        received = scope["headers"]
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in received
        }
        if len(headers) != len(received):  # a repeated header: its values joined, in order
            headers = {}
            for name, value in received:
                key, text = name.decode("latin-1").lower(), value.decode("latin-1")
                headers[key] = f"{headers[key]}, {text}" if key in headers else text
        limit = self.settings.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Reject(_error(413, "too_large", f"the body is over {limit} bytes"))
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Reject(_error(413, "too_large", f"the body is over {limit} bytes"))
            chunks.append(chunk)
            more = message.get("more_body", False)
        raw_path = scope.get("raw_path")
        # Some servers put the query in raw_path too; the query string is taken separately.
        path = (
            raw_path.partition(b"?")[0].decode("latin-1")
            if isinstance(raw_path, bytes) and raw_path
            else URL(scope=scope).path
        )
        client = scope.get("client")
        server = scope.get("server")
        return RawRequest(
            method=scope["method"],
            scheme=scope.get("scheme", "http"),
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            peer=client[0] if client else None,
            body=chunks[0] if len(chunks) == 1 else b"".join(chunks),
            server=f"{server[0]}:{server[1]}" if server and server[1] else None,
        )

    def _accept_form(self, raw: RawRequest, kind: WebhookKind) -> tuple[Pairs, str, bool]:
        """Parse a form request and check its signature: (params, URL, signed)."""
        problem: ValidationError | None = None
        params: Pairs | None
        if raw.method == "GET":
            params = ()
        elif raw.content_type not in {FORM_TYPE, ""}:
            params, problem = (
                None,
                ValidationError(
                    f"this endpoint takes {FORM_TYPE} (Twilio's {kind.value} webhook), not "
                    f"{raw.content_type}",
                    field="content-type",
                    hint=f"JSON webhooks (Verify) go to {PATHS['verify']}.",
                ),
            )
        else:
            try:
                params = parse_form(raw.body)
            except ValidationError as exc:
                params, problem = None, exc
        url, valid = self._authenticate(raw, params)
        if problem is not None:
            self._reject_bad_input(kind, raw, url, valid, (), problem)
        if raw.method == "GET":
            # Twilio sent the parameters in the (signed) query string.
            try:
                params = parse_form(raw.query.encode("latin-1"))
            except (ValidationError, UnicodeError) as exc:
                error = (
                    exc
                    if isinstance(exc, ValidationError)
                    else ValidationError("the query string is not form-encoded", field="query")
                )
                self._reject_bad_input(kind, raw, url, valid, (), error)
        assert params is not None
        return params, url, valid

    def _authenticate(self, raw: RawRequest, params: Pairs | None) -> tuple[str, bool]:
        """(the URL checked, whether the signature is valid); 403 when it must be and is not."""
        settings = self.settings
        if not settings.auth_token:  # only possible with validation turned off
            return signed_url(raw, settings), False
        check = check_signature(raw, settings, params=params, explain=False)
        if check.valid or not settings.validate_signatures:
            return check.url, check.valid
        explained = check_signature(raw, settings, params=params, explain=True)
        logger.warning(
            "refused %s %s from %s with 403 (nothing stored): the X-Twilio-Signature does not "
            "match; checked against %s; %s",
            raw.method,
            raw.path,
            raw.peer or "a unix socket",
            shown_url(explained.url),
            " ".join(explained.reasons) or "The signature is wrong.",
        )
        raise _Reject(
            _error(
                403,
                "signature_invalid",
                "the X-Twilio-Signature header does not match this request",
                hint="The server log says which URL was checked and why it failed.",
            )
        )

    def _parse(
        self,
        kind: WebhookKind,
        raw: RawRequest,
        url: str,
        valid: bool,
        params: Pairs,
        parse: Callable[[], _T],
    ) -> _T:
        try:
            return parse()
        except ValidationError as exc:
            self._note_rejected(kind, raw, url, valid, params, exc)
            raise _Reject(_bad_request(exc)) from None

    def _verify_events(self, raw: RawRequest) -> tuple[VerifyEvent, ...]:
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
        return parse_verify_events(document, received_at=self._clock())

    def _delivery(
        self,
        kind: WebhookKind,
        raw: RawRequest,
        url: str,
        valid: bool,
        params: Pairs,
        sid: str | None,
        received_at: datetime,
        *,
        status_code: int = 200,
        duplicate: bool = False,
    ) -> WebhookDelivery:
        return recording.delivery(
            kind,
            url=url,
            received_at=received_at,
            signature_valid=valid,
            status_code=status_code,
            token=raw.idempotency_token,
            sid=sid,
            params=params,
            duplicate=duplicate,
        )

    async def _record(
        self, batch: LedgerBatch, *, empty: Response | None = None
    ) -> BatchResult | Response:
        """Write the batch; the result, or the response to give (duplicate, storage failure)."""
        webhook = batch.webhooks[0]
        try:
            result = await self.ledger.write(batch)
        except TwiliokitError as exc:
            logger.error(
                "could not record a %s delivery (answered 503): %s", webhook.kind.value, exc
            )
            return _error(503, "storage_error", "the ledger is unavailable; try again")
        if result.claimed:
            return result
        duplicate = recording.delivery(
            webhook.kind,
            url=webhook.url,
            received_at=webhook.received_at,
            signature_valid=webhook.signature_valid,
            status_code=200,
            token=webhook.key,
            sid=webhook.sid,
            params=webhook.params,
            duplicate=True,
        )
        try:
            await self.ledger.write(LedgerBatch(webhooks=(duplicate,)))
        except TwiliokitError as exc:
            logger.error("could not record a duplicate delivery: %s", exc)
        logger.info("dropped a duplicate %s delivery for %s", webhook.kind.value, webhook.sid)
        return empty if empty is not None else _xml(EMPTY_TWIML)

    def _reject_bad_input(
        self,
        kind: WebhookKind,
        raw: RawRequest,
        url: str,
        valid: bool,
        params: Pairs,
        problem: ValidationError,
    ) -> None:
        """Record a signed (or unchecked) request we cannot use, and answer it 400."""
        self._note_rejected(kind, raw, url, valid, params, problem)
        raise _Reject(_bad_request(problem))

    def _note_rejected(
        self,
        kind: WebhookKind,
        raw: RawRequest,
        url: str,
        valid: bool,
        params: Pairs,
        problem: ValidationError,
    ) -> None:
        logger.warning("answered 400 to %s %s: %s", raw.method, raw.path, problem.message)
        values = dict(params)
        sid = values.get("MessageSid") or values.get("CallSid") or None
        try:
            webhook = self._delivery(
                kind, raw, url, valid, params, sid, self._clock(), status_code=400
            )
        except ValidationError:  # too odd to record (an over-long SID or token)
            return

        async def record() -> None:
            try:
                await self.ledger.write(LedgerBatch(webhooks=(webhook,)))
            except TwiliokitError as exc:
                logger.error("could not record a rejected delivery: %s", exc)

        self._spawn(record())

    def _status_changed(
        self, event: MessageStatusChanged | CallStatusChanged, outcome: StatusOutcome
    ) -> None:
        if outcome is StatusOutcome.DUPLICATE:
            return  # the ledger knew this status already (from the API or a poll)
        changed = _with_outcome(event, outcome)
        self._spawn(self.handlers.status(changed))
        self._forward(changed)

    async def _reply(
        self, handling: Coroutine[Any, Any, Reply | None], kind: str, sid: str
    ) -> Reply | None:
        """The handlers' reply if they finish within ``reply_timeout``; else ``None``."""
        task = self._spawn(handling)
        # What asyncio.wait({task}, timeout=...) does, without its sets and extra callbacks
        # (a measurable share of a webhook's CPU time).
        loop = asyncio.get_running_loop()
        settled = loop.create_future()
        timer = loop.call_later(self.settings.reply_timeout, _settle, settled)
        task.add_done_callback(lambda _: _settle(settled))
        try:
            await settled
        finally:
            timer.cancel()
        if task.done():
            return task.result()
        logger.warning(
            "%s handlers for %s ran longer than %.0f s: answered without their reply (they go "
            "on running; send a late reply with the REST API instead)",
            kind,
            sid,
            self.settings.reply_timeout,
        )
        return None

    def _twiml(
        self, render: Callable[[Reply | None], str], reply: Reply | None, sid: str
    ) -> Response:
        try:
            return _xml(render(reply))
        except ValidationError as exc:
            logger.error(
                "the reply to %s is not valid TwiML (%s); answered empty", sid, exc.message
            )
            return _xml(EMPTY_TWIML)

    def _forward(self, event: Event | OptOutChanged) -> None:
        if self.forwarder is not None:
            self.forwarder.submit(event)

    def _spawn(self, work: Awaitable[_T]) -> asyncio.Task[_T]:
        task: asyncio.Task[_T] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _with_outcome(
    event: MessageStatusChanged | CallStatusChanged, outcome: StatusOutcome
) -> MessageStatusChanged | CallStatusChanged:
    return dataclasses.replace(event, outcome=outcome)
