"""The number and account models: :class:`IncomingPhoneNumber` and :class:`Account`.

Import them from :mod:`twiliokit.resources.phone_numbers`, which loads this module (and
pydantic) on first use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from twiliokit.resources._model import AccountResource, Rfc2822, TwilioModel

__all__ = ["Account", "IncomingPhoneNumber"]


class IncomingPhoneNumber(AccountResource):
    """A phone number the account owns, with where its messages and calls go."""

    phone_number: str | None = None
    friendly_name: str | None = None
    capabilities: dict[str, Any] | None = None
    sms_url: str | None = None
    sms_method: str | None = None
    sms_fallback_url: str | None = None
    sms_fallback_method: str | None = None
    sms_application_sid: str | None = None
    voice_url: str | None = None
    voice_method: str | None = None
    voice_fallback_url: str | None = None
    voice_fallback_method: str | None = None
    voice_application_sid: str | None = None
    status_callback: str | None = None
    status_callback_method: str | None = None
    origin: str | None = None
    status: str | None = None


class Account(TwilioModel):
    """The Twilio account (``type`` is ``Trial`` or ``Full``; ``status`` ``active``,
    ``suspended`` or ``closed``). The auth token Twilio includes is dropped, not kept in
    ``raw``."""

    sid: str
    owner_account_sid: str | None = None
    friendly_name: str | None = None
    status: str | None = None
    type: str | None = None
    date_created: Rfc2822 = None
    date_updated: Rfc2822 = None
    uri: str | None = None

    @classmethod
    def from_twilio(cls, data: Mapping[str, Any]) -> Self:
        # Twilio returns the account's auth token in this resource; it must not travel on
        # into logs, JSON outputs or MCP answers through ``raw``.
        return super().from_twilio({k: v for k, v in data.items() if k != "auth_token"})
