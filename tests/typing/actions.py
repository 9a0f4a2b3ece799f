"""Never run: the action catalogue and ``invoke`` used the way users write them, so mypy
checks their typing."""

from __future__ import annotations

from typing import Any

import twiliokit
from twiliokit import ActionContext, AsyncClient, Connection, ValidationError, catalogue, invoke


async def send_through_the_catalogue(connection: Connection) -> str | None:
    async with AsyncClient(connection) as client:
        context = ActionContext(client=client, connection=connection)
        try:
            result: dict[str, Any] = await invoke(
                "send_sms", {"to": "+14155550100", "body": "hi"}, context=context
            )
        except ValidationError as exc:
            field: str | None = exc.field
            print(field, exc.hint)
            return None
        envelope = await twiliokit.invoke(
            {"action": "list_messages", "arguments": {"to": "+14155550100"}}, context=context
        )
        print(len(envelope["messages"]))
        sid: str = result["sid"]
        return sid


def describe_the_catalogue() -> list[str]:
    registry = catalogue()
    names: list[str] = registry.names()
    return names
