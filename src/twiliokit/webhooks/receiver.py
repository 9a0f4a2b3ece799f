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
request goes through the same steps, in one handler (:meth:`WebhookReceiver.handle`) driven by
the kind's row in :data:`~twiliokit.webhooks.kinds.KINDS`:

1. read the body (at most ``max_body_bytes``: 413 above; :mod:`.endpoint`);
2. check ``X-Twilio-Signature`` against the URL Twilio signed (:mod:`.request`). A failure
   answers 403, stores nothing, and logs why (the URL checked, what would have matched),
   never the body;
3. parse the event (the kind's parser); bad input answers 400 naming the problem (never 500);
4. claim the event's dedupe key and record it in the ledger in one transaction (the kind's
   claim key and ledger batch: :mod:`.dedupe`, :mod:`.recording`); a duplicate is recorded as
   such, answered like the original with an empty reply, and goes no further;
5. the kind's follow-up: run the handlers (:mod:`.handlers`): message and call handlers decide
   the TwiML answer within ``reply_timeout``; status, opt-out and Verify handlers run in the
   background after the answer; and queue the event for forwarding (:mod:`.forward`).

This module and :mod:`.endpoint` (the ASGI endpoint per route) are the only ones here that
touch the framework; the rest is pure or plain asyncio.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, TypeVar

from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope

from twiliokit.errors import StorageError, TwiliokitError, ValidationError
from twiliokit.ledger import BatchResult, LedgerBatch, LedgerStore, WebhookDelivery, WebhookKind
from twiliokit.redaction import shown_url
from twiliokit.webhooks.dedupe import make_claim
from twiliokit.webhooks.endpoint import (
    EMPTY_TWIML,
    WebhookEndpoint,
    WebhookObserver,
    _bad_request,
    _error,
    _Reject,
    read_request,
)
from twiliokit.webhooks.events import Event, OptOutChanged, Pairs
from twiliokit.webhooks.forward import Forwarder
from twiliokit.webhooks.handlers import Handlers, Reply
from twiliokit.webhooks.kinds import KINDS, PATHS, KindSpec
from twiliokit.webhooks.request import (
    FORM_TYPE,
    RawRequest,
    check_signature,
    parse_form,
    signed_url,
)
from twiliokit.webhooks.settings import WebhookSettings

__all__ = ["EMPTY_TWIML", "PATHS", "SignatureFailure", "WebhookEndpoint", "WebhookReceiver"]

logger = logging.getLogger("twiliokit.webhooks")

_SHUTDOWN_GRACE: Final = 10.0
#: How many recent signature failures :attr:`WebhookReceiver.signature_failures` keeps.
_RECENT_FAILURES: Final = 100


@dataclasses.dataclass(frozen=True, slots=True)
class SignatureFailure:
    """A request refused for its signature, with the diagnostic that was logged: the URL
    checked (no query string or user info) and why it failed. Never the body."""

    at: datetime
    method: str
    path: str
    peer: str
    url: str
    reasons: str


_T = TypeVar("_T")
_E = TypeVar("_E")


