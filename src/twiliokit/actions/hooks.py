"""Hooks around every send: where compliance checks and the ledger plug into the actions.

Send actions (``send_sms``, ``send_whatsapp``, ``make_call``) describe what they are about to
send as a ``SendIntent`` and call ``before_send`` (which may refuse with a ``ComplianceError`` or
return an adjusted intent, e.g. with the receiver's status callback URL filled in), then
``after_send`` with Twilio's answer, or ``send_failed`` with the error. The default hooks do
nothing, so the catalogue works without a ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Channel = Literal["sms", "mms", "whatsapp", "call"]


@dataclass(frozen=True)
class SendIntent:
    """What a send action is about to ask Twilio for."""

    channel: Channel
    to: str
    from_: str | None
    messaging_service_sid: str | None = None
    body: str | None = None
    content_sid: str | None = None
    media_urls: tuple[str, ...] = ()
    status_callback: str | None = None
    #: Extra action-specific details (e.g. the call's url/twiml), for records and dry runs.
    details: dict[str, Any] = field(default_factory=dict)


class SendHooks(Protocol):
    async def before_send(self, intent: SendIntent) -> SendIntent:
        """Refuse (raise a ComplianceError) or return the intent to send, possibly adjusted."""
        ...

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        """Twilio accepted the send; ``result`` is the resource (Message or Call)."""
        ...

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        """The send failed (Twilio error, network, unknown outcome)."""
        ...


class NoHooks:
    """Send hooks that do nothing."""

    async def before_send(self, intent: SendIntent) -> SendIntent:
        return intent

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        return None

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        return None
