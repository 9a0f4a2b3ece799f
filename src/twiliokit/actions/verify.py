"""Verify actions: services, rate limits and their buckets, webhooks, and sending and checking
one-time codes.

Every action but ``create_verify_service``/``list_verify_services`` works on one Verify
service, named by ``service_sid`` (VA...). Inputs are checked before any request.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from twiliokit.actions.context import ActionContext
from twiliokit.actions.inputs import (
    AgentInput,
    Limit,
    PageToken,
    Sid,
    WebUrl,
    names,
    page_token_field,
    register,
)
from twiliokit.actions.outputs import (
    BucketOutput,
    DeletedOutput,
    Output,
    RateLimitOutput,
    VerificationCheckOutput,
    VerificationOutput,
    VerifyServiceOutput,
    VerifyWebhookOutput,
    next_page_token_field,
)
from twiliokit.errors import RateLimitError, TwiliokitError, ValidationError
from twiliokit.http.retry import TOO_MANY_REQUESTS
from twiliokit.phone import parse_address

__all__ = [
    "BucketInput",
    "BucketSpec",
    "CheckVerificationInput",
    "CreateBucketInput",
    "CreateRateLimitInput",
    "CreateVerifyServiceInput",
    "CreateVerifyWebhookInput",
    "ListBucketsInput",
    "ListBucketsOutput",
    "ListRateLimitsInput",
    "ListRateLimitsOutput",
    "ListVerifyServicesInput",
    "ListVerifyServicesOutput",
    "ListVerifyWebhooksInput",
    "ListVerifyWebhooksOutput",
    "RateLimitInput",
    "StartVerificationInput",
    "UpdateRateLimitInput",
    "VerifyWebhookInput",
    "check_verification",
    "create_rate_limit",
    "create_rate_limit_bucket",
    "create_verify_service",
    "create_verify_webhook",
    "delete_rate_limit",
    "delete_rate_limit_bucket",
    "delete_verify_webhook",
    "fetch_rate_limit",
    "list_rate_limit_buckets",
    "list_rate_limits",
    "list_verify_services",
    "list_verify_webhooks",
    "start_verification",
    "update_rate_limit",
]

GROUP = "verify"
#: Buckets a rate limit may have (Twilio refuses more with 60210).
MAX_BUCKETS = 10
# The shape of an address only (something@domain.tld): whether it exists is Twilio's
# business, and a full RFC 5322 parser would refuse nothing an agent plausibly sends.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

ServiceSid = Annotated[
    str, Sid(("VA",), "a Verify service", "list_verify_services or create_verify_service")
]
RateLimitSid = Annotated[str, Sid(("RK",), "a rate limit", "list_rate_limits")]
BucketSid = Annotated[str, Sid(("BL",), "a bucket", "list_rate_limit_buckets")]
WebhookSid = Annotated[str, Sid(("YW",), "a Verify webhook", "list_verify_webhooks")]
VerificationSid = Annotated[str, Sid(("VE",), "a verification", "start_verification")]

_SERVICE = "The Verify service (VA...), from list_verify_services or create_verify_service."
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
BucketMax = Annotated[
    int, Field(ge=1, le=1_000_000, description="Most verification starts allowed per interval.")
]
BucketInterval = Annotated[
    int,
    Field(ge=1, le=86_400, description="The window in seconds, e.g. 60, 3600 or 86400."),
]


def _service_field() -> Any:
    return Field(validation_alias=names("service_sid", "verify_service_sid"), description=_SERVICE)


def _rate_limit_field() -> Any:
    return Field(
        validation_alias=names("rate_limit_sid", "sid"),
        description="The rate limit (RK...), from list_rate_limits or create_rate_limit.",
    )


# --- services --------------------------------------------------------------------------------


class CreateVerifyServiceInput(AgentInput):
    """Arguments of create_verify_service."""

    friendly_name: str = Field(
        min_length=1,
        max_length=32,
        validation_alias=names("friendly_name", "name"),
        description="Your app's name as users see it in the message ('Your Acme code is "
        "...'), up to 32 characters.",
    )
    code_length: int | None = Field(
        default=None, ge=4, le=10, description="Digits per code, 4-10 (Twilio's default 6)."
    )
    lookup_enabled: bool | None = Field(
        default=None, description="Look numbers up first to refuse invalid ones (costs extra)."
    )
    skip_sms_to_landlines: bool | None = Field(
        default=None, description="Do not text numbers that are landlines."
    )
    custom_code_enabled: bool | None = Field(
        default=None, description="Allow sending your own codes (needs Twilio's approval)."
    )
    do_not_share_warning_enabled: bool | None = Field(
        default=None, description="Add 'do not share this code' to messages."
    )


@register(
    "create_verify_service",
    title="Create a Verify service",
    input_model=CreateVerifyServiceInput,
    output_model=VerifyServiceOutput,
    side_effect="write",
    idempotent=False,
    group=GROUP,
)
async def create_verify_service(
    context: ActionContext, arguments: CreateVerifyServiceInput
) -> VerifyServiceOutput:
    """Create a Verify service: the settings one-time codes are sent with (name shown to
    users, code length). Its sid (VA...) is the service_sid every other Verify action needs.
    Usually done once per app: look with list_verify_services first. Free."""
    service = await context.client.create_verify_service(
        friendly_name=arguments.friendly_name,
        code_length=arguments.code_length,
        lookup_enabled=arguments.lookup_enabled,
        skip_sms_to_landlines=arguments.skip_sms_to_landlines,
        custom_code_enabled=arguments.custom_code_enabled,
        do_not_share_warning_enabled=arguments.do_not_share_warning_enabled,
    )
    return VerifyServiceOutput.of(service, raw=True)


class ListVerifyServicesInput(AgentInput):
    """Arguments of list_verify_services."""

    limit: Limit = 20
    page_token: PageToken | None = page_token_field()
    include_raw: bool = Field(default=False, description="Include each item's raw JSON.")


class ListVerifyServicesOutput(Output):
    """One page of Verify services."""

    services: list[VerifyServiceOutput] = Field(description="The services.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_verify_services",
    title="List Verify services",
    input_model=ListVerifyServicesInput,
    output_model=ListVerifyServicesOutput,
    group=GROUP,
)
async def list_verify_services(
    context: ActionContext, arguments: ListVerifyServicesInput
) -> ListVerifyServicesOutput:
    """List the account's Verify services with their names and code settings. Use it to
    find the service_sid (VA...) the other Verify actions need. Free, read-only."""
    page = await context.client.list_verify_services(
        page_size=arguments.limit, page_token=arguments.page_token
    )
    return ListVerifyServicesOutput(
        services=[VerifyServiceOutput.of(s, raw=arguments.include_raw) for s in page.items],
        next_page_token=page.next_page_token,
    )


# --- rate limits -----------------------------------------------------------------------------


class BucketSpec(BaseModel):
    """One bucket to create with a rate limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max: BucketMax
    interval: BucketInterval


