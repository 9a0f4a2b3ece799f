"""The Verify models (services, rate limits, buckets, webhooks, verifications); import them from
:mod:`twiliokit.resources.verify`, which loads this module (and pydantic) on first use."""

from __future__ import annotations

from typing import Any

from twiliokit.resources._model import Iso8601, ProductResource, ServiceResource, TwilioModel

__all__ = [
    "Bucket",
    "RateLimit",
    "Verification",
    "VerificationCheck",
    "VerifyService",
    "VerifyWebhook",
]


class VerifyService(ProductResource):
    """A Verify service (``VA...``): the settings verifications are sent with."""

    friendly_name: str | None = None
    code_length: int | None = None
    lookup_enabled: bool | None = None
    psd2_enabled: bool | None = None
    skip_sms_to_landlines: bool | None = None
    dtmf_input_required: bool | None = None
    tts_name: str | None = None
    do_not_share_warning_enabled: bool | None = None
    custom_code_enabled: bool | None = None
    default_template_sid: str | None = None
    verify_event_subscription_enabled: bool | None = None
    push: dict[str, Any] | None = None
    totp: dict[str, Any] | None = None
    whatsapp: dict[str, Any] | None = None
    passkeys: dict[str, Any] | None = None
    links: dict[str, str] | None = None


class RateLimit(ServiceResource):
    """A service rate limit (``RK...``): what is counted, by ``unique_name``."""

    unique_name: str | None = None
    description: str | None = None
    links: dict[str, str] | None = None


class Bucket(ServiceResource):
    """A rate-limit bucket (``BL...``): at most ``max`` starts per ``interval`` seconds."""

    rate_limit_sid: str | None = None
    max: int | None = None
    interval: int | None = None


class VerifyWebhook(ServiceResource):
    """A Verify webhook (``YW...``): where verification events are posted."""

    friendly_name: str | None = None
    event_types: list[str] | None = None
    status: str | None = None
    version: str | None = None
    webhook_url: str | None = None
    webhook_method: str | None = None


class Verification(ServiceResource):
    """A verification (``VE...``). ``status``: ``pending, approved, canceled,
    max_attempts_reached, deleted, failed, expired``."""

    to: str | None = None
    channel: str | None = None
    status: str | None = None
    valid: bool | None = None
    lookup: dict[str, Any] | None = None
    amount: str | None = None
    payee: str | None = None
    send_code_attempts: list[dict[str, Any]] | None = None
    sna: dict[str, Any] | None = None


class VerificationCheck(TwilioModel):
    """The result of checking a code: ``status == "approved"`` and ``valid`` when right; a
    wrong code is ``pending`` and not valid (not an error)."""

    sid: str | None = None
    service_sid: str | None = None
    account_sid: str | None = None
    to: str | None = None
    channel: str | None = None
    status: str | None = None
    valid: bool | None = None
    amount: str | None = None
    payee: str | None = None
    sna_attempts_error_codes: list[Any] | None = None
    date_created: Iso8601 = None
    date_updated: Iso8601 = None
