"""Pieces the Verify inputs share: the SID types, the ``service_sid`` and ``rate_limit_sid``
fields, a rate limit's unique name, and the inputs that name a service or a rate limit."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from twiliokit.actions.inputs import AgentInput, Sid, names

__all__ = [
    "GROUP",
    "BucketSid",
    "RateLimitInput",
    "RateLimitSid",
    "ServiceInput",
    "ServiceSid",
    "UniqueName",
    "VerificationSid",
    "WebhookSid",
]

GROUP = "verify"

ServiceSid = Annotated[
    str, Sid(("VA",), "a Verify service", "list_verify_services or create_verify_service")
]
RateLimitSid = Annotated[str, Sid(("RK",), "a rate limit", "list_rate_limits")]
BucketSid = Annotated[str, Sid(("BL",), "a bucket", "list_rate_limit_buckets")]
WebhookSid = Annotated[str, Sid(("YW",), "a Verify webhook", "list_verify_webhooks")]
VerificationSid = Annotated[str, Sid(("VE",), "a verification", "start_verification")]

UniqueName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="A name for what is counted, e.g. end_user_ip_address or user_id: "
        "letters, digits, '.', '_' and '-' (no personal data). start_verification's "
        "rate_limits uses it as the key.",
    ),
]


class ServiceInput(AgentInput):
    """Arguments naming one Verify service (every Verify action's but the services' own)."""

    service_sid: ServiceSid = Field(
        validation_alias=names("service_sid", "verify_service_sid"),
        description="The Verify service (VA...), from list_verify_services or "
        "create_verify_service.",
    )


class RateLimitInput(ServiceInput):
    """Arguments naming one rate limit."""

    rate_limit_sid: RateLimitSid = Field(
        validation_alias=names("rate_limit_sid", "sid"),
        description="The rate limit (RK...), from list_rate_limits or create_rate_limit.",
    )
