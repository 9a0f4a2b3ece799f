"""A small registry of webhook handlers: what an agent runs when Twilio calls back.

::

    handlers = Handlers()

    @handlers.on_message
    async def answer(event: MessageReceived) -> str | None:
        return f"Got it: {event.body}"        # replies with <Message>

    @handlers.on_status
    def track(event: StatusChanged) -> None:   # sync handlers run in a worker thread
        print(event.sid, event.status)

Handlers run after the event is recorded in the ledger, once per event (duplicates never
reach them), in registration order. ``on_message`` may return a reply: a ``str`` (sent as
``<Message>``) or a :class:`twiliokit.twiml.Response`; ``on_call`` may return a ``Response``
or a ``str`` (spoken with ``<Say>``). The first handler that returns something decides the
reply. A handler that raises is logged (its type and where, never the exception's message or
the event: they may carry message text and phone numbers) and the event stays recorded.
"""

from __future__ import annotations

import functools
import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, TypeVar

import anyio.to_thread

from twiliokit import twiml
from twiliokit.webhooks.events import (
    CallReceived,
    MessageReceived,
    OptOutChanged,
    StatusChanged,
    VerifyEvent,
)

__all__ = [
    "CallHandler",
    "Handlers",
    "MessageHandler",
    "OptOutHandler",
    "Reply",
    "StatusHandler",
    "VerifyHandler",
    "call_twiml",
    "message_twiml",
]

logger = logging.getLogger("twiliokit.webhooks")

Reply: TypeAlias = str | twiml.Response
MessageHandler: TypeAlias = Callable[[MessageReceived], Reply | Awaitable[Reply | None] | None]
CallHandler: TypeAlias = Callable[[CallReceived], Reply | Awaitable[Reply | None] | None]
StatusHandler: TypeAlias = Callable[[StatusChanged], object]
OptOutHandler: TypeAlias = Callable[[OptOutChanged], object]
VerifyHandler: TypeAlias = Callable[[VerifyEvent], object]

_H = TypeVar("_H", bound=Callable[..., Any])


class Handlers:
    """Handlers per event kind; register with the ``on_*`` decorators (or call them)."""

    def __init__(self) -> None:
        self.message_handlers: list[MessageHandler] = []
        self.call_handlers: list[CallHandler] = []
        self.status_handlers: list[StatusHandler] = []
        self.opt_out_handlers: list[OptOutHandler] = []
        self.verify_handlers: list[VerifyHandler] = []

    def __repr__(self) -> str:
        counts = {
            "message": len(self.message_handlers),
            "call": len(self.call_handlers),
            "status": len(self.status_handlers),
            "opt_out": len(self.opt_out_handlers),
            "verify": len(self.verify_handlers),
        }
        shown = ", ".join(f"{name}={count}" for name, count in counts.items() if count)
        return f"Handlers({shown})"

    @classmethod
    def combined(cls, *registries: Handlers | None) -> Handlers:
        """One registry holding the handlers of each of ``registries`` (``None`` skipped), in
        the order given; the registries themselves are left as they are."""
        joined = cls()
        for registry in registries:
            if registry is None:
                continue
            joined.message_handlers += registry.message_handlers
            joined.call_handlers += registry.call_handlers
            joined.status_handlers += registry.status_handlers
            joined.opt_out_handlers += registry.opt_out_handlers
            joined.verify_handlers += registry.verify_handlers
        return joined

    def on_message(self, handler: _H) -> _H:
        """Run ``handler(MessageReceived)`` for each inbound message; it may return a reply."""
        return _register(self.message_handlers, handler, "on_message")

    def on_call(self, handler: _H) -> _H:
        """Run ``handler(CallReceived)`` when Twilio asks what to do with a call."""
        return _register(self.call_handlers, handler, "on_call")

    def on_status(self, handler: _H) -> _H:
        """Run ``handler(MessageStatusChanged | CallStatusChanged)`` for each status callback
        that is new to the ledger (``event.outcome`` is ``applied``, or ``stale`` when it
        arrived after a later status)."""
        return _register(self.status_handlers, handler, "on_status")

    def on_opt_out(self, handler: _H) -> _H:
        """Run ``handler(OptOutChanged)`` when someone texts STOP, START, HELP or a synonym."""
        return _register(self.opt_out_handlers, handler, "on_opt_out")

    def on_verify(self, handler: _H) -> _H:
        """Run ``handler(VerifyEvent)`` for each Verify Event."""
        return _register(self.verify_handlers, handler, "on_verify")

    # -- running them ----------------------------------------------------------------------

    async def message(self, event: MessageReceived) -> Reply | None:
        """Run the message handlers; the first reply returned."""
        return await _first_reply(self.message_handlers, event, "on_message", event.sid)

    async def call(self, event: CallReceived) -> Reply | None:
        """Run the call handlers; the first TwiML returned."""
        return await _first_reply(self.call_handlers, event, "on_call", event.sid)

    async def status(self, event: StatusChanged) -> None:
        """Run the status handlers."""
        for handler in self.status_handlers:
            await _run(handler, event, "on_status", event.sid)

    async def opt_out(self, event: OptOutChanged) -> None:
        """Run the opt-out handlers."""
        for handler in self.opt_out_handlers:
            await _run(handler, event, "on_opt_out", event.message_sid)

    async def verify(self, event: VerifyEvent) -> None:
        """Run the Verify handlers."""
        for handler in self.verify_handlers:
            await _run(handler, event, "on_verify", event.verification_sid or event.id)


