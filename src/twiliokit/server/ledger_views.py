"""The ledger reads of the HTTP API (``/v1/messages...``) and the MCP resources, through the
catalogue: each runs a ledger action (``search_ledger``, ``get_conversation``,
``get_message_status_history``) with the runtime's guarded invoke, so a message, a status
event and a conversation have one JSON form whichever surface shows them (the actions'
output models: ``from`` rather than ``from_``, ``price`` a number in ``price_unit``, times in
ISO 8601 UTC, ``error_hint`` beside ``error_code``).

Without a ledger (``twiliokit mcp`` run with none), the MCP resources read a conversation
and a message's status from Twilio through the catalogue instead (``list_messages``,
``get_message``), in the same forms: each message's history is then its current status only,
learnt by a ``poll``, and ``recorded`` is false.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from twiliokit.errors import NotRecordedError, ValidationError

if TYPE_CHECKING:
    from twiliokit.server.runtime import AgentRuntime

__all__ = [
    "TIME_BOUND_SCHEMA",
    "parse_time_bound",
    "read_conversation",
    "read_status_history",
    "search_messages",
]

#: The JSON Schema of a time query parameter (``since``, ``until``, ``before``).
TIME_BOUND_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
        {"type": "string", "pattern": "^(today|yesterday|([0-9]{1,7}[smhdw])+)$"},
    ],
    "examples": ["2026-12-06", "2026-12-06T09:30:00Z", "today", "7d"],
}
#: The relative forms a query parameter takes: the schema's pattern, as the CLI and actions
#: read them (twiliokit.datefilters), without the spaces and "ago" they also allow.
_RELATIVE = re.compile(r"today|yesterday|(?:[0-9]{1,7}[smhdw])+")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ISO 8601 as people write it (RFC 3339, a space for the T, seconds optional, any zone or none);
# checked here because datetime.fromisoformat also takes forms nobody means (20261206, weeks).
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,6})?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?"
)


def parse_time_bound(
    text: str | None, *, name: str, edge: Literal["start", "end"]
) -> datetime | None:
    """A time query parameter as an aware UTC instant (``None`` when not given).

    A day (``2026-12-06``, or ``today``/``yesterday``) means that whole day in UTC, as in
    the actions: ``edge="start"`` gives its first instant (``since``, ``before``), ``"end"``
    the instant just after it (``until``, exclusive, so the day is included). A timestamp
    without a zone is UTC; a duration (``7d``, ``36h``) is that long before now. Anything else
    (``0.5``, ``last week``) is a ValidationError naming the parameter.
    """
    from twiliokit.actions.inputs import end_of, start_of
    from twiliokit.datefilters import RELATIVE_EXAMPLES, relative_bound

    if text is None:
        return None
    value = text.strip()
    try:
        if _DAY.fullmatch(value):
            day = date.fromisoformat(value)
            return start_of(day) if edge == "start" else end_of(day)
        if _TIMESTAMP.fullmatch(value):
            moment = datetime.fromisoformat(value.upper().replace(",", "."))
            if moment.tzinfo is None:
                return moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass  # a month 13, or an instant before year 1 in UTC: the same error as junk
    if _RELATIVE.fullmatch(value):
        bound = relative_bound(value, now=datetime.now(UTC))
        if isinstance(bound, datetime):
            return bound
        if isinstance(bound, date):
            return start_of(bound) if edge == "start" else end_of(bound)
    raise ValidationError(
        f"'{name}' must be a day (YYYY-MM-DD), an ISO 8601 timestamp such as "
        f"2026-12-06T09:30:00Z, or {RELATIVE_EXAMPLES}; not {value[:40]!r}",
        field=name,
        hint="A day means that whole day in UTC; a timestamp without a time zone is UTC.",
    )


async def search_messages(runtime: AgentRuntime, arguments: dict[str, Any]) -> dict[str, Any]:
    """``search_ledger``'s output for ``arguments`` (its input: contact, direction, ...)."""
    return await runtime.invoke("search_ledger", arguments)


async def read_conversation(
    runtime: AgentRuntime,
    contact: str,
    *,
    limit: int = 50,
    before: datetime | None = None,
    from_twilio: bool = False,
) -> dict[str, Any]:
    """``get_conversation``'s output for ``contact``; with ``from_twilio`` and no ledger, the
    same form read from Twilio (both directions, newest first)."""
    arguments: dict[str, Any] = {"contact": contact, "limit": limit}
    if before is not None:
        arguments["before"] = before.isoformat()
    if runtime.ledger is not None or not from_twilio:
        return await runtime.invoke("get_conversation", arguments)
    from twiliokit.actions.ledger_actions import ConversationOutput
    from twiliokit.actions.ledger_twilio import conversation_message
    from twiliokit.phone import RECIPIENT_KINDS, parse_address

    contact = parse_address(contact, field="contact", allow=RECIPIENT_KINDS).value
    sent_before = {"sent_before": before.isoformat()} if before is not None else {}
    found: dict[str, dict[str, Any]] = {}
    for side in ("to", "from"):
        page = await runtime.invoke(
            "list_messages", {side: contact, "limit": min(limit, 100), **sent_before}
        )
        for message in page["messages"]:
            found[message["sid"]] = message
    # The actions give times as ISO 8601 UTC text of one form, which sorts as the times do.
    newest = sorted(found.values(), key=lambda m: m.get("date_created") or "", reverse=True)
    messages = [conversation_message(m) for m in newest[:limit]]
    answer = ConversationOutput(contact=contact, messages=messages, next_before=None)
    return answer.model_dump(mode="json", by_alias=True)


async def read_status_history(
    runtime: AgentRuntime, sid: str, *, from_twilio: bool = False
) -> dict[str, Any]:
    """``get_message_status_history``'s output for ``sid``; a NotRecordedError when the ledger
    knows nothing of it. With ``from_twilio`` and no ledger, the same form with the current
    status read from Twilio (``recorded`` false)."""
    if runtime.ledger is not None or not from_twilio:
        history = await runtime.invoke("get_message_status_history", {"sid": sid})
        if not history["recorded"]:
            raise NotRecordedError(
                f"the ledger has no message {sid}",
                field="sid",
                hint="The ledger records messages sent through twiliokit and those the webhook "
                "receiver hears about; check the SID, or read it from Twilio with get_message.",
            )
        return history
    from twiliokit.actions.ledger_twilio import status_history

    return status_history(await runtime.invoke("get_message", {"sid": sid}))
