"""The ledger actions' output forms, filled from Twilio's answers when there is no ledger.

The MCP resources (``twiliokit://conversations/...``, ``twiliokit://messages/.../status``)
fall back to Twilio (``list_messages``, ``get_message``) when the server runs without a
ledger; these functions turn those actions' outputs into ``get_conversation``'s and
``get_message_status_history``'s, so a message has one JSON form either way. Twilio keeps no
status history: a message's history is its current status, learnt by a ``poll``.
"""

from __future__ import annotations

from typing import Any

from twiliokit.actions.ledger_actions import (
    ConversationMessageOutput,
    StatusEventOutput,
    StatusHistoryOutput,
)

__all__ = ["conversation_message", "status_history"]


def _current_status(message: dict[str, Any]) -> list[StatusEventOutput]:
    """The one status event Twilio's answer gives: its current status, as of its last change."""
    status = message.get("status")
    at = message.get("date_updated") or message.get("date_created")
    if not status or at is None:
        return []
    return [
        StatusEventOutput.model_validate(
            {
                "status": status,
                "at": at,
                "source": "poll",
                "error_code": message.get("error_code"),
                "error_message": message.get("error_message"),
            }
        )
    ]


def conversation_message(message: dict[str, Any]) -> ConversationMessageOutput:
    """A message of ``list_messages``'s output in ``get_conversation``'s form."""
    from twiliokit.ledger.records import channel_for

    to = message.get("to") or ""
    fields = {name: message.get(name) for name in ConversationMessageOutput.model_fields}
    fields.pop("from_", None)
    return ConversationMessageOutput.model_validate(
        {
            **fields,
            "from": message.get("from"),
            "to": to,
            "channel": channel_for(message.get("from"), to, message.get("num_media") or 0).value,
            "media_urls": [],
            "history": _current_status(message),
        }
    )


def status_history(message: dict[str, Any]) -> dict[str, Any]:
    """``get_message``'s output in ``get_message_status_history``'s form (``recorded``
    false: the ledger did not see it)."""
    answer = StatusHistoryOutput(
        sid=message["sid"],
        recorded=False,
        status=message.get("status"),
        error_code=message.get("error_code"),
        error_hint=message.get("error_hint"),
        events=_current_status(message),
    )
    return answer.model_dump(mode="json", by_alias=True)
