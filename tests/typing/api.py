"""Never run: uses the public API the way users write it, so mypy checks its typing."""

from __future__ import annotations

import twiliokit
from twiliokit import AsyncClient, Client, Connection, RetryPolicy, Timeout, TwilioError


async def send_async() -> str:
    connection = Connection.from_auth_token(
        "AC00000000000000000000000000000000", "00000000000000000000000000000000"
    )
    async with AsyncClient(connection, timeout=Timeout(10), retry=RetryPolicy()) as client:
        message = await client.create_message(to="+14155550100", body="hi", from_="+15005550006")
        async for item in client.iter_messages(to="+14155550100", limit=10):
            print(item.sid, item.status)
        return message.sid


def send_sync(connection: Connection) -> str | None:
    with Client(connection) as client:
        try:
            return client.create_message(to="+14155550100", body="hi").sid
        except TwilioError as exc:
            code: int | None = exc.code
            print(code, exc.hint, exc.retryable)
            return None


version: str = twiliokit.__version__
