"""A Verify service and what belongs to it: the service itself, its rate limits and their
buckets (how many verification starts each counted value may make), and its webhooks.

Each action but ``create_verify_service``/``list_verify_services`` names the service with
``service_sid`` (VA...).
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twiliokit.actions.context import ActionContext
from twiliokit.actions.inputs import AgentInput, PageInput, WebUrl, names, register
from twiliokit.actions.outputs import (
    BucketOutput,
    DeletedOutput,
    PageOutput,
    RateLimitOutput,
    VerifyServiceOutput,
    VerifyWebhookOutput,
    next_page_token_field,
)
from twiliokit.actions.verify.fields import (
    GROUP,
    BucketSid,
    RateLimitInput,
    RateLimitSid,
    ServiceInput,
    UniqueName,
    WebhookSid,
)
from twiliokit.errors import TwiliokitError, ValidationError

__all__ = [
    "MAX_BUCKETS",
    "BucketInput",
    "BucketSpec",
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
    "UpdateRateLimitInput",
    "VerifyWebhookInput",
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
    "rate_limit_buckets",
    "update_rate_limit",
]


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


class ListVerifyServicesInput(PageInput):
    """Arguments of list_verify_services."""


class ListVerifyServicesOutput(PageOutput):
    """One page of Verify services."""

    services: list[VerifyServiceOutput] = Field(description="The services.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_verify_services",
    title="List Verify services",
    group=GROUP,
)
async def list_verify_services(
    context: ActionContext, arguments: ListVerifyServicesInput
) -> ListVerifyServicesOutput:
    """List the account's Verify services with their names and code settings. Use it to
    find the service_sid (VA...) the other Verify actions need. Free, read-only."""
    page = await context.client.list_verify_services(**arguments.paging())
    return ListVerifyServicesOutput.of_page(page, VerifyServiceOutput.of, raw=arguments.include_raw)


# --- rate limits -----------------------------------------------------------------------------

#: Buckets a rate limit may have (Twilio refuses more with 60210).
MAX_BUCKETS = 10

BucketMax = Annotated[
    int, Field(ge=1, le=1_000_000, description="Most verification starts allowed per interval.")
]
BucketInterval = Annotated[
    int,
    Field(ge=1, le=86_400, description="The window in seconds, e.g. 60, 3600 or 86400."),
]


class BucketSpec(BaseModel):
    """One bucket to create with a rate limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max: BucketMax
    interval: BucketInterval


async def rate_limit_buckets(
    context: ActionContext, service_sid: str, rate_limit_sid: str
) -> list[BucketOutput]:
    """All the buckets of one rate limit (there are at most :data:`MAX_BUCKETS`)."""
    page = await context.client.list_buckets(service_sid, rate_limit_sid, page_size=MAX_BUCKETS)
    return [BucketOutput.of(b) for b in page.items]


class CreateRateLimitInput(ServiceInput):
    """Arguments of create_rate_limit."""

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


@register(
    "fetch_rate_limit",
    title="Get a Verify rate limit and its buckets",
    aliases=("fetchRateLimit",),
    group=GROUP,
)
async def fetch_rate_limit(context: ActionContext, arguments: RateLimitInput) -> RateLimitOutput:
    """Fetch one rate limit of a Verify service: its unique_name, description and its
    buckets (max starts per interval). Use it to audit how verification starts are limited.
    Free, read-only."""
    limit = await context.client.fetch_rate_limit(arguments.service_sid, arguments.rate_limit_sid)
    buckets = await rate_limit_buckets(context, arguments.service_sid, arguments.rate_limit_sid)
    return RateLimitOutput.of(limit, buckets=buckets, raw=True)


class ListRateLimitsInput(PageInput, ServiceInput):
    """Arguments of list_rate_limits."""


class ListRateLimitsOutput(PageOutput):
    """One page of rate limits."""

    rate_limits: list[RateLimitOutput] = Field(description="The rate limits (without buckets).")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_rate_limits",
    title="List a Verify service's rate limits",
    aliases=("listRateLimits",),
    group=GROUP,
)
async def list_rate_limits(
    context: ActionContext, arguments: ListRateLimitsInput
) -> ListRateLimitsOutput:
    """List the rate limits of a Verify service (unique_name, description, sid). Use
    fetch_rate_limit for one limit's buckets. Free, read-only."""
    page = await context.client.list_rate_limits(arguments.service_sid, **arguments.paging())
    return ListRateLimitsOutput.of_page(page, RateLimitOutput.of, raw=arguments.include_raw)


class UpdateRateLimitInput(RateLimitInput):
    """Arguments of update_rate_limit."""

    description: str = Field(
        min_length=1, max_length=255, description="The new description of what it limits."
    )


@register(
    "update_rate_limit",
    title="Change a Verify rate limit's description",
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


class _InRateLimitInput(ServiceInput):
    """Arguments naming the rate limit a bucket belongs to."""

    rate_limit_sid: RateLimitSid = Field(
        validation_alias=names("rate_limit_sid"),
        description="The rate limit (RK...) the bucket belongs to.",
    )


class CreateBucketInput(_InRateLimitInput):
    """Arguments of create_rate_limit_bucket."""

    max: BucketMax
    interval: BucketInterval


@register(
    "create_rate_limit_bucket",
    title="Add a bucket to a Verify rate limit",
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


class ListBucketsInput(PageInput, RateLimitInput):
    """Arguments of list_rate_limit_buckets."""


class ListBucketsOutput(PageOutput):
    """One page of buckets."""

    buckets: list[BucketOutput] = Field(description="The buckets.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_rate_limit_buckets",
    title="List a Verify rate limit's buckets",
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
        arguments.service_sid, arguments.rate_limit_sid, **arguments.paging()
    )
    return ListBucketsOutput.of_page(page, BucketOutput.of, raw=arguments.include_raw)


class BucketInput(_InRateLimitInput):
    """Arguments naming one bucket."""

    bucket_sid: BucketSid = Field(
        validation_alias=names("bucket_sid", "sid"),
        description="The bucket (BL...), from list_rate_limit_buckets.",
    )


@register(
    "delete_rate_limit_bucket",
    title="Delete a bucket of a Verify rate limit",
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


class CreateVerifyWebhookInput(ServiceInput):
    """Arguments of create_verify_webhook."""

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


class ListVerifyWebhooksInput(PageInput, ServiceInput):
    """Arguments of list_verify_webhooks."""


class ListVerifyWebhooksOutput(PageOutput):
    """One page of Verify webhooks."""

    webhooks: list[VerifyWebhookOutput] = Field(description="The webhooks.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_verify_webhooks",
    title="List a Verify service's webhooks",
    group=GROUP,
)
async def list_verify_webhooks(
    context: ActionContext, arguments: ListVerifyWebhooksInput
) -> ListVerifyWebhooksOutput:
    """List the webhooks of a Verify service: the URL each posts verification events to,
    which events, and whether it is enabled. Use it to find a webhook's sid. Free,
    read-only."""
    page = await context.client.list_verify_webhooks(arguments.service_sid, **arguments.paging())
    return ListVerifyWebhooksOutput.of_page(page, VerifyWebhookOutput.of, raw=arguments.include_raw)


class VerifyWebhookInput(ServiceInput):
    """Arguments naming one Verify webhook."""

    webhook_sid: WebhookSid = Field(
        validation_alias=names("webhook_sid", "sid"),
        description="The webhook (YW...), from list_verify_webhooks.",
    )


@register(
    "delete_verify_webhook",
    title="Delete a Verify webhook",
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
