"""Verify v2 JSON: the resources as Twilio answers them, and Verify Events as CloudEvents."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Final

from twiliokit import phone
from twiliokit.emulator.products.verify_store import (
    Bucket,
    RateLimit,
    Service,
    Verification,
    Webhook,
)
from twiliokit.emulator.web import iso8601, iso8601_dates, same_names

EVENT_PREFIX: Final = "com.twilio.accountsecurity.verify.verification."
EVENT_SCHEMA: Final = "https://events-schemas.twilio.com/AccountSecurity.VerifyEventStreamEvent/3"
# How send attempts name their channel (Twilio's examples: "SMS", "EMAIL", "whatsapp").
_ATTEMPT_CHANNEL: Final = {
    "sms": "SMS",
    "call": "CALL",
    "email": "EMAIL",
    "whatsapp": "whatsapp",
    "sna": "SNA",
}
# The keys of each resource's JSON that are its stored attributes, in Twilio's order.
_OWNERS: Final = ("service_sid", "account_sid")
_SERVICE_FIELDS: Final = (
    "sid",
    "account_sid",
    "friendly_name",
    "code_length",
    "lookup_enabled",
    "psd2_enabled",
    "skip_sms_to_landlines",
    "dtmf_input_required",
    "tts_name",
    "do_not_share_warning_enabled",
    "custom_code_enabled",
    "push",
    "totp",
    "whatsapp",
    "passkeys",
    "default_template_sid",
    "verify_event_subscription_enabled",
)
_WEBHOOK_FIELDS: Final = (
    "friendly_name",
    "event_types",
    "webhook_method",
    "webhook_url",
    "status",
    "version",
)
_SUBRESOURCES = {
    "verification_checks": "VerificationCheck",
    "verifications": "Verifications",
    "rate_limits": "RateLimits",
    "messaging_configurations": "MessagingConfigurations",
    "entities": "Entities",
    "webhooks": "Webhooks",
    "access_tokens": "AccessTokens",
}


# --- JSON shapes ------------------------------------------------------------------------------


def service_json(service: Service, base: str) -> dict[str, Any]:
    url = f"{base}/Services/{service.sid}"
    return {
        **same_names(service, *_SERVICE_FIELDS),
        **iso8601_dates(service),
        "url": url,
        "links": {key: f"{url}/{path}" for key, path in _SUBRESOURCES.items()},
    }


def rate_limit_json(rate_limit: RateLimit, base: str) -> dict[str, Any]:
    url = f"{base}/Services/{rate_limit.service_sid}/RateLimits/{rate_limit.sid}"
    return {
        **same_names(rate_limit, "sid", *_OWNERS, "unique_name", "description"),
        **iso8601_dates(rate_limit),
        "url": url,
        "links": {"buckets": f"{url}/Buckets"},
    }


def bucket_json(bucket: Bucket, base: str) -> dict[str, Any]:
    return {
        **same_names(bucket, "sid", "rate_limit_sid", *_OWNERS, "max", "interval"),
        **iso8601_dates(bucket),
        "url": f"{base}/Services/{bucket.service_sid}/RateLimits/{bucket.rate_limit_sid}"
        f"/Buckets/{bucket.sid}",
    }


def webhook_json(webhook: Webhook, base: str) -> dict[str, Any]:
    return {
        "url": f"{base}/Services/{webhook.service_sid}/Webhooks/{webhook.sid}",
        **same_names(webhook, "sid", "account_sid", "service_sid", *_WEBHOOK_FIELDS),
        **iso8601_dates(webhook),
    }


# --- verifications ------------------------------------------------------------------------------


def _verification_head(verification: Verification) -> dict[str, Any]:
    """The first fields of a Verification, which a VerificationCheck shows too."""
    return {
        **same_names(verification, "sid", *_OWNERS, "to", "channel", "status"),
        "valid": verification.status == "approved",
    }


def verification_json(verification: Verification, base: str) -> dict[str, Any]:
    return {
        **_verification_head(verification),
        "lookup": {},
        "amount": verification.amount,
        "payee": verification.payee,
        "send_code_attempts": [
            {
                "time": iso8601(attempt.time),
                "channel": _ATTEMPT_CHANNEL[attempt.channel],
                "attempt_sid": attempt.sid,
            }
            for attempt in verification.sends
        ],
        **iso8601_dates(verification),
        "sna": None,
        "url": f"{base}/Services/{verification.service_sid}/Verifications/{verification.sid}",
    }


def check_json(verification: Verification) -> dict[str, Any]:
    return {
        **_verification_head(verification),
        "amount": verification.amount,
        "payee": verification.payee,
        "sna_attempts_error_codes": [],
        **iso8601_dates(verification),
    }


def _millis(value: datetime) -> str:
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


def event_body(
    verification: Verification, service: Service, suffix: str, at: datetime
) -> list[dict[str, Any]]:
    """One Verify Event (a CloudEvent) in the JSON array Event Streams webhooks receive."""
    data: dict[str, Any] = {
        "account_sid": verification.account_sid,
        "service_sid": verification.service_sid,
        "verification_sid": verification.sid,
        "friendly_name": service.friendly_name,
        "custom_code_enabled": service.custom_code_enabled,
        "custom_friendly_name": verification.custom_friendly_name or service.friendly_name,
        "created_at": _millis(verification.date_created),
        "to": verification.to,
        "verification_status": suffix.replace("-", "_").upper(),
        "country": phone.region_of(verification.to) if verification.to.startswith("+") else None,
        "code_length": len(verification.code),
        "send_code_attempts": {
            "count": len(verification.sends),
            "attempts": [
                {
                    "time": _millis(attempt.time),
                    "channel": attempt.channel.upper(),
                    "attempt_sid": attempt.sid,
                    "delivery_status": "DELIVERED",
                    "locale": verification.locale or "en",
                }
                for attempt in verification.sends
            ],
        },
        "check_attempts": {
            "count": len(verification.checks),
            "attempts": [
                {"time": _millis(c.time), "status": "SUCCESS" if c.success else "FAILURE"}
                for c in verification.checks
            ],
        },
    }
    if verification.verified_at is not None:
        data["verified_at"] = _millis(verification.verified_at)
    if suffix == "expired":
        data["expired_at"] = _millis(at)
    return [
        {
            "specversion": "1.0",
            "type": EVENT_PREFIX + suffix,
            "source": f"/v1/Accounts/{verification.account_sid}/Services/{verification.service_sid}"
            f"/Verifications/{verification.sid}",
            "id": secrets.token_hex(32),
            "dataschema": EVENT_SCHEMA,
            "datacontenttype": "application/json",
            "time": _millis(at),
            "data": data,
        }
    ]