class CreateRateLimitInput(AgentInput):
    """Arguments of create_rate_limit."""

    service_sid: ServiceSid = _service_field()
    unique_name: UniqueName
    description: str | None = Field(
        default=None, max_length=255, description="What it limits, in words."
    )
    buckets: list[BucketSpec] | None = Field(
        default=None,
        max_length=MAX_BUCKETS,
        description='Limits to create with it at once, e.g. [{"max": 5, "interval": 600}] '
        "for at most 5 starts per value in 10 minutes; one per interval.",
    )

    @model_validator(mode="after")
    def _distinct_intervals(self) -> Self:
        intervals = [bucket.interval for bucket in self.buckets or []]
        if len(set(intervals)) != len(intervals):
            raise ValidationError(
                "two 'buckets' have the same interval; a rate limit has one bucket per interval",
                field="buckets",
                hint="Keep one bucket for each interval (use the smaller max).",
            )
        return self


@register(
    "create_rate_limit",
    title="Create a Verify rate limit",
    input_model=CreateRateLimitInput,
    output_model=RateLimitOutput,
    side_effect="write",
    idempotent=False,
    aliases=("createRateLimit",),
    group=GROUP,
)
async def create_rate_limit(
    context: ActionContext, arguments: CreateRateLimitInput
) -> RateLimitOutput:
    """Create a rate limit on a Verify service, optionally with its buckets (at most max
    starts per interval seconds), to stop abuse such as SMS pumping: each start_verification
    that passes rate_limits={unique_name: value} is counted per value (an IP address, a user
    id). Exceeding a bucket makes start_verification fail with 429. Free. The output is the
    rate limit with the buckets created; its sid (RK...) is the rate_limit_sid."""
    client = context.client
    limit = await client.create_rate_limit(
        arguments.service_sid, unique_name=arguments.unique_name, description=arguments.description
    )
    created: list[BucketOutput] = []
    for spec in arguments.buckets or []:
        try:
            bucket = await client.create_bucket(
                arguments.service_sid, limit.sid, max=spec.max, interval=spec.interval
            )
        except TwiliokitError as exc:
            # The rate limit exists now: say so, or the agent would create it again (60208).
            done = ", ".join(f"{b.max}/{b.interval}s" for b in created) or "none"
            exc.hint = (
                f"The rate limit {limit.sid} was created (buckets created: {done}); add the "
                f"rest with create_rate_limit_bucket. {exc.hint or ''}"
            ).strip()
            raise
        created.append(BucketOutput.of(bucket))
    return RateLimitOutput.of(limit, buckets=created, raw=True)


