"""Small ASGI pieces shared by the test apps."""

from __future__ import annotations

from starlette.types import Receive, Send


async def answer_lifespan(receive: Receive, send: Send) -> None:
    """Say the app started and stopped (uvicorn runs twiliokit's servers with lifespan="on")."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
