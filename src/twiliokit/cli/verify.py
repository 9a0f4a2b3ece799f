"""`twiliokit verify start|check|services|rate-limits|buckets|webhooks`: Twilio Verify.

Every command that works inside a Verify Service takes ``--service-sid`` (or the
``TWILIO_VERIFY_SERVICE_SID`` variable), so a script sets it once.
"""

from __future__ import annotations

from typing import Annotated, Final

import typer

from twiliokit.cli import output
from twiliokit.cli.action_command import REQUIRED, Given, Show, action_command, option
from twiliokit.cli.common_options import Command, with_common_options
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


def _service(value: str | None) -> str:
    """The service SID, or the one-line error saying how to give it."""
    if not value:
        raise ValidationError(
            "a Verify Service is needed",
            field="service_sid",
            hint=f"pass --service-sid VA... or set {SERVICE_ENV}; create a service with "
            "`twiliokit verify services create NAME`",
        )
    return value


#: ``--service-sid``, checked before the action runs.
SERVICE = Given("service_sid", ServiceSid, read=_service)


def _in_service(
    action: str, help_text: str, params: tuple[Given, ...] = (), *, show: Show = output.show_record
) -> Command:
    """A command that runs ``action`` inside the service with ``params``, then ``--service-sid``."""
    return action_command(action, help_text, (*params, SERVICE), show=show)


# Verifications ------------------------------------------------------------------------


def _rate_limit_values(values: list[str] | None) -> dict[str, str] | None:
    """``--rate-limit UNIQUE_NAME=VALUE`` options as the action's rate limit values."""
    if not values:
        return None
    hint = "e.g. --rate-limit end_user_ip=203.0.113.9"
    return dict(
        split_pair(v, option="--rate-limit", field="rate_limits", key="UNIQUE_NAME", hint=hint)
        for v in values
    )


verify_app.command("start")(
    action_command(
        "start_verification",
        "Send a one-time code to TO.",
        (
            Given(
                "to",
                Annotated[
                    str,
                    typer.Argument(metavar="TO", help="Phone number (E.164) or email to verify."),
                ],
                REQUIRED,
            ),
            SERVICE,
            Given(
                "channel",
                Annotated[str, typer.Option("--channel", help="sms, call, whatsapp or email.")],
                "sms",
            ),
            option("--locale", "Language of the message, e.g. en or fr."),
            option(
                "--rate-limit",
                "Value for one of the service's rate limits, e.g. end_user_ip=203.0.113.9; "
                "repeatable.",
                key="rate_limits",
                kind=list[str],
                metavar="UNIQUE_NAME=VALUE",
                read=_rate_limit_values,
            ),
        ),
    )
)


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
    with output.errors_handled(as_json=common.as_json):
        service = _service(service_sid)
    arguments = given(
        {"service_sid": service, "code": code, "to": to, "verification_sid": verification_sid}
    )
    # Not an ``action_command``: the answer decides the exit status.
    result = execute("check_verification", arguments, common, show=output.show_record)
    if not result.get("approved"):
        if not common.as_json:
            typer.echo(f"not approved: {_why_not(result.get('status'))}.", err=True)
        raise typer.Exit(output.EXIT_NEGATIVE)


# Services -----------------------------------------------------------------------------

services_app.command("create")(
    action_command(
        "create_verify_service",
        "Create a Verify Service and print its SID.",
        (
            Given(
                "friendly_name",
                Annotated[
                    str,
                    typer.Argument(
                        metavar="NAME", help="Name shown in messages ('Your NAME code is ...')."
                    ),
                ],
                REQUIRED,
            ),
            option("--code-length", "Digits in each code (4-10).", kind=int),
        ),
    )
)

services_app.command("list")(
    action_command(
        "list_verify_services",
        "List the account's Verify Services.",
        (),
        show=output.list_view(
            "services",
            ("sid", "friendly_name", "code_length", "date_created"),
            empty="No services.",
        ),
    )
)


# Rate limits --------------------------------------------------------------------------


