"""``Twilio-Request-Id`` on every answer of Twilio's API, as Twilio sends it (``RQ`` and 32 hex
digits, new for each request): what clients log and show as the request's id. The emulator's
own routes (``/_emulator``, ``/healthz``) are not Twilio's and carry none."""

from __future__ import annotations

import uuid
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twiliokit.emulator.hosts import OWN_PREFIXES

HEADER: Final = b"twilio-request-id"


def new_request_id() -> str:
    return "RQ" + uuid.uuid4().hex


class RequestIdMiddleware:
    """Adds a fresh ``Twilio-Request-Id`` to each answer of Twilio's API."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(OWN_PREFIXES):
            await self.app(scope, receive, send)
            return
        request_id = new_request_id().encode("ascii")

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (HEADER, request_id)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_id)
