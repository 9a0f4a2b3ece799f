"""Live updates for the console: what happened (a new message, a status change) fanned out to
every open ``/console/events`` stream, as server-sent events.

The broadcaster lives in the service process: it hears the webhook receiver (through its
handlers) and the console's own sends. With ``--workers`` each process streams what it handled.
A slow reader never holds up a webhook: each stream has a bounded queue, and a full one drops
the event (the page still shows it on its next load).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from twiliokit.webhooks.events import MessageReceived
    from twiliokit.webhooks.handlers import Handlers

__all__ = ["Broadcaster", "ConsoleEvent", "sse_frame"]

#: Events one slow stream may fall behind by before newer ones are dropped for it.
QUEUE_SIZE = 256
#: A comment line this often keeps proxies from closing an idle stream.
KEEP_ALIVE_SECONDS = 10.0
#: A stream ends after this long; the browser's EventSource reconnects by itself (``retry``),
#: so a server shutting down never waits on an open stream for longer.
STREAM_SECONDS = 25.0


@dataclass(frozen=True, slots=True)
class ConsoleEvent:
    """``message`` (a new message: contact, sid) or ``status`` (sid, status)."""

    kind: Literal["message", "status"]
    data: dict[str, Any]


def sse_frame(event: ConsoleEvent) -> str:
    """One event in the ``text/event-stream`` format (the data is one line of JSON)."""
    return f"event: {event.kind}\ndata: {json.dumps(event.data, separators=(',', ':'))}\n\n"


class Broadcaster:
    """Fans events out to subscribers; see the module docstring."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[ConsoleEvent | None]] = set()

    @property
    def subscribers(self) -> int:
        """Streams open now."""
        return len(self._queues)

    def publish(self, event: ConsoleEvent) -> None:
        """Hand ``event`` to every open stream (dropped for a stream that is full)."""
        for queue in list(self._queues):
            if queue.full():
                continue
            queue.put_nowait(event)

    def close(self) -> None:
        """End every open stream."""
        for queue in list(self._queues):
            if not queue.full():
                queue.put_nowait(None)

    async def stream(
        self, *, seconds: float = STREAM_SECONDS, keep_alive: float = KEEP_ALIVE_SECONDS
    ) -> AsyncIterator[str]:
        """The text of one SSE response: a ``retry`` hint, then events and keep-alive comments
        until ``seconds`` have passed or :meth:`close`."""
        queue: asyncio.Queue[ConsoleEvent | None] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        try:
            yield "retry: 1000\n: connected\n\n"
            while (left := deadline - loop.time()) > 0:
                try:
                    event = await asyncio.wait_for(queue.get(), min(keep_alive, left))
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if event is None:
                    return
                yield sse_frame(event)
        finally:
            self._queues.discard(queue)

    def handlers(self) -> Handlers:
        """Webhook handlers that publish inbound messages and status changes."""
        from twiliokit.webhooks.handlers import Handlers

        own = Handlers()

        async def on_message(event: MessageReceived) -> None:
            self.publish(ConsoleEvent("message", {"contact": event.from_, "sid": event.sid}))

        async def on_status(event: Any) -> None:
            self.publish(
                ConsoleEvent(
                    "status",
                    {
                        "sid": event.sid,
                        "status": str(event.status),
                        "error_code": getattr(event, "error_code", None),
                    },
                )
            )

        own.on_message(on_message)
        own.on_status(on_status)
        return own
