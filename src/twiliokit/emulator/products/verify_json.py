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
from twiliokit.emulator.web import iso8601

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
        "sid": service.sid,
        "account_sid": service.account_sid,
        "friendly_name": service.friendly_name,
        "code_length": service.code_length,
        "lookup_enabled": service.lookup_enabled,
        "psd2_enabled": service.psd2_enabled,
        "skip_sms_to_landlines": service.skip_sms_to_landlines,
        "dtmf_input_required": service.dtmf_input_required,
        "tts_name": service.tts_name,
        "do_not_share_warning_enabled": service.do_not_share_warning_enabled,
        "custom_code_enabled": service.custom_code_enabled,
        "push": service.push,
        "totp": service.totp,
        "whatsapp": service.whatsapp,
        "passkeys": service.passkeys,
        "default_template_sid": service.default_template_sid,
        "verify_event_subscription_enabled": service.verify_event_subscription_enabled,
        "date_created": iso8601(service.date_created),
        "date_updated": iso8601(service.date_updated),
        "url": url,
        "links": {key: f"{url}/{path}" for key, path in _SUBRESOURCES.items()},
    }


def rate_limit_json(rate_limit: RateLimit, base: str) -> dict[str, Any]:
    url = f"{base}/Services/{rate_limit.service_sid}/RateLimits/{rate_limit.sid}"
    return {
        "sid": rate_limit.sid,
        "service_sid": rate_limit.service_sid,
        "account_sid": rate_limit.account_sid,
        "unique_name": rate_limit.unique_name,
        "description": rate_limit.description,
        "date_created": iso8601(rate_limit.date_created),
        "date_updated": iso8601(rate_limit.date_updated),
        "url": url,
        "links": {"buckets": f"{url}/Buckets"},
    }


def bucket_json(bucket: Bucket, base: str) -> dict[str, Any]:
    return {
        "sid": bucket.sid,
        "rate_limit_sid": bucket.rate_limit_sid,
        "service_sid": bucket.service_sid,
        "account_sid": bucket.account_sid,
        "max": bucket.max,
        "interval": bucket.interval,
        "date_created": iso8601(bucket.date_created),
        "date_updated": iso8601(bucket.date_updated),
        "url": f"{base}/Services/{bucket.service_sid}/RateLimits/{bucket.rate_limit_sid}"
        f"/Buckets/{bucket.sid}",
    }


def webhook_json(webhook: Webhook, base: str) -> dict[str, Any]:
    return {
        "url": f"{base}/Services/{webhook.service_sid}/Webhooks/{webhook.sid}",
        "sid": webhook.sid,
        "account_sid": webhook.account_sid,
        "service_sid": webhook.service_sid,
        "friendly_name": webhook.friendly_name,
        "event_types": webhook.event_types,
        "webhook_method": webhook.webhook_method,
        "webhook_url": webhook.webhook_url,
        "status": webhook.status,
        "version": webhook.version,
        "date_created": iso8601(webhook.date_created),
        "date_updated": iso8601(webhook.date_updated),
    }


# --- verifications ------------------------------------------------------------------------------


def _verification_head(verification: Verification) -> dict[str, Any]:
    """The first fields of a Verification, which a VerificationCheck shows too."""
    return {
        "sid": verification.sid,
        "service_sid": verification.service_sid,
        "account_sid": verification.account_sid,
        "to": verification.to,
        "channel": verification.channel,
        "status": verification.status,
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
        "date_created": iso8601(verification.date_created),
        "date_updated": iso8601(verification.date_updated),
        "sna": None,
        "url": f"{base}/Services/{verification.service_sid}/Verifications/{verification.sid}",
    }


def check_json(verification: Verification) -> dict[str, Any]:
    return {
        **_verification_head(verification),
        "amount": verification.amount,
        "payee": verification.payee,
        "sna_attempts_error_codes": [],
        "date_created": iso8601(verification.date_created),
        "date_updated": iso8601(verification.date_updated),
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