def _buckets(values: list[str] | None) -> list[dict[str, int]] | None:
    """``--bucket MAX/SECONDS`` options as the action's bucket objects."""
    if not values:
        return None
    buckets = []
    for value in values:
        most, sep, seconds = value.partition("/")
        if not (sep and most.strip().isdigit() and seconds.strip().isdigit()):
            raise ValidationError(
                f"--bucket {value!r} is not MAX/SECONDS",
                field="buckets",
                hint="e.g. --bucket 5/600 for at most 5 starts per value in 10 minutes",
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
    # Not an ``action_command``, which reads options in their --help order: a missing
    # service is reported before a malformed --bucket.
    with output.errors_handled(as_json=common.as_json):
        service = _service(service_sid)
        buckets = _buckets(bucket)
    arguments = given(
        {
            "service_sid": service,
            "unique_name": unique_name,
            "description": description,
            "buckets": buckets,
        }
    )
    execute("create_rate_limit", arguments, common, show=output.show_record)


def _sid(key: str, help_text: str) -> Given:
    """The ``SID`` argument, the action's ``key``."""
    return Given(
        key, Annotated[str, typer.Argument(metavar="SID", help=help_text)], REQUIRED, name="sid"
    )


RATE_LIMIT = _sid("rate_limit_sid", "The rate limit (RK...).")

rate_limits_app.command("get")(
    _in_service("fetch_rate_limit", "Show one rate limit and its buckets.", (RATE_LIMIT,))
)
rate_limits_app.command("list")(
    _in_service(
        "list_rate_limits",
        "List the service's rate limits.",
        show=output.list_view("rate_limits", RATE_LIMIT_COLUMNS, empty="No rate limits."),
    )
)
rate_limits_app.command("update")(
    _in_service(
        "update_rate_limit",
        "Change a rate limit's description.",
        (
            RATE_LIMIT,
            Given(
                "description",
                Annotated[str, typer.Option("--description", help="The new description.")],
                REQUIRED,
            ),
        ),
    )
)
rate_limits_app.command("delete")(
    _in_service("delete_rate_limit", "Delete a rate limit and its buckets.", (RATE_LIMIT,))
)


# Buckets ------------------------------------------------------------------------------

BUCKET_COLUMNS = ("sid", "max", "interval", "date_created")
OF_RATE_LIMIT = Given("rate_limit_sid", RateLimitSid, REQUIRED)

buckets_app.command("create")(
    _in_service(
        "create_rate_limit_bucket",
        "Add a bucket (at most --max requests per --interval seconds) to a rate limit.",
        (
            OF_RATE_LIMIT,
            Given(
                "max",
                Annotated[int, typer.Option("--max", help="Requests allowed per interval.")],
                REQUIRED,
                name="max_requests",
            ),
            Given(
                "interval",
                Annotated[int, typer.Option("--interval", help="The interval, in seconds.")],
                REQUIRED,
            ),
        ),
    )
)
buckets_app.command("list")(
    _in_service(
        "list_rate_limit_buckets",
        "List a rate limit's buckets.",
        (OF_RATE_LIMIT,),
        show=output.list_view("buckets", BUCKET_COLUMNS, empty="No buckets."),
    )
)
buckets_app.command("delete")(
    _in_service(
        "delete_rate_limit_bucket",
        "Delete a bucket.",
        (
            _sid("bucket_sid", "The bucket (BL...)."),
            OF_RATE_LIMIT,
        ),
    )
)


# Webhooks -----------------------------------------------------------------------------

WEBHOOK_COLUMNS = ("sid", "friendly_name", "webhook_url", "event_types", "status")

webhooks_app.command("create")(
    _in_service(
        "create_verify_webhook",
        "Subscribe URL to the service's events.",
        (
            Given(
                "friendly_name",
                Annotated[str, typer.Argument(metavar="NAME", help="A name for it.")],
                REQUIRED,
            ),
            Given(
                "webhook_url",
                Annotated[str, typer.Argument(metavar="URL", help="Where events are posted.")],
                REQUIRED,
            ),
            Given(
                "event_types",
                Annotated[
                    list[str],
                    typer.Option(
                        "--event",
                        metavar="TYPE",
                        help="Event type, e.g. * or factor.verified; repeatable.",
                    ),
                ],
                REQUIRED,
            ),
            option("--status", "enabled or disabled."),
            option("--version", "v1 or v2."),
        ),
    )
)
webhooks_app.command("list")(
    _in_service(
        "list_verify_webhooks",
        "List the service's webhooks.",
        show=output.list_view("webhooks", WEBHOOK_COLUMNS, empty="No webhooks."),
    )
)
webhooks_app.command("delete")(
    _in_service(
        "delete_verify_webhook",
        "Delete a webhook.",
        (_sid("webhook_sid", "The webhook (YW...)."),),
    )
)


#: Why a check was not approved, by the verification's status (Twilio's ``status`` values).
_NOT_APPROVED: Final = {
    "pending": "the code does not match (the verification is still pending)",
    "max_attempts_reached": "too many wrong codes: this verification takes no more checks "
    "(start a new one)",
    "canceled": "the verification was canceled (start a new one)",
    "expired": "the verification expired (start a new one)",
}


def _why_not(status: object) -> str:
    """Why a check came back not approved, in words (status ``pending``: a wrong code)."""
    return _NOT_APPROVED.get(str(status), f"the verification is {status}")
