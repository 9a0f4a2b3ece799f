"""Dry-run previews: what a write would have done, for the guardrails' dry-run mode.

A send (SMS, MMS, WhatsApp, call) is stopped in its send hooks, after the compliance hooks
approved it, and previewed from its :class:`~twiliokit.actions.hooks.SendIntent`: recipient,
sender, body, encoding and segments (:func:`twiliokit.segments.analyze`) and how Twilio bills
it. Any other write runs against a client whose only way to the network is a GET (see
:mod:`twiliokit.server.runtime`): its first other request is stopped with :class:`WouldWrite`
and previewed as that request. Pure, no I/O.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from twiliokit.actions.hooks import NothingSent, SendIntent

__all__ = [
    "CostClass",
    "DryRunPreview",
    "RequestPreview",
    "WouldSend",
    "WouldWrite",
    "preview_of_intent",
    "preview_of_request",
    "preview_schema",
]


CostClass = Literal[
    "sms_per_segment",
    "mms_per_message",
    "whatsapp_session_message",
    "whatsapp_template_message",
    "voice_per_minute",
    "billable_request",
    "free",
]


class RequestPreview(BaseModel):
    """The Twilio request a write would have made."""

    model_config = ConfigDict(frozen=True)

    method: str = Field(description="The HTTP method.")
    url: str = Field(description="The Twilio URL.")
    params: dict[str, str | list[str]] = Field(
        default_factory=dict, description="The form fields (or query) it would have sent."
    )


class DryRunPreview(BaseModel):
    """What a write would have done. Dry-run mode: nothing was sent or changed."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    dry_run: Literal[True] = Field(
        default=True, description="Always true: this is a preview, nothing was sent."
    )
    action: str = Field(description="The action that was previewed.")
    summary: str = Field(description="One line saying what would have happened.")
    channel: Literal["sms", "mms", "whatsapp", "call"] | None = Field(
        default=None, description="For sends: the channel."
    )
    to: str | None = Field(default=None, description="For sends: the recipient.")
    from_: str | None = Field(default=None, alias="from", description="For sends: the sender.")
    messaging_service_sid: str | None = Field(
        default=None, description="For sends: the Messaging Service that would pick the sender."
    )
    body: str | None = Field(default=None, description="The text that would have been sent.")
    content_sid: str | None = Field(default=None, description="The WhatsApp template (HX...).")
    media_urls: list[str] = Field(default_factory=list, description="Attached media URLs.")
    encoding: Literal["GSM-7", "UCS-2"] | None = Field(
        default=None, description="For SMS: how the body would travel (GSM-7 or UCS-2)."
    )
    segments: int | None = Field(
        default=None, description="For SMS: segments the body needs; each is billed as one SMS."
    )
    ucs2_characters: list[str] = Field(
        default_factory=list, description="For SMS: the characters that force UCS-2."
    )
    cost_class: CostClass = Field(description="How Twilio would bill it.")
    request: RequestPreview | None = Field(
        default=None, description="For other writes: the Twilio request that would be made."
    )


_SUMMARY_VERB = {"sms": "send an SMS", "mms": "send an MMS", "whatsapp": "send a WhatsApp "
                 "message", "call": "place a call"}  # fmt: skip


def preview_of_intent(action: str, intent: SendIntent) -> DryRunPreview:
    """The preview of a send the hooks approved (segments and encoding for SMS)."""
    from twiliokit.segments import analyze

    if intent.kind == "verification":  # Verify writes the code's message, and bills the start
        return DryRunPreview(
            action=action,
            summary=f"Dry run: would send a verification code by {intent.channel} to "
            f"{intent.to}. Nothing was sent.",
            to=intent.to,
            cost_class="billable_request",
        )

    encoding: Literal["GSM-7", "UCS-2"] | None = None
    segments: int | None = None
    ucs2: list[str] = []
    cost: CostClass
    if intent.channel == "sms":
        info = analyze(intent.body or "", smart_encoding=bool(intent.details.get("smart_encoded")))
        encoding, segments, ucs2 = info.encoding, info.segments, list(info.unicode_characters)
        cost = "sms_per_segment"
    elif intent.channel == "mms":
        cost = "mms_per_message"
    elif intent.channel == "whatsapp":
        cost = "whatsapp_template_message" if intent.content_sid else "whatsapp_session_message"
    else:
        cost = "voice_per_minute"
    units = f" ({segments} segment{'s' if segments != 1 else ''}, {encoding})" if segments else ""
    return DryRunPreview(
        action=action,
        summary=f"Dry run: would {_SUMMARY_VERB[intent.channel]} to {intent.to}{units}. "
        "Nothing was sent.",
        channel=intent.channel,
        to=intent.to,
        from_=intent.from_,
        messaging_service_sid=intent.messaging_service_sid,
        body=intent.body,
        content_sid=intent.content_sid,
        media_urls=list(intent.media_urls),
        encoding=encoding,
        segments=segments,
        ucs2_characters=ucs2,
        cost_class=cost,
    )


class WouldWrite(NothingSent):
    """Raised by the dry-run client instead of sending a request that changes something."""

    def __init__(self, request: RequestPreview) -> None:
        super().__init__(f"{request.method} {request.url}")
        self.request = request


class WouldSend(NothingSent):
    """Raised by the guarded send hooks in dry-run mode: carries the preview out of the action."""

    def __init__(self, preview: DryRunPreview) -> None:
        super().__init__(preview.summary)
        self.preview = preview


def preview_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`DryRunPreview`, inlined like the catalogue's schemas."""
    # The catalogue's schemas inline their $refs (several tool APIs reject them): so does this.
    from twiliokit.actions.schema import _inline_refs

    return _inline_refs(DryRunPreview.model_json_schema(by_alias=True, mode="serialization"))


def preview_of_request(action: str, request: RequestPreview, *, costs_money: bool) -> DryRunPreview:
    """The preview of a write that is not a send: the request it would have made."""
    verb = "cost money" if costs_money else "change the Twilio account"
    return DryRunPreview(
        action=action,
        summary=f"Dry run: would {request.method} {request.url}, which can {verb}. "
        "Nothing was sent.",
        cost_class="billable_request" if costs_money else "free",
        request=request,
    )
