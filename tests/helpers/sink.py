"""A real HTTP webhook receiver for tests: records every request, answers what it is told."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from tests.helpers.asgi import answer_lifespan
from twiliokit.serving import serve_in_thread


@dataclass
class Received:
    method: str
    url: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode(), keep_blank_values=True)

    def param(self, name: str) -> str | None:
        return dict(self.form).get(name)


@dataclass
class _Answer:
    status: int = 200
    body: str = "<Response/>"
    content_type: str = "text/xml"


@dataclass
class WebhookSink:
    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: dict[str, _Answer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return self.base_url + path

    def respond(
        self, path: str, body: str, *, status: int = 200, content_type: str = "text/xml"
    ) -> None:
        """Answer requests to ``path`` with this body from now on."""
        self.answers[path] = _Answer(status, body, content_type)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
        self.answers.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await answer_lifespan(receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        with self._lock:
            self.received.append(
                Received(
                    request.method,
                    str(request.url),
                    request.url.path,
                    {k.lower(): v for k, v in request.headers.items()},
                    body,
                )
            )
        answer = self.answers.get(request.url.path, _Answer())
        response = Response(answer.body, answer.status, media_type=answer.content_type)
        await response(scope, receive, send)


@contextlib.contextmanager
def run_sink() -> Iterator[WebhookSink]:
    sink = WebhookSink()
    with serve_in_thread(sink) as base_url:
        sink.base_url = base_url
        yield sink