class RateLimitInput(AgentInput):
    """Arguments naming one rate limit."""

    service_sid: ServiceSid = _service_field()
    rate_limit_sid: RateLimitSid = _rate_limit_field()


async def _buckets(context: ActionContext, service_sid: str, rate_limit_sid: str) -> list[Any]:
    page = await context.client.list_buckets(service_sid, rate_limit_sid, page_size=MAX_BUCKETS)
    return [BucketOutput.of(b) for b in page.items]


@register(
    "fetch_rate_limit",
    title="Get a Verify rate limit and its buckets",
    input_model=RateLimitInput,
    output_model=RateLimitOutput,
    aliases=("fetchRateLimit",),
    group=GROUP,
)
async def fetch_rate_limit(context: ActionContext, arguments: RateLimitInput) -> RateLimitOutput:
    """Fetch one rate limit of a Verify service: its unique_name, description and its
    buckets (max starts per interval). Use it to audit how verification starts are limited.
    Free, read-only."""
    limit = await context.client.fetch_rate_limit(arguments.service_sid, arguments.rate_limit_sid)
    buckets = await _buckets(context, arguments.service_sid, arguments.rate_limit_sid)
    return RateLimitOutput.of(limit, buckets=buckets, raw=True)


class ListRateLimitsInput(AgentInput):
    """Arguments of list_rate_limits."""

    service_sid: ServiceSid = _service_field()
    limit: Limit = 20
    page_token: PageToken | None = page_token_field()
    include_raw: bool = Field(default=False, description="Include each item's raw JSON.")


class ListRateLimitsOutput(Output):
    """One page of rate limits."""

    rate_limits: list[RateLimitOutput] = Field(description="The rate limits (without buckets).")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_rate_limits",
    title="List a Verify service's rate limits",
    input_model=ListRateLimitsInput,
    output_model=ListRateLimitsOutput,
    aliases=("listRateLimits",),
    group=GROUP,
)
async def list_rate_limits(
    context: ActionContext, arguments: ListRateLimitsInput
) -> ListRateLimitsOutput:
    """List the rate limits of a Verify service (unique_name, description, sid). Use
    fetch_rate_limit for one limit's buckets. Free, read-only."""
    page = await context.client.list_rate_limits(
        arguments.service_sid, page_size=arguments.limit, page_token=arguments.page_token
    )
    return ListRateLimitsOutput(
        rate_limits=[RateLimitOutput.of(r, raw=arguments.include_raw) for r in page.items],
        next_page_token=page.next_page_token,
    )


class UpdateRateLimitInput(RateLimitInput):
    """Arguments of update_rate_limit."""

    description: str = Field(
        min_length=1, max_length=255, description="The new description of what it limits."
    )


