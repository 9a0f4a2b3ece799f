"""`twiliokit verify start|check|services|rate-limits|buckets|webhooks`: Twilio Verify.

Every command that works inside a Verify Service takes ``--service-sid`` (or the
``TWILIO_VERIFY_SERVICE_SID`` variable), so a script sets it once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from twiliokit.cli import output
from twiliokit.cli.runner import (
    BaseUrlOption,
    Common,
    ConfigOption,
    JsonOption,
    ProfileOption,
    ShapeOption,
    execute,
    given,
)
from twiliokit.errors import ValidationError

__all__ = ["SERVICE_ENV", "verify_app"]

#: The Verify Service the commands use when --service-sid is not given.
SERVICE_ENV = "TWILIO_VERIFY_SERVICE_SID"

verify_app = typer.Typer(
    name="verify",
    help="Twilio Verify: send and check one-time codes; manage services, rate limits, "
    "buckets and webhooks.",
    no_args_is_help=True,
)
services_app = typer.Typer(name="services", help="Verify Services.", no_args_is_help=True)
rate_limits_app = typer.Typer(
    name="rate-limits",
    help="A service's rate limits (keys such as end_user_ip_address).",
    no_args_is_help=True,
)
buckets_app = typer.Typer(
    name="buckets", help="A rate limit's buckets (max per interval).", no_args_is_help=True
)
webhooks_app = typer.Typer(
    name="webhooks", help="A service's event webhooks.", no_args_is_help=True
)
verify_app.add_typer(services_app, name="services")
verify_app.add_typer(rate_limits_app, name="rate-limits")
verify_app.add_typer(buckets_app, name="buckets")
verify_app.add_typer(webhooks_app, name="webhooks")

ServiceSid = Annotated[
    str | None,
    typer.Option(
        "--service-sid",
        "-s",
        metavar="VA...",
        envvar=SERVICE_ENV,
        show_envvar=False,
        help=f"The Verify Service. (env: {SERVICE_ENV})",
    ),
]
RateLimitSid = Annotated[
    str, typer.Option("--rate-limit-sid", metavar="RK...", help="The rate limit.")
]


def _service(value: str | None, common: Common) -> str:
    """The service SID, or the one-line error saying how to give it."""
    if not value:
        output.fail(
            ValidationError(
                "a Verify Service is needed",
                field="service_sid",
                hint=f"pass --service-sid VA... or set {SERVICE_ENV}; create a service with "
                "`twiliokit verify services create NAME`",
            ),
            as_json=common.as_json,
        )
    return value


def _common(
    profile: str | None,
    config: Path | None,
    base_url: str | None,
    as_json: bool,
    shape: str | None = None,
) -> Common:
    return Common(profile=profile, config=config, base_url=base_url, as_json=as_json, shape=shape)


# Verifications ------------------------------------------------------------------------


def _rate_limit_values(values: list[str] | None, common: Common) -> dict[str, str] | None:
    if not values:
        return None
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, limited = value.partition("=")
        if not sep or not name.strip():
            output.fail(
                ValidationError(
                    f"--rate-limit {value!r} is not UNIQUE_NAME=VALUE",
                    field="rate_limits",
                    hint="e.g. --rate-limit end_user_ip=203.0.113.9",
                ),
                as_json=common.as_json,
            )
        pairs[name.strip()] = limited
    return pairs


@verify_app.command("start")
def verify_start(
    to: Annotated[
        str, typer.Argument(metavar="TO", help="Phone number (E.164) or email to verify.")
    ],
    service_sid: ServiceSid = None,
    channel: Annotated[
        str, typer.Option("--channel", help="sms, call, whatsapp or email.")
    ] = "sms",
    locale: Annotated[
        str | None, typer.Option("--locale", help="Language of the message, e.g. en or fr.")
    ] = None,
    rate_limit: Annotated[
        list[str] | None,
        typer.Option(
            "--rate-limit",
            metavar="UNIQUE_NAME=VALUE",
            help="Value for one of the service's rate limits, e.g. end_user_ip=203.0.113.9; "
            "repeatable.",
        ),
    ] = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Send a one-time code to TO."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = given(
        {
            "service_sid": _service(service_sid, common),
            "to": to,
            "channel": channel,
            "locale": locale,
            "rate_limits": _rate_limit_values(rate_limit, common),
        }
    )
    execute("start_verification", arguments, common, show=output.show_record)


@verify_app.command("check")
def verify_check(
    code: Annotated[str, typer.Argument(metavar="CODE", help="The code the user typed.")],
    to: Annotated[
        str | None, typer.Option("--to", help="The number or email the code was sent to.")
    ] = None,
    verification_sid: Annotated[
        str | None,
        typer.Option("--verification-sid", metavar="VE...", help="Or: the verification's SID."),
    ] = None,
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Check CODE for --to (or --verification-sid); status 'approved' means it matched.

    A wrong code is a negative answer: the result is printed and the exit status is 3.
    """
    common = _common(profile, config, base_url, as_json, shape)
    arguments = given(
        {
            "service_sid": _service(service_sid, common),
            "code": code,
            "to": to,
            "verification_sid": verification_sid,
        }
    )
    result = execute("check_verification", arguments, common, show=output.show_record)
    if not result.get("approved"):
        if not as_json:
            typer.echo(
                f"not approved: the code does not match (status {result.get('status')}).",
                err=True,
            )
        raise typer.Exit(output.EXIT_NEGATIVE)


