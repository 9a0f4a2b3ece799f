"""`twiliokit verify start|check|services|rate-limits|buckets|webhooks`: Twilio Verify.

Every command that works inside a Verify Service takes ``--service-sid`` (or the
``TWILIO_VERIFY_SERVICE_SID`` variable), so a script sets it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.common_options import with_common_options
from twiliokit.cli.option_values import split_pair
from twiliokit.cli.runner import Common, execute, given
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
RateLimit = Annotated[str, typer.Argument(metavar="SID", help="The rate limit (RK...).")]


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


def _in_service(
    action: str,
    service_sid: str | None,
    arguments: dict[str, Any],
    common: Common,
    *,
    show: Callable[[dict[str, Any]], None] = output.show_record,
) -> None:
    """Run ``action`` on ``arguments`` inside the service (``--service-sid``, checked first)."""
    execute(action, {"service_sid": _service(service_sid, common), **arguments}, common, show=show)


def _list_in_service(
    action: str, show: Callable[[dict[str, Any]], None], help_text: str
) -> Callable[..., None]:
    """A command that lists what ``action`` finds in the service, shown by ``show``."""

    def command(service_sid: ServiceSid = None, *, common: Common) -> None:
        _in_service(action, service_sid, {}, common, show=show)

    command.__doc__ = help_text
    return with_common_options()(command)


# Verifications ------------------------------------------------------------------------


def _rate_limit_values(values: list[str] | None, common: Common) -> dict[str, str] | None:
    """``--rate-limit UNIQUE_NAME=VALUE`` options as the action's rate limit values."""
    if not values:
        return None
    hint = "e.g. --rate-limit end_user_ip=203.0.113.9"
    with output.errors_handled(as_json=common.as_json):
        pairs = [
            split_pair(v, option="--rate-limit", field="rate_limits", key="UNIQUE_NAME", hint=hint)
            for v in values
        ]
    return dict(pairs)


@verify_app.command("start")
@with_common_options()
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
    *,
    common: Common,
) -> None:
    """Send a one-time code to TO."""
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
@with_common_options()
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
    *,
    common: Common,
) -> None:
    """Check CODE for --to (or --verification-sid); status 'approved' means it matched.

    A wrong code is a negative answer: the result is printed and the exit status is 3.
    """
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
        if not common.as_json:
            typer.echo(
                f"not approved: the code does not match (status {result.get('status')}).",
                err=True,
            )
        raise typer.Exit(output.EXIT_NEGATIVE)


# Services -----------------------------------------------------------------------------


@services_app.command("create")
@with_common_options()
def services_create(
    friendly_name: Annotated[
        str,
        typer.Argument(metavar="NAME", help="Name shown in messages ('Your NAME code is ...')."),
    ],
    code_length: Annotated[
        int | None, typer.Option("--code-length", help="Digits in each code (4-10).")
    ] = None,
    *,
    common: Common,
) -> None:
    """Create a Verify Service and print its SID."""
    arguments = given({"friendly_name": friendly_name, "code_length": code_length})
    execute("create_verify_service", arguments, common, show=output.show_record)


@services_app.command("list")
@with_common_options()
def services_list(*, common: Common) -> None:
    """List the account's Verify Services."""
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
@with_common_options()
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
    *,
    common: Common,
) -> None:
    """Create a rate limit on the service, optionally with buckets (--bucket 5/600)."""
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
@with_common_options()
def rate_limits_get(sid: RateLimit, service_sid: ServiceSid = None, *, common: Common) -> None:
    """Show one rate limit and its buckets."""
    _in_service("fetch_rate_limit", service_sid, {"rate_limit_sid": sid}, common)


rate_limits_app.command("list")(
    _list_in_service(
        "list_rate_limits",
        output.list_view("rate_limits", RATE_LIMIT_COLUMNS, empty="No rate limits."),
        "List the service's rate limits.",
    )
)


@rate_limits_app.command("update")
@with_common_options()
def rate_limits_update(
    sid: RateLimit,
    description: Annotated[str, typer.Option("--description", help="The new description.")],
    service_sid: ServiceSid = None,
    *,
    common: Common,
) -> None:
    """Change a rate limit's description."""
    arguments = {"rate_limit_sid": sid, "description": description}
    _in_service("update_rate_limit", service_sid, arguments, common)


@rate_limits_app.command("delete")
@with_common_options()
def rate_limits_delete(sid: RateLimit, service_sid: ServiceSid = None, *, common: Common) -> None:
    """Delete a rate limit and its buckets."""
    _in_service("delete_rate_limit", service_sid, {"rate_limit_sid": sid}, common)


# Buckets ------------------------------------------------------------------------------

BUCKET_COLUMNS = ("sid", "max", "interval", "date_created")


@buckets_app.command("create")
@with_common_options()
def buckets_create(
    rate_limit_sid: RateLimitSid,
    max_requests: Annotated[int, typer.Option("--max", help="Requests allowed per interval.")],
    interval: Annotated[int, typer.Option("--interval", help="The interval, in seconds.")],
    service_sid: ServiceSid = None,
    *,
    common: Common,
) -> None:
    """Add a bucket (at most --max requests per --interval seconds) to a rate limit."""
    arguments = {"rate_limit_sid": rate_limit_sid, "max": max_requests, "interval": interval}
    _in_service("create_rate_limit_bucket", service_sid, arguments, common)


@buckets_app.command("list")
@with_common_options()
def buckets_list(
    rate_limit_sid: RateLimitSid, service_sid: ServiceSid = None, *, common: Common
) -> None:
    """List a rate limit's buckets."""
    show = output.list_view("buckets", BUCKET_COLUMNS, empty="No buckets.")
    arguments = {"rate_limit_sid": rate_limit_sid}
    _in_service("list_rate_limit_buckets", service_sid, arguments, common, show=show)


@buckets_app.command("delete")
@with_common_options()
def buckets_delete(
    sid: Annotated[str, typer.Argument(metavar="SID", help="The bucket (BL...).")],
    rate_limit_sid: RateLimitSid,
    service_sid: ServiceSid = None,
    *,
    common: Common,
) -> None:
    """Delete a bucket."""
    arguments = {"rate_limit_sid": rate_limit_sid, "bucket_sid": sid}
    _in_service("delete_rate_limit_bucket", service_sid, arguments, common)


# Webhooks -----------------------------------------------------------------------------

WEBHOOK_COLUMNS = ("sid", "friendly_name", "webhook_url", "event_types", "status")


@webhooks_app.command("create")
@with_common_options()
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
    *,
    common: Common,
) -> None:
    """Subscribe URL to the service's events."""
    arguments = {
        "friendly_name": friendly_name,
        "webhook_url": webhook_url,
        "event_types": event_types,
        "status": status,
        "version": version,
    }
    _in_service("create_verify_webhook", service_sid, given(arguments), common)


webhooks_app.command("list")(
    _list_in_service(
        "list_verify_webhooks",
        output.list_view("webhooks", WEBHOOK_COLUMNS, empty="No webhooks."),
        "List the service's webhooks.",
    )
)


@webhooks_app.command("delete")
@with_common_options()
def webhooks_delete(
    sid: Annotated[str, typer.Argument(metavar="SID", help="The webhook (YW...).")],
    service_sid: ServiceSid = None,
    *,
    common: Common,
) -> None:
    """Delete a webhook."""
    _in_service("delete_verify_webhook", service_sid, {"webhook_sid": sid}, common)