@register(
    "update_rate_limit",
    title="Change a Verify rate limit's description",
    input_model=UpdateRateLimitInput,
    output_model=RateLimitOutput,
    side_effect="write",
    idempotent=True,
    group=GROUP,
)
async def update_rate_limit(
    context: ActionContext, arguments: UpdateRateLimitInput
) -> RateLimitOutput:
    """Change the description of a rate limit (its unique_name cannot change; to change
    the limits themselves, create or delete buckets). Free."""
    limit = await context.client.update_rate_limit(
        arguments.service_sid, arguments.rate_limit_sid, description=arguments.description
    )
    return RateLimitOutput.of(limit, raw=True)


@register(
    "delete_rate_limit",
    title="Delete a Verify rate limit",
    input_model=RateLimitInput,
    output_model=DeletedOutput,
    side_effect="destructive",
    idempotent=True,
    aliases=("deleteRateLimit",),
    group=GROUP,
)
async def delete_rate_limit(context: ActionContext, arguments: RateLimitInput) -> DeletedOutput:
    """Delete a rate limit of a Verify service with all its buckets: verification starts are
    no longer counted against it. To loosen or tighten a limit instead, change its buckets.
    Cannot be undone. Free."""
    await context.client.delete_rate_limit(arguments.service_sid, arguments.rate_limit_sid)
    return DeletedOutput(sid=arguments.rate_limit_sid, deleted=True)


# --- buckets ---------------------------------------------------------------------------------


class CreateBucketInput(AgentInput):
    """Arguments of create_rate_limit_bucket."""

    service_sid: ServiceSid = _service_field()
    rate_limit_sid: RateLimitSid = Field(
        validation_alias=names("rate_limit_sid"),
        description="The rate limit (RK...) the bucket belongs to.",
    )
    max: BucketMax
    interval: BucketInterval


@register(
    "create_rate_limit_bucket",
    title="Add a bucket to a Verify rate limit",
    input_model=CreateBucketInput,
    output_model=BucketOutput,
    side_effect="write",
    idempotent=False,
    aliases=("create_bucket",),
    group=GROUP,
)
async def create_rate_limit_bucket(
    context: ActionContext, arguments: CreateBucketInput
) -> BucketOutput:
    """Add a bucket to a rate limit: at most max verification starts per interval seconds
    for each value counted (each IP, each user). A rate limit can have several buckets with
    different intervals (e.g. 3 per minute and 10 per day), but one per interval. Free."""
    bucket = await context.client.create_bucket(
        arguments.service_sid,
        arguments.rate_limit_sid,
        max=arguments.max,
        interval=arguments.interval,
    )
    return BucketOutput.of(bucket, raw=True)


class ListBucketsInput(AgentInput):
    """Arguments of list_rate_limit_buckets."""

    service_sid: ServiceSid = _service_field()
    rate_limit_sid: RateLimitSid = _rate_limit_field()
    limit: Limit = 20
    page_token: PageToken | None = page_token_field()
    include_raw: bool = Field(default=False, description="Include each item's raw JSON.")


class ListBucketsOutput(Output):
    """One page of buckets."""

    buckets: list[BucketOutput] = Field(description="The buckets.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_rate_limit_buckets",
    title="List a Verify rate limit's buckets",
    input_model=ListBucketsInput,
    output_model=ListBucketsOutput,
    aliases=("list_buckets",),
    group=GROUP,
)
async def list_rate_limit_buckets(
    context: ActionContext, arguments: ListBucketsInput
) -> ListBucketsOutput:
    """List the buckets of a rate limit of a Verify service: for each, at most max
    verification starts per interval seconds for one counted value. Use it to see how
    strict a limit is. Free, read-only."""
    page = await context.client.list_buckets(
        arguments.service_sid,
        arguments.rate_limit_sid,
        page_size=arguments.limit,
        page_token=arguments.page_token,
    )
    return ListBucketsOutput(
        buckets=[BucketOutput.of(b, raw=arguments.include_raw) for b in page.items],
        next_page_token=page.next_page_token,
    )


class BucketInput(AgentInput):
    """Arguments naming one bucket."""

    service_sid: ServiceSid = _service_field()
    rate_limit_sid: RateLimitSid = Field(
        validation_alias=names("rate_limit_sid"),
        description="The rate limit (RK...) the bucket belongs to.",
    )
    bucket_sid: BucketSid = Field(
        validation_alias=names("bucket_sid", "sid"),
        description="The bucket (BL...), from list_rate_limit_buckets.",
    )


