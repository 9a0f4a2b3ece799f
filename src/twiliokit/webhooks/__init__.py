"""Receiving Twilio webhooks: signature validation (pure), request normalisation, the receiver,
dedupe, handlers, forwarding and media, one module each. See ``docs/webhooks.md``.

::

    from twiliokit.webhooks import Handlers, WebhookSettings, create_receiver_app

    handlers = Handlers()

    @handlers.on_message
    async def reply(event):
        return f"Thanks, got {event.body!r}"

    app = create_receiver_app(WebhookSettings(auth_token=token), "sqlite:///ledger.db", handlers)

Names are imported on first use: ``twiliokit.webhooks.signature`` (which the emulator uses)
stays free of Starlette and the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twiliokit._lazy import lazy_getattr

if TYPE_CHECKING:
    from twiliokit.webhooks.app import create_receiver_app, receiver_lifespan
    from twiliokit.webhooks.events import (
        CallReceived,
        CallStatusChanged,
        Event,
        Media,
        MessageReceived,
        MessageStatusChanged,
        OptOutChanged,
        StatusChanged,
        VerifyEvent,
    )
    from twiliokit.webhooks.forward import Forwarder, ForwardSettings, verify_forward_signature
    from twiliokit.webhooks.handlers import Handlers, Reply
    from twiliokit.webhooks.media import MediaContent, fetch_media, is_twilio_media_url
    from twiliokit.webhooks.receiver import PATHS, WebhookReceiver
    from twiliokit.webhooks.settings import WebhookSettings
    from twiliokit.webhooks.signature import (
        body_sha256,
        compute_signature,
        explain_signature_failure,
        url_variants,
        validate_signature,
    )

#: Where each public name lives.
_LOCATIONS: dict[str, str] = {
    "CallReceived": "twiliokit.webhooks.events",
    "CallStatusChanged": "twiliokit.webhooks.events",
    "Event": "twiliokit.webhooks.events",
    "ForwardSettings": "twiliokit.webhooks.forward",
    "Forwarder": "twiliokit.webhooks.forward",
    "Handlers": "twiliokit.webhooks.handlers",
    "Media": "twiliokit.webhooks.events",
    "MediaContent": "twiliokit.webhooks.media",
    "MessageReceived": "twiliokit.webhooks.events",
    "MessageStatusChanged": "twiliokit.webhooks.events",
    "OptOutChanged": "twiliokit.webhooks.events",
    "PATHS": "twiliokit.webhooks.receiver",
    "Reply": "twiliokit.webhooks.handlers",
    "StatusChanged": "twiliokit.webhooks.events",
    "VerifyEvent": "twiliokit.webhooks.events",
    "WebhookReceiver": "twiliokit.webhooks.receiver",
    "WebhookSettings": "twiliokit.webhooks.settings",
    "body_sha256": "twiliokit.webhooks.signature",
    "compute_signature": "twiliokit.webhooks.signature",
    "create_receiver_app": "twiliokit.webhooks.app",
    "explain_signature_failure": "twiliokit.webhooks.signature",
    "fetch_media": "twiliokit.webhooks.media",
    "is_twilio_media_url": "twiliokit.webhooks.media",
    "receiver_lifespan": "twiliokit.webhooks.app",
    "url_variants": "twiliokit.webhooks.signature",
    "validate_signature": "twiliokit.webhooks.signature",
    "verify_forward_signature": "twiliokit.webhooks.forward",
}

__all__ = [
    "PATHS",
    "CallReceived",
    "CallStatusChanged",
    "Event",
    "ForwardSettings",
    "Forwarder",
    "Handlers",
    "Media",
    "MediaContent",
    "MessageReceived",
    "MessageStatusChanged",
    "OptOutChanged",
    "Reply",
    "StatusChanged",
    "VerifyEvent",
    "WebhookReceiver",
    "WebhookSettings",
    "body_sha256",
    "compute_signature",
    "create_receiver_app",
    "explain_signature_failure",
    "fetch_media",
    "is_twilio_media_url",
    "receiver_lifespan",
    "url_variants",
    "validate_signature",
    "verify_forward_signature",
]


__getattr__ = lazy_getattr(__name__, _LOCATIONS, keep=globals())


def __dir__() -> list[str]:
    return sorted(__all__)