def _register(handlers: list[Any], handler: _H, decorator: str) -> _H:
    """What each ``on_*`` decorator does: add ``handler`` to its list and give it back."""
    if not callable(handler):
        raise TypeError(f"@{decorator} takes a function, not {type(handler).__name__}")
    handlers.append(handler)
    return handler


def _is_async(handler: Callable[..., Any]) -> bool:
    target = handler.func if isinstance(handler, functools.partial) else handler
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


async def _call(handler: Callable[[Any], Any], event: object) -> Any:
    if _is_async(handler):
        return await handler(event)
    # A sync handler may block (HTTP calls, model inference): keep it off the event loop.
    result = await anyio.to_thread.run_sync(handler, event)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _run(handler: Callable[[Any], Any], event: object, kind: str, sid: str | None) -> Any:
    """Run one handler; log a failure (no message text) and return ``None`` then."""
    try:
        return await _call(handler, event)
    except Exception as exc:
        _log_failure(handler, kind, sid, exc)
        return None


async def _first_reply(
    handlers: list[Any], event: object, kind: str, sid: str | None
) -> Reply | None:
    reply: Reply | None = None
    for handler in handlers:
        result = await _run(handler, event, kind, sid)
        if result is None:
            continue
        if not isinstance(result, str | twiml.Response):
            logger.error(
                "%s handler %s returned %s for %s; return a str or a twiml.Response (ignored)",
                kind,
                _name(handler),
                type(result).__name__,
                sid,
            )
            continue
        if reply is None:
            reply = result
        else:
            logger.warning(
                "%s handler %s also returned a reply for %s; only the first one is sent",
                kind,
                _name(handler),
                sid,
            )
    return reply


def _name(handler: Callable[..., Any]) -> str:
    return str(getattr(handler, "__qualname__", None) or type(handler).__name__)


def _log_failure(handler: Callable[..., Any], kind: str, sid: str | None, exc: Exception) -> None:
    # The message of an exception raised while handling a message often quotes it: log the
    # type and the frames (code locations), never str(exc).
    frames = traceback.extract_tb(exc.__traceback__)
    where = "".join(traceback.format_list(frames[-5:])).rstrip()
    logger.error(
        "%s handler %s raised %s while handling %s (the exception's message is not logged: it "
        "may quote the message); the event stays recorded in the ledger\n%s",
        kind,
        _name(handler),
        type(exc).__name__,
        sid or "an event",
        where,
    )


_EMPTY = str(twiml.Response())


def message_twiml(reply: Reply | None) -> str:
    """The TwiML answer for a message webhook: ``<Message>`` for text, the document as is."""
    return _answer(reply, twiml.Response.message)


def call_twiml(reply: Reply | None) -> str:
    """The TwiML answer for a voice webhook: ``<Say>`` for text, the document as is."""
    return _answer(reply, twiml.Response.say)


def _answer(reply: Reply | None, put_text: Callable[[twiml.Response, str], object]) -> str:
    """``reply`` as a TwiML document: text goes in the verb ``put_text`` adds."""
    if isinstance(reply, twiml.Response):
        return str(reply)
    if not reply:
        return _EMPTY
    response = twiml.Response()
    put_text(response, reply)
    return str(response)
