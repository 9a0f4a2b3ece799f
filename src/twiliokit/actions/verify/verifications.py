"""Verifications: send a one-time code (start_verification) and check the code a user gives
(check_verification)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from twiliokit.actions.context import ActionContext
from twiliokit.actions.hooks import SendIntent
from twiliokit.actions.inputs import names, register
from twiliokit.actions.outputs import VerificationCheckOutput, VerificationOutput
from twiliokit.actions.sending import outbox_id_field, send_now
from twiliokit.actions.verify.fields import GROUP, ServiceInput, UniqueName, VerificationSid
from twiliokit.actions.verify.services import rate_limit_buckets
from twiliokit.errors import RateLimitError, TwiliokitError, ValidationError
from twiliokit.http.retry import TOO_MANY_REQUESTS
from twiliokit.phone import parse_address

__all__ = [
    "CheckVerificationInput",
    "StartVerificationInput",
    "StartVerificationOutput",
    "check_verification",
    "start_verification",
]

# The shape of an address only (something@domain.tld): whether it exists is Twilio's
# business, and a full RFC 5322 parser would refuse nothing an agent plausibly sends.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _to_e164(arguments: ServiceInput, to: str) -> None:
    """Check the phone number ``to`` and store it in ``arguments`` in E.164."""
    number = parse_address(to, field="to", allow=frozenset({"phone"})).value
    object.__setattr__(arguments, "to", number)  # frozen model: normalise to E.164 once


def _code_text(value: Any) -> Any:
    """A code given as a number (123456) is the same code as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class StartVerificationInput(ServiceInput):
    """Arguments of start_verification."""

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
        _to_e164(self, self.to)
        return self


class StartVerificationOutput(VerificationOutput):
    """The verification Twilio started, and the outbox item that recorded the send."""

    outbox_id: str | None = outbox_id_field()


@register(
    "start_verification",
    title="Send a one-time verification code",
    side_effect="write",
    costs_money=True,
    idempotent=False,
    group=GROUP,
)
async def start_verification(
    context: ActionContext, arguments: StartVerificationInput
) -> StartVerificationOutput:
    """Send a one-time code to a phone number (by SMS, voice call or WhatsApp) or email
    address through a Verify service, to prove the user controls it; then pass the code the
    user gives you to check_verification. Twilio makes and keeps the code. It costs money
    (the channel's price, plus a fee per successful verification). Starting again for the
    same recipient within 10 minutes re-sends the same code (at most 5 sends). The output
    has status pending and the verification sid. Like every send it is checked first
    (countries, and opt-outs for sms and whatsapp) and recorded in the outbox."""
    from twiliokit.resources.verify import Verification

    intent = SendIntent(
        channel=arguments.channel,
        to=arguments.to,
        from_=None,
        service_sid=arguments.service_sid,
        details={
            "channel": arguments.channel,
            "locale": arguments.locale,
            "rate_limits": arguments.rate_limits,
        },
    )
    try:
        sent = await send_now(context, intent, Verification, action="start_verification")
    except RateLimitError as exc:
        if not arguments.rate_limits or exc.code not in (None, TOO_MANY_REQUESTS):
            raise
        raise await _service_limit_refusal(context, arguments, exc) from exc
    return StartVerificationOutput.extending(
        VerificationOutput.of(sent.result), outbox_id=sent.outbox_id
    )


async def _service_limit_refusal(
    context: ActionContext, arguments: StartVerificationInput, exc: RateLimitError
) -> RateLimitError:
    """The 429 of a start that named service rate limits, saying which limits and buckets
    could have refused it and when they refill (Twilio's own answer names neither)."""
    named = set(arguments.rate_limits or ())
    try:
        page = await context.client.list_rate_limits(arguments.service_sid, page_size=100)
        limits = [
            (limit, await rate_limit_buckets(context, arguments.service_sid, limit.sid))
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


class CheckVerificationInput(ServiceInput):
    """Arguments of check_verification."""

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
            _to_e164(self, self.to)
        return self


@register(
    "check_verification",
    title="Check a one-time verification code",
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