class WebhookReceiver:
    """Checks, records and dispatches Twilio's webhooks; mount :attr:`routes` in any Starlette
    (or FastAPI) app and run :meth:`lifespan` around it (``create_receiver_app`` does both).

    ``ledger`` must be open while requests are served; the receiver does not close it.
    ``clock`` gives the time each delivery is recorded with (UTC now by default).
    ``observe`` is told of each request answered: ``(kind, result, seconds)`` (metrics).
    """

    def __init__(
        self,
        settings: WebhookSettings,
        ledger: LedgerStore | None = None,
        handlers: Handlers | None = None,
        *,
        forwarder: Forwarder | None = None,
        clock: Callable[[], datetime] | None = None,
        observe: WebhookObserver | None = None,
    ) -> None:
        self.settings = settings
        self.observe = observe
        self._ledger = ledger
        self.handlers = handlers if handlers is not None else Handlers()
        self.forwarder = forwarder
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tasks: set[asyncio.Task[Any]] = set()
        #: The latest signature failures in this process, oldest first (the web console).
        self.signature_failures: deque[SignatureFailure] = deque(maxlen=_RECENT_FAILURES)

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
        """The five endpoints by path (what :attr:`routes` mounts), one per row of ``KINDS``."""
        return {
            spec.path: WebhookEndpoint(self, partial(self.handle, spec), spec.methods, spec.name)
            for spec in KINDS.values()
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

    # -- the one handler -------------------------------------------------------------------

    async def handle(self, spec: KindSpec[_E], raw: RawRequest) -> Response:
        """Take one webhook of ``spec``'s kind through every step (the module docstring)."""
        kind = spec.kind
        try:
            if spec.form:
                params, url, valid = self._accept_form(raw, kind)
            else:
                params = ()
                url, valid = self._authenticate(raw, None)
        except _Reject as reject:
            return reject.response
        token = raw.idempotency_token
        try:
            event = spec.parse(params, raw, self._clock)
            sid, received_at, recorded = spec.describe(event, params)
            webhook = WebhookDelivery(
                kind=kind,
                url=url,
                received_at=received_at,
                signature_valid=valid,
                status_code=200,
                key=token,
                sid=sid,
                params=recorded,
            )
            claim = make_claim(kind, spec.claim(event, token, params))
            batch = spec.batch(event, webhook, claim)
        except ValidationError as exc:
            return self._rejected(kind, raw, url, valid, params, exc)
        result = await self._record(batch, spec.duplicate)
        if isinstance(result, Response):
            return result
        return await spec.follow_up(self, event, result)

    async def messaging(self, raw: RawRequest) -> Response:
        """Inbound SMS, MMS and WhatsApp: record, handle, answer TwiML."""
        return await self.handle(KINDS["messaging"], raw)

    async def message_status(self, raw: RawRequest) -> Response:
        """Message status callbacks: record (never backwards), then ``on_status``."""
        return await self.handle(KINDS["message_status"], raw)

    async def voice(self, raw: RawRequest) -> Response:
        """A call asking for TwiML: record, ``on_call``, answer its TwiML."""
        return await self.handle(KINDS["voice"], raw)

    async def call_status(self, raw: RawRequest) -> Response:
        """Call status callbacks: record (never backwards), then ``on_status``."""
        return await self.handle(KINDS["call_status"], raw)

    async def verify(self, raw: RawRequest) -> Response:
        """Verify Events (JSON with ``bodySHA256``): record, then ``on_verify``."""
        return await self.handle(KINDS["verify"], raw)

    # -- steps -----------------------------------------------------------------------------

    async def read(self, scope: Scope, receive: Receive) -> RawRequest:
        """The request as received (413 above ``max_body_bytes``)."""
        return await read_request(scope, receive, self.settings.max_body_bytes)

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
            raise _Reject(self._rejected(kind, raw, url, valid, (), problem))
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
                raise _Reject(self._rejected(kind, raw, url, valid, (), error)) from exc
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
        self.signature_failures.append(
            SignatureFailure(
                at=self._clock(),
                method=raw.method,
                path=raw.path,
                peer=raw.peer or "a unix socket",
                url=shown_url(explained.url),
                reasons=" ".join(explained.reasons) or "The signature is wrong.",
            )
        )
        logger.warning(
            "refused %s %s from %s with 403 (nothing stored): the X-Twilio-Signature does not "
            "match; checked against %s; %s",
            raw.method,
            raw.path,
            raw.peer or "a unix socket",
            shown_url(explained.url),
            " ".join(explained.reasons) or "The signature is wrong.",
        )
        if raw.signature is None:
            message = "the request has no X-Twilio-Signature header"
            hint = (
                "Twilio signs every webhook it sends: this one did not come from Twilio, or a "
                "proxy on the way dropped the header."
            )
        else:
            message = "the X-Twilio-Signature header does not match this request"
            hint = "The server log says which URL was checked and why it failed."
        raise _Reject(_error(403, "signature_invalid", message, hint=hint))

    async def _record(self, batch: LedgerBatch, duplicate: Response) -> BatchResult | Response:
        """Write the batch; the result, or the response to give: ``duplicate`` (the kind's
        answer to a duplicate delivery), or 503 when the ledger failed."""
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
        again = dataclasses.replace(webhook, duplicate=True)  # answered 200 like the first
        try:
            await self.ledger.write(LedgerBatch(webhooks=(again,)))
        except TwiliokitError as exc:
            logger.error("could not record a duplicate delivery: %s", exc)
        logger.info("dropped a duplicate %s delivery for %s", webhook.kind.value, webhook.sid)
        return duplicate

    def _rejected(
        self,
        kind: WebhookKind,
        raw: RawRequest,
        url: str,
        valid: bool,
        params: Pairs,
        problem: ValidationError,
    ) -> Response:
        """Record a signed (or unchecked) request we cannot use; the 400 that answers it."""
        logger.warning("answered 400 to %s %s: %s", raw.method, raw.path, problem.message)
        values = dict(params)
        try:
            webhook = WebhookDelivery(
                kind=kind,
                url=url,
                received_at=self._clock(),
                signature_valid=valid,
                status_code=400,
                key=raw.idempotency_token,
                sid=values.get("MessageSid") or values.get("CallSid") or None,
                params=params,
            )
        except ValidationError:  # too odd to record (an over-long SID or token)
            return _bad_request(problem)

        async def record() -> None:
            try:
                await self.ledger.write(LedgerBatch(webhooks=(webhook,)))
            except TwiliokitError as exc:
                logger.error("could not record a rejected delivery: %s", exc)

        self.spawn(record())
        return _bad_request(problem)

    # -- what the kinds' follow-ups use (webhooks/kinds.py) ---------------------------------

    async def reply(
        self, handling: Coroutine[Any, Any, Reply | None], kind: str, sid: str
    ) -> Reply | None:
        """The handlers' reply if they finish within ``reply_timeout``; else ``None``."""
        task = self.spawn(handling)
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

    def forward(self, event: Event | OptOutChanged) -> None:
        """Hand the event to the forwarder, if any."""
        if self.forwarder is not None:
            self.forwarder.submit(event)

    def spawn(self, work: Awaitable[_T]) -> asyncio.Task[_T]:
        """Run ``work`` in the background; :meth:`drain` and shutdown wait for it."""
        task: asyncio.Task[_T] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