@register(
    "delete_rate_limit_bucket",
    title="Delete a bucket of a Verify rate limit",
    input_model=BucketInput,
    output_model=DeletedOutput,
    side_effect="destructive",
    idempotent=True,
    aliases=("delete_bucket",),
    group=GROUP,
)
async def delete_rate_limit_bucket(context: ActionContext, arguments: BucketInput) -> DeletedOutput:
    """Delete one bucket of a rate limit: starts are no longer limited over its interval
    (the other buckets still apply). To change a bucket's max, delete it and create another.
    Cannot be undone. Free."""
    await context.client.delete_bucket(
        arguments.service_sid, arguments.rate_limit_sid, arguments.bucket_sid
    )
    return DeletedOutput(sid=arguments.bucket_sid, deleted=True)


# --- webhooks --------------------------------------------------------------------------------

EventType = Annotated[
    str,
    Field(
        pattern=r"^(\*|[a-z_]+(\.[a-z_]+)+)$",
        description="'*' or an event such as verification.started or verification.approved.",
    ),
]


class CreateVerifyWebhookInput(AgentInput):
    """Arguments of create_verify_webhook."""

    service_sid: ServiceSid = _service_field()
    friendly_name: str = Field(
        min_length=1,
        max_length=64,
        validation_alias=names("friendly_name", "name"),
        description="A name for the webhook, to tell it apart in lists.",
    )
    webhook_url: WebUrl = Field(description="The URL Verify posts events to.")
    event_types: list[EventType] = Field(
        default_factory=lambda: ["*"],
        min_length=1,
        description="Events to post: ['*'] (all, the default) or e.g. "
        "['verification.approved', 'verification.canceled'].",
    )
    status: Literal["enabled", "disabled"] | None = Field(
        default=None, description="enabled (the default) or disabled."
    )
    version: Literal["v1", "v2"] | None = Field(
        default=None, description="Payload version, v1 or v2 (Twilio's default v2)."
    )


@register(
    "create_verify_webhook",
    title="Create a Verify webhook",
    input_model=CreateVerifyWebhookInput,
    output_model=VerifyWebhookOutput,
    side_effect="write",
    idempotent=False,
    aliases=("createWebhook",),
    group=GROUP,
)
async def create_verify_webhook(
    context: ActionContext, arguments: CreateVerifyWebhookInput
) -> VerifyWebhookOutput:
    """Have a Verify service post events (verification started, approved, canceled,
    expired, ...) to a URL, so an app learns of verifications without polling. Free. The
    output is the webhook; its sid (YW...) deletes it."""
    webhook = await context.client.create_verify_webhook(
        arguments.service_sid,
        friendly_name=arguments.friendly_name,
        event_types=arguments.event_types,
        webhook_url=arguments.webhook_url,
        status=arguments.status,
        version=arguments.version,
    )
    return VerifyWebhookOutput.of(webhook, raw=True)


class ListVerifyWebhooksInput(AgentInput):
    """Arguments of list_verify_webhooks."""

    service_sid: ServiceSid = _service_field()
    limit: Limit = 20
    page_token: PageToken | None = page_token_field()
    include_raw: bool = Field(default=False, description="Include each item's raw JSON.")


class ListVerifyWebhooksOutput(Output):
    """One page of Verify webhooks."""

    webhooks: list[VerifyWebhookOutput] = Field(description="The webhooks.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_verify_webhooks",
    title="List a Verify service's webhooks",
    input_model=ListVerifyWebhooksInput,
    output_model=ListVerifyWebhooksOutput,
    group=GROUP,
)
async def list_verify_webhooks(
    context: ActionContext, arguments: ListVerifyWebhooksInput
) -> ListVerifyWebhooksOutput:
    """List the webhooks of a Verify service: the URL each posts verification events to,
    which events, and whether it is enabled. Use it to find a webhook's sid. Free,
    read-only."""
    page = await context.client.list_verify_webhooks(
        arguments.service_sid, page_size=arguments.limit, page_token=arguments.page_token
    )
    return ListVerifyWebhooksOutput(
        webhooks=[VerifyWebhookOutput.of(w, raw=arguments.include_raw) for w in page.items],
        next_page_token=page.next_page_token,
    )


