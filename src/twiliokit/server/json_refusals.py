"""The MCP library's plain-text refusals, answered as the JSON error object instead.

Why: the MCP library checks a request's ``Content-Type`` and, on loopback, its ``Host`` and
``Origin`` (DNS rebinding) before our code sees it, and refuses with a bare text body
(``Invalid Host header``, 421). Every other error of the server is the JSON error object
(docs/http-api.md), so this wrapper rewrites an error answer that is not JSON: the status
stays, the body says what was refused and what to send instead. Answers that are JSON (the
library's JSON-RPC errors) or not errors (event streams) pass through untouched.
"""

from __future__ import annotations

import json
from typing import Final

from starlette.types import Message, Receive, Scope, Send

from twiliokit.server.http_middleware import HttpMiddleware

__all__ = ["JsonRefusals", "refusal_document"]

#: The library's words, and ours: (type, message, hint, field).
_KNOWN: Final[dict[str, tuple[str, str, str, str | None]]] = {
    "Invalid Content-Type header": (
        "validation_error",
        "an MCP request's body must be JSON",
        "Send Content-Type: application/json.",
        "Content-Type",
    ),
    "Invalid Host header": (
        "forbidden_host",
        "this server listens on loopback and answers /mcp only for a loopback Host "
        "(127.0.0.1, localhost or [::1]): protection against DNS rebinding",
        "Reach it as http://127.0.0.1:PORT/mcp, or serve it with --host and TLS in front.",
        "Host",
    ),
    "Invalid Origin header": (
        "forbidden_origin",
        "this server listens on loopback and answers /mcp only from a loopback Origin "
        "(http://127.0.0.1, http://localhost or http://[::1]): protection against DNS "
        "rebinding",
        "Call it from a client on this machine, or leave the Origin header out.",
        "Origin",
    ),
}


def refusal_document(status: int, text: str) -> dict[str, object]:
    """The JSON error object for the library's plain ``text`` refusal with ``status``."""
    kind, message, hint, field = _KNOWN.get(
        text.strip(), ("http_error", text.strip() or f"refused with HTTP {status}", "", None)
    )
    return {
        "error": {
            "type": kind,
            "message": message,
            "code": None,
            "status": None,
            "retryable": False,
            "hint": hint or None,
            "field": field,
        }
    }


class JsonRefusals(HttpMiddleware):
    """Runs ``app``; an error answer (4xx/5xx) whose body is not JSON becomes the JSON error
    object with the same status."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] >= 400 and not _is_json(message):
                    start = message  # held until its (short) body is read
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            text = b"".join(chunks).decode("utf-8", "replace")
            body = json.dumps(refusal_document(start["status"], text)).encode()
            headers = [
                (name, value)
                for name, value in start.get("headers", ())
                if name.lower() not in {b"content-type", b"content-length"}
            ]
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, rewrite)


def _is_json(start: Message) -> bool:
    for name, value in start.get("headers", ()):
        if name.lower() == b"content-type":
            return b"json" in value.lower()
    return False
