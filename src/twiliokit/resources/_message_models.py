"""The message models, :class:`Message` and :class:`Media`; import them from
:mod:`twiliokit.resources.messages`, which loads this module (and pydantic) on first use."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from twiliokit.resources._model import AccountResource, Rfc2822

__all__ = ["Media", "Message"]


class Message(AccountResource):
    """An SMS, MMS, WhatsApp or RCS message.

    ``status`` is one of ``queued, sending, sent, failed, delivered, undelivered, receiving,
    received, accepted, scheduled, read, partially_delivered, canceled``; ``direction`` one of
    ``inbound, outbound-api, outbound-call, outbound-reply``. Twilio may add values, so both
    are plain strings.
    """

    messaging_service_sid: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    body: str | None = None
    status: str | None = None
    direction: str | None = None
    num_segments: int | None = None
    num_media: int | None = None
    price: Decimal | None = None
    price_unit: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    date_sent: Rfc2822 = None


class Media(AccountResource):
    """A media file attached to a message (MMS, WhatsApp)."""

    parent_sid: str | None = None
    content_type: str | None = None

    @property
    def content_path(self) -> str | None:
        """The path of the media's bytes on the API host (``uri`` without ``.json``): fetch it
        with a raw request and ``response_type="binary"``."""
        return self.uri.removesuffix(".json") if self.uri else None