# Services -----------------------------------------------------------------------------


@services_app.command("create")
def services_create(
    friendly_name: Annotated[
        str,
        typer.Argument(metavar="NAME", help="Name shown in messages ('Your NAME code is ...')."),
    ],
    code_length: Annotated[
        int | None, typer.Option("--code-length", help="Digits in each code (4-10).")
    ] = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Create a Verify Service and print its SID."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = given({"friendly_name": friendly_name, "code_length": code_length})
    execute("create_verify_service", arguments, common, show=output.show_record)


@services_app.command("list")
def services_list(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """List the account's Verify Services."""
    common = _common(profile, config, base_url, as_json, shape)
    execute(
        "list_verify_services",
        {},
        common,
        show=output.list_view(
            "services",
            ("sid", "friendly_name", "code_length", "date_created"),
            empty="No services.",
        ),
    )


# Rate limits --------------------------------------------------------------------------


def _buckets(values: list[str] | None, common: Common) -> list[dict[str, int]] | None:
    """``--bucket MAX/SECONDS`` options as the action's bucket objects."""
    if not values:
        return None
    buckets = []
    for value in values:
        most, sep, seconds = value.partition("/")
        if not (sep and most.strip().isdigit() and seconds.strip().isdigit()):
            output.fail(
                ValidationError(
                    f"--bucket {value!r} is not MAX/SECONDS",
                    field="buckets",
                    hint="e.g. --bucket 5/600 for at most 5 starts per value in 10 minutes",
                ),
                as_json=common.as_json,
            )
        buckets.append({"max": int(most), "interval": int(seconds)})
    return buckets


RATE_LIMIT_COLUMNS = ("sid", "unique_name", "description", "date_created")


@rate_limits_app.command("create")
def rate_limits_create(
    unique_name: Annotated[
        str, typer.Argument(metavar="UNIQUE_NAME", help="The key, e.g. end_user_ip_address.")
    ],
    description: Annotated[
        str | None, typer.Option("--description", help="What it limits, in words.")
    ] = None,
    bucket: Annotated[
        list[str] | None,
        typer.Option(
            "--bucket",
            metavar="MAX/SECONDS",
            help="Also create a bucket, e.g. 5/600 (5 starts per 10 minutes); repeatable.",
        ),
    ] = None,
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Create a rate limit on the service, optionally with buckets (--bucket 5/600)."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = given(
        {
            "service_sid": _service(service_sid, common),
            "unique_name": unique_name,
            "description": description,
            "buckets": _buckets(bucket, common),
        }
    )
    execute("create_rate_limit", arguments, common, show=output.show_record)


@rate_limits_app.command("get")
def rate_limits_get(
    sid: Annotated[str, typer.Argument(metavar="SID", help="The rate limit (RK...).")],
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Show one rate limit and its buckets."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = {"service_sid": _service(service_sid, common), "rate_limit_sid": sid}
    execute("fetch_rate_limit", arguments, common, show=output.show_record)


@rate_limits_app.command("list")
def rate_limits_list(
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """List the service's rate limits."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = {"service_sid": _service(service_sid, common)}
    execute(
        "list_rate_limits",
        arguments,
        common,
        show=output.list_view("rate_limits", RATE_LIMIT_COLUMNS, empty="No rate limits."),
    )


@rate_limits_app.command("update")
def rate_limits_update(
    sid: Annotated[str, typer.Argument(metavar="SID", help="The rate limit (RK...).")],
    description: Annotated[str, typer.Option("--description", help="The new description.")],
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Change a rate limit's description."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = {
        "service_sid": _service(service_sid, common),
        "rate_limit_sid": sid,
        "description": description,
    }
    execute("update_rate_limit", arguments, common, show=output.show_record)


@rate_limits_app.command("delete")
def rate_limits_delete(
    sid: Annotated[str, typer.Argument(metavar="SID", help="The rate limit (RK...).")],
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Delete a rate limit and its buckets."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = {"service_sid": _service(service_sid, common), "rate_limit_sid": sid}
    execute("delete_rate_limit", arguments, common, show=output.show_record)


# Buckets ------------------------------------------------------------------------------

BUCKET_COLUMNS = ("sid", "max", "interval", "date_created")


@buckets_app.command("create")
def buckets_create(
    rate_limit_sid: RateLimitSid,
    max_requests: Annotated[int, typer.Option("--max", help="Requests allowed per interval.")],
    interval: Annotated[int, typer.Option("--interval", help="The interval, in seconds.")],
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Add a bucket (at most --max requests per --interval seconds) to a rate limit."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = {
        "service_sid": _service(service_sid, common),
        "rate_limit_sid": rate_limit_sid,
        "max": max_requests,
        "interval": interval,
    }
    execute("create_rate_limit_bucket", arguments, common, show=output.show_record)


@buckets_app.command("list")
def buckets_list(
    rate_limit_sid: RateLimitSid,
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """List a rate limit's buckets."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = {"service_sid": _service(service_sid, common), "rate_limit_sid": rate_limit_sid}
    show = output.list_view("buckets", BUCKET_COLUMNS, empty="No buckets.")
    execute("list_rate_limit_buckets", arguments, common, show=show)


@buckets_app.command("delete")
def buckets_delete(
    sid: Annotated[str, typer.Argument(metavar="SID", help="The bucket (BL...).")],
    rate_limit_sid: RateLimitSid,
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Delete a bucket."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = {
        "service_sid": _service(service_sid, common),
        "rate_limit_sid": rate_limit_sid,
        "bucket_sid": sid,
    }
    execute("delete_rate_limit_bucket", arguments, common, show=output.show_record)


# Webhooks -----------------------------------------------------------------------------

WEBHOOK_COLUMNS = ("sid", "friendly_name", "webhook_url", "event_types", "status")


@webhooks_app.command("create")
def webhooks_create(
    friendly_name: Annotated[str, typer.Argument(metavar="NAME", help="A name for it.")],
    webhook_url: Annotated[str, typer.Argument(metavar="URL", help="Where events are posted.")],
    event_types: Annotated[
        list[str],
        typer.Option(
            "--event",
            metavar="TYPE",
            help="Event type, e.g. * or factor.verified; repeatable.",
        ),
    ],
    status: Annotated[str | None, typer.Option("--status", help="enabled or disabled.")] = None,
    version: Annotated[str | None, typer.Option("--version", help="v1 or v2.")] = None,
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Subscribe URL to the service's events."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = given(
        {
            "service_sid": _service(service_sid, common),
            "friendly_name": friendly_name,
            "webhook_url": webhook_url,
            "event_types": event_types,
            "status": status,
            "version": version,
        }
    )
    execute("create_verify_webhook", arguments, common, show=output.show_record)


@webhooks_app.command("list")
def webhooks_list(
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """List the service's webhooks."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = {"service_sid": _service(service_sid, common)}
    show = output.list_view("webhooks", WEBHOOK_COLUMNS, empty="No webhooks.")
    execute("list_verify_webhooks", arguments, common, show=show)


@webhooks_app.command("delete")
def webhooks_delete(
    sid: Annotated[str, typer.Argument(metavar="SID", help="The webhook (YW...).")],
    service_sid: ServiceSid = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Delete a webhook."""
    common = _common(profile, config, base_url, as_json, shape)
    arguments = {"service_sid": _service(service_sid, common), "webhook_sid": sid}
    execute("delete_verify_webhook", arguments, common, show=output.show_record)