class VerifyWebhookInput(AgentInput):
    """Arguments naming one Verify webhook."""

    service_sid: ServiceSid = _service_field()
    webhook_sid: WebhookSid = Field(
        validation_alias=names("webhook_sid", "sid"),
        description="The webhook (YW...), from list_verify_webhooks.",
    )


@register(
    "delete_verify_webhook",
    title="Delete a Verify webhook",
    input_model=VerifyWebhookInput,
    output_model=DeletedOutput,
    side_effect="destructive",
    idempotent=True,
    group=GROUP,
)
async def delete_verify_webhook(
    context: ActionContext, arguments: VerifyWebhookInput
) -> DeletedOutput:
    """Delete a webhook of a Verify service, so it stops posting verification events to
    its URL (find its sid with list_verify_webhooks). Cannot be undone. Free."""
    await context.client.delete_verify_webhook(arguments.service_sid, arguments.webhook_sid)
    return DeletedOutput(sid=arguments.webhook_sid, deleted=True)


# --- verifications ---------------------------------------------------------------------------


def _code_text(value: Any) -> Any:
    """A code given as a number (123456) is the same code as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class StartVerificationInput(AgentInput):
    """Arguments of start_verification."""

    service_sid: ServiceSid = _service_field()
    to: str = Field(
        min_length=1,
        max_length=320,
        validation_alias=names("to", "phone_number", "recipientPhoneNumber"),
        description="Who to verify: a phone number in E.164 (+14155552671), or an email "
        "address when channel is email.",
    )
    channel: Literal["sms", "call", "whatsapp", "email"] = Field(
        default="sms",
        description="How to send the code: sms (the default), call (spoken), whatsapp or email "
        "(needs email set up on the service).",
    )
    locale: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z]{2}(-[a-zA-Z0-9]{2,4})?$",
        description="Language of the message, e.g. en, es, pt-BR (default: from the number).",
    )
    rate_limits: dict[UniqueName, Annotated[str, Field(min_length=1, max_length=255)]] | None = (
        Field(
            default=None,
            description="Values counted by the service's rate limits, by unique_name, e.g. "
            '{"end_user_ip_address": "203.0.113.7"}.',
        )
    )

    @model_validator(mode="after")
    def _recipient(self) -> Self:
        if self.channel == "email":
            if not _EMAIL.match(self.to):
                raise ValidationError(
                    f"'to' must be an email address for channel email, not {self.to[:40]!r}",
                    field="to",
                    hint="Give an address such as ada@example.com, or another channel.",
                )
            return self
        number = parse_address(self.to, field="to", allow=frozenset({"phone"})).value
        object.__setattr__(self, "to", number)  # frozen model: normalise to E.164 once
        return self


@register(
    "start_verification",
    title="Send a one-time verification code",
    input_model=StartVerificationInput,
    output_model=VerificationOutput,
    side_effect="write",
    costs_money=True,
    idempotent=False,
    group=GROUP,
)
async def start_verification(
    context: ActionContext, arguments: StartVerificationInput
) -> VerificationOutput:
    """Send a one-time code to a phone number (by SMS, voice call or WhatsApp) or email
    address through a Verify service, to prove the user controls it; then pass the code the
    user gives you to check_verification. Twilio makes and keeps the code. It costs money
    (the channel's price, plus a fee per successful verification). Starting again for the
    same recipient within 10 minutes re-sends the same code (at most 5 sends). The output
    has status pending and the verification sid."""
    try:
        verification = await context.client.create_verification(
            arguments.service_sid,
            to=arguments.to,
            channel=arguments.channel,
            locale=arguments.locale,
            rate_limits=arguments.rate_limits,
        )
    except RateLimitError as exc:
        if not arguments.rate_limits or exc.code not in (None, TOO_MANY_REQUESTS):
            raise
        raise await _service_limit_refusal(context, arguments, exc) from exc
    return VerificationOutput.of(verification)


async def _service_limit_refusal(
    context: ActionContext, arguments: StartVerificationInput, exc: RateLimitError
) -> RateLimitError:
    """The 429 of a start that named service rate limits, saying which limits and buckets
    could have refused it and when they refill (Twilio's own answer names neither)."""
    named = set(arguments.rate_limits or ())
    try:
        page = await context.client.list_rate_limits(arguments.service_sid, page_size=100)
        limits = [
            (limit, await _buckets(context, arguments.service_sid, limit.sid))
            for limit in page.items
            if limit.unique_name in named
        ]
    except TwiliokitError:
        return exc  # cannot say more than Twilio did; it was not retried all the same
    buckets = [(limit, bucket) for limit, found in limits for bucket in found if bucket.interval]
    if not buckets:
        return exc  # no bucket counts these values: the 429 came from elsewhere
    refill = max(bucket.interval or 0 for _, bucket in buckets)
    if len(buckets) == 1:
        ((limit, bucket),) = buckets
        what = (
            f"the service rate limit '{limit.unique_name}' ({limit.sid}) is full for the value "
            f"passed in rate_limits: its bucket {bucket.sid} allows at most {bucket.max} "
            f"starts per {bucket.interval} seconds"
        )
    else:
        what = "one of these service rate limit buckets is full for the values passed in " + (
            "rate_limits: "
            + "; ".join(
                f"'{limit.unique_name}' ({limit.sid}) bucket {bucket.sid}, at most "
                f"{bucket.max} starts per {bucket.interval} seconds"
                for limit, bucket in buckets
            )
        )
    error = RateLimitError(
        f"Twilio refused the verification start: {what}. It refills within {refill} seconds.",
        retry_after=refill,
        status=exc.status or 429,
        code=exc.code,
        more_info=exc.more_info,
        request_id=exc.request_id,
        method=exc.method,
        url=exc.url,
        hint=f"Retrying in a few seconds does not help: a bucket counts starts over its "
        f"whole interval, so a start for this value is allowed again within {refill} "
        "seconds. Repeated starts for one value are what the limit is there to stop; if "
        "this traffic is legitimate, give the bucket a higher max (delete_rate_limit_bucket, "
        "then create_rate_limit_bucket).",
    )
    error.field = "rate_limits"
    return error


class CheckVerificationInput(AgentInput):
    """Arguments of check_verification."""

    service_sid: ServiceSid = _service_field()
    code: Annotated[str, BeforeValidator(_code_text)] = Field(
        pattern=r"^[A-Za-z0-9]{4,10}$",
        description="The code the user gave (4-10 digits or letters).",
    )
    to: str | None = Field(
        default=None,
        min_length=1,
        max_length=320,
        validation_alias=names("to", "phone_number"),
        description="The phone number (E.164) or email the code was sent to. Give this or "
        "verification_sid.",
    )
    verification_sid: VerificationSid | None = Field(
        default=None,
        description="The verification (VE...) from start_verification. Give this or to.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.to is None) == (self.verification_sid is None):
            raise ValidationError(
                "give exactly one of 'to' and 'verification_sid'",
                field="to",
                hint="Pass the phone number or email the code went to, or the verification's "
                "sid from start_verification.",
            )
        if self.to is not None and not _EMAIL.match(self.to):
            number = parse_address(self.to, field="to", allow=frozenset({"phone"})).value
            object.__setattr__(self, "to", number)  # frozen model: normalise to E.164 once
        return self


@register(
    "check_verification",
    title="Check a one-time verification code",
    input_model=CheckVerificationInput,
    output_model=VerificationCheckOutput,
    side_effect="write",
    costs_money=True,
    idempotent=False,
    group=GROUP,
)
async def check_verification(
    context: ActionContext, arguments: CheckVerificationInput
) -> VerificationCheckOutput:
    """Check the code a user gave against the verification started with
    start_verification. approved is true when it is right (Twilio then closes it and bills
    the successful verification: it costs money); a wrong code gives approved false and
    status pending, not an error, and the user may try again (5 tries in all). After
    approval, expiry (10 minutes) or too many tries, checking again fails with not_found
    (20404): start a new verification."""
    check = await context.client.check_verification(
        arguments.service_sid,
        code=arguments.code,
        to=arguments.to,
        verification_sid=arguments.verification_sid,
    )
    return VerificationCheckOutput.of(check)
