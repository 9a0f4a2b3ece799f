"""Output models shared by the action modules: one canonical snake_case model per resource.

Each model keeps the fields an agent reasons with under Twilio's own snake_case names (the
"SMS message concept" of the seed platforms for messages) and ``raw``, Twilio's JSON as
received, for anything else. Dates are ISO 8601 in UTC; prices are numbers in ``price_unit``.
Built from :mod:`twiliokit.resources` models with ``of(...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import ConfigDict, Field

from twiliokit.actions.models import ActionOutput
from twiliokit.errors import REMEDIATION

if TYPE_CHECKING:
    from decimal import Decimal

    from twiliokit.actions.sending import Scheduled
    from twiliokit.http.paging import Page
    from twiliokit.resources import (
        Call,
        Content,
        IncomingPhoneNumber,
        Media,
        Message,
        PhoneNumberLookup,
        RateLimit,
        Verification,
        VerificationCheck,
    )

__all__ = [
    "BucketOutput",
    "CallOutput",
    "Capabilities",
    "CopiedOutput",
    "DeletedOutput",
    "LookupOutput",
    "MediaOutput",
    "MessageOutput",
    "Output",
    "PageOutput",
    "PhoneNumberOutput",
    "RateLimitOutput",
    "TemplateOutput",
    "VerificationCheckOutput",
    "VerificationOutput",
    "VerifyServiceOutput",
    "VerifyWebhookOutput",
    "error_hint",
    "price_number",
    "scheduled_answer",
]

_RAW = "Twilio's JSON for this resource, unchanged (fields not listed above are here)."
_RAW_IN_LISTS = (
    "Twilio's JSON for this item, unchanged; null unless include_raw was true (lists leave it "
    "out to keep answers short)."
)


# Fields many outputs share, described once.
Created = Annotated[datetime | None, Field(description="When it was created (UTC).")]
Updated = Annotated[datetime | None, Field(description="When it last changed (UTC).")]
Raw = Annotated[dict[str, Any] | None, Field(description=_RAW)]
RawInLists = Annotated[dict[str, Any] | None, Field(description=_RAW_IN_LISTS)]
VerifyServiceSid = Annotated[str | None, Field(description="The Verify service (VA...).")]


class Output(ActionOutput):
    """Base of the catalogue's outputs."""

    # Built on first use, not at import: the catalogue holds dozens of models and importing
    # it (the cold start of a CLI command) should not pay for all of them.
    model_config = ConfigDict(defer_build=True)

    @classmethod
    def copied(cls, resource: Any, /, *, raw: bool, **computed: Any) -> Self:
        """The output of a Twilio ``resource`` (see :meth:`matching`), with its JSON as
        ``raw`` when asked for."""
        return cls.matching(resource, **computed, raw=_raw(resource.raw, raw))

    @classmethod
    def matching(cls, origin: Any, /, **computed: Any) -> Self:
        """The output of ``origin`` (a resource or a record): every field it shares by name
        with ``origin`` is copied; ``computed`` gives the others (and any that need
        converting)."""
        fields = {
            name: getattr(origin, name)
            for name in cls.model_fields
            if name not in computed and hasattr(origin, name)
        }
        return cls.model_validate({**fields, **computed})

    @classmethod
    def extending(cls, base: Output, /, **added: Any) -> Self:
        """This output from ``base``, an output of the model this one extends, with the fields
        this one adds (e.g. a send's output with the outbox_id of its record)."""
        return cls.model_validate({**base.model_dump(by_alias=True), **added})


class CopiedOutput(Output):
    """An output whose fields are all copied from its resource by name; it comes in lists,
    so ``raw`` is left out unless asked for."""

    @classmethod
    def of(cls, resource: Any, *, raw: bool = False) -> Self:
        """The output of ``resource`` (see :meth:`Output.copied`)."""
        return cls.copied(resource, raw=raw)


class PageOutput(Output):
    """Base of a list action's output: its items (the first field), then ``next_page_token``."""

    @classmethod
    def of_page(cls, page: Page[Any], item: Callable[..., Output], **options: Any) -> Self:
        """The output of one page: each resource on it becomes ``item(resource, **options)``."""
        items = next(iter(cls.model_fields))
        return cls.model_validate(
            {
                items: [item(resource, **options) for resource in page.items],
                "next_page_token": page.next_page_token,
            }
        )


def next_page_token_field(*, filtered: bool = False) -> Any:
    """The ``next_page_token`` of a list action's output (``filtered``: the action takes
    filters, which the next call must repeat)."""
    same = ", with the same filters," if filtered else ""
    return Field(
        description=f"Pass it back as page_token{same} for the next page; null when there are "
        "no more."
    )


def _raw(value: dict[str, Any], include: bool) -> dict[str, Any] | None:
    return dict(value) if include else None


def price_number(value: Decimal | None) -> float | None:
    """A price as every action's output gives it: a number (Twilio's API gives text)."""
    return float(value) if value is not None else None


def scheduled_answer(model: type[Output], scheduled: Scheduled, /, **known: Any) -> dict[str, Any]:
    """The fields of a send action's answer (``model``: its output without the outbox
    fields) for a send held in the outbox until its send_at: status scheduled, its addresses,
    outbox_id and send_at, and what else is ``known``; null for the rest, as nothing has left
    yet."""
    intent = scheduled.intent
    return {
        **dict.fromkeys(model.model_fields),
        "status": "scheduled",
        "direction": "outbound-api",
        "from_": intent.from_,
        "to": intent.to,
        "outbox_id": scheduled.outbox_id,
        "send_at": scheduled.send_at,
        **known,
    }


def error_hint(code: int | None) -> str | None:
    """What to do about a Twilio error code, when twiliokit knows."""
    return REMEDIATION.get(code) if code else None


class MessageOutput(Output):
    """An SMS, MMS or WhatsApp message."""

    sid: str = Field(description="The message SID (SM... or MM...): its unique id.")
    status: str | None = Field(
        description="queued, accepted, scheduled, sending, sent, delivered, undelivered, "
        "failed, receiving, received, read or canceled. sent means handed to the carrier; "
        "delivered means the handset confirmed it; failed/undelivered come with error_code."
    )
    direction: str | None = Field(
        description="outbound-api (sent through the API), outbound-reply, outbound-call or inbound."
    )
    from_: str | None = Field(
        alias="from",
        description="The sender: an E.164 number, short code, alphanumeric sender ID or "
        "whatsapp:+E164.",
    )
    to: str | None = Field(description="The recipient: E.164 number or whatsapp:+E164.")
    body: str | None = Field(description="The text (empty after redact_message).")
    num_segments: int | None = Field(
        description="Segments Twilio billed or will bill (0 until a Messaging Service picked a "
        "sender)."
    )
    num_media: int | None = Field(description="How many media files are attached.")
    price: float | None = Field(
        description="What it cost, in price_unit (negative: a charge); null until known."
    )
    price_unit: str | None = Field(description="Currency of price (ISO 4217, e.g. USD).")
    error_code: int | None = Field(
        description="Twilio's error code when status is failed or undelivered, else null."
    )
    error_message: str | None = Field(description="What error_code means, when Twilio says.")
    error_hint: str | None = Field(
        default=None, description="What to do about error_code, when twiliokit knows."
    )
    account_sid: str | None = Field(description="The account (AC...) the message belongs to.")
    messaging_service_sid: str | None = Field(
        description="The Messaging Service (MG...) that sent it, if any."
    )
    date_created: datetime | None = Field(description="When Twilio created it (UTC).")
    date_updated: Updated
    date_sent: datetime | None = Field(
        description="When Twilio sent it (outbound) or received it (inbound); null until then."
    )
    raw: Raw = None

    @classmethod
    def of(cls, message: Message, *, raw: bool = True) -> Self:
        return cls.copied(
            message,
            raw=raw,
            price=price_number(message.price),
            error_hint=error_hint(message.error_code),
        )


class MediaOutput(Output):
    """A media file attached to a message."""

    sid: str = Field(description="The media SID (ME...).")
    message_sid: str | None = Field(description="The message (SM/MM...) it belongs to.")
    content_type: str | None = Field(description="Its MIME type, e.g. image/jpeg.")
    url: str | None = Field(
        description="Its Twilio URL. Fetching it needs the account's credentials: "
        "raw_request with method GET and this URL as path answers with redirect_url, a "
        "temporary public link to the bytes."
    )
    date_created: datetime | None = Field(description="When it was stored (UTC).")
    raw: RawInLists = None

    @classmethod
    def of(cls, media: Media, *, base_url: str, raw: bool = False) -> Self:
        path = media.content_path
        return cls.copied(
            media,
            raw=raw,
            message_sid=media.parent_sid,
            url=base_url.rstrip("/") + path if path else None,
        )


class TemplateOutput(Output):
    """A message template (Content API) with its WhatsApp approval."""

    sid: str = Field(description="The template SID (HX...): pass it as content_sid.")
    friendly_name: str | None = Field(description="The template's name.")
    language: str | None = Field(description="Its language code, e.g. en.")
    approval_status: str | None = Field(
        description="WhatsApp's verdict: approved (may start conversations), pending or "
        "received (in review), rejected, paused, disabled, or unsubmitted. Only approved "
        "templates can be sent outside the 24-hour window."
    )
    category: str | None = Field(
        description="WhatsApp category: UTILITY, MARKETING or AUTHENTICATION."
    )
    rejection_reason: str | None = Field(description="Why WhatsApp rejected it, if it did.")
    body: str | None = Field(
        description="The text with {{1}}-style placeholders, when the template has one."
    )
    variables: dict[str, Any] | None = Field(
        description="The placeholders and their sample values: the keys content_variables "
        "must fill."
    )
    types: list[str] = Field(description="The content types it has, e.g. twilio/text.")
    date_created: Created
    date_updated: Updated
    raw: RawInLists = None

    @classmethod
    def of(cls, content: Content, *, raw: bool = False) -> Self:
        approval = content.approval_requests or {}
        nested = approval.get("whatsapp")
        if isinstance(nested, dict):
            approval = nested
        types = content.types or {}
        body = None
        for spec in types.values():
            if isinstance(spec, dict) and isinstance(spec.get("body"), str):
                body = spec["body"]
                break
        category = approval.get("category")
        reason = approval.get("rejection_reason")
        return cls.copied(
            content,
            raw=raw,
            approval_status=content.whatsapp_approval_status,
            category=category if isinstance(category, str) and category else None,
            rejection_reason=reason if isinstance(reason, str) and reason else None,
            body=body,
            types=sorted(types),
        )


class Capabilities(Output):
    """What a number can do."""

    sms: bool = Field(description="Can send and receive SMS.")
    mms: bool = Field(description="Can send and receive MMS.")
    voice: bool = Field(description="Can make and receive calls.")


class PhoneNumberOutput(Output):
    """A phone number the account owns."""

    sid: str = Field(description="The number's SID (PN...).")
    phone_number: str | None = Field(description="The number in E.164: use it as 'from'.")
    friendly_name: str | None = Field(description="Its display name.")
    capabilities: Capabilities = Field(description="What it can do.")
    sms_url: str | None = Field(description="Where Twilio posts incoming messages.")
    voice_url: str | None = Field(description="Where Twilio asks what to do with incoming calls.")
    status_callback: str | None = Field(description="Where Twilio posts call status changes.")
    date_created: datetime | None = Field(description="When the account got it (UTC).")
    raw: RawInLists = None

    @classmethod
    def of(cls, number: IncomingPhoneNumber, *, raw: bool = False) -> Self:
        caps = number.capabilities or {}
        return cls.copied(
            number,
            raw=raw,
            capabilities=Capabilities(
                sms=bool(caps.get("sms") or caps.get("SMS")),
                mms=bool(caps.get("mms") or caps.get("MMS")),
                voice=bool(caps.get("voice")),
            ),
            sms_url=number.sms_url or None,
            voice_url=number.voice_url or None,
            status_callback=number.status_callback or None,
        )


class CallOutput(Output):
    """A phone call."""

    sid: str = Field(description="The call SID (CA...).")
    status: str | None = Field(
        description="queued, ringing, in-progress, completed, busy, no-answer, failed or "
        "canceled. The last five are final."
    )
    direction: str | None = Field(description="outbound-api, outbound-dial or inbound.")
    from_: str | None = Field(alias="from", description="The caller ID (E.164).")
    to: str | None = Field(description="The number called (E.164).")
    answered_by: str | None = Field(
        description="With machine detection: human, machine_start, fax, unknown, ..."
    )
    start_time: datetime | None = Field(description="When it started ringing/connected (UTC).")
    end_time: datetime | None = Field(description="When it ended (UTC); null while live.")
    duration: int | None = Field(description="Seconds connected; null until it ends.")
    price: float | None = Field(description="What it cost in price_unit; null until known.")
    price_unit: str | None = Field(description="Currency of price (ISO 4217).")
    parent_call_sid: str | None = Field(description="The call that created this leg, if any.")
    account_sid: str | None = Field(description="The account (AC...).")
    date_created: datetime | None = Field(description="When Twilio created it (UTC).")
    date_updated: Updated
    raw: Raw = None

    @classmethod
    def of(cls, call: Call, *, raw: bool = True) -> Self:
        return cls.copied(call, raw=raw, price=price_number(call.price))


class VerifyServiceOutput(CopiedOutput):
    """A Verify service: the settings verification codes are sent with."""

    sid: str = Field(description="The service SID (VA...): the service_sid of Verify.")
    friendly_name: str | None = Field(description="The name shown in messages to users.")
    code_length: int | None = Field(description="Digits in each code (4-10).")
    lookup_enabled: bool | None = Field(description="Whether numbers are looked up first.")
    custom_code_enabled: bool | None = Field(description="Whether custom codes are allowed.")
    date_created: Created
    date_updated: Updated
    raw: RawInLists = None


class BucketOutput(CopiedOutput):
    """A rate-limit bucket: at most max verification starts per interval seconds."""

    sid: str = Field(description="The bucket SID (BL...).")
    rate_limit_sid: str | None = Field(description="The rate limit (RK...) it belongs to.")
    service_sid: VerifyServiceSid
    max: int | None = Field(description="Most starts allowed per interval for one value.")
    interval: int | None = Field(description="The window, in seconds.")
    date_created: Created
    date_updated: Updated
    raw: RawInLists = None


class RateLimitOutput(Output):
    """A Verify service rate limit: what is counted (unique_name) and its buckets."""

    sid: str = Field(description="The rate limit SID (RK...): its rate_limit_sid.")
    service_sid: VerifyServiceSid
    unique_name: str | None = Field(
        description="The key to pass in start_verification's rate_limits."
    )
    description: str | None = Field(description="What it limits, in words.")
    url: str | None = Field(description="Its API URL.")
    buckets: list[BucketOutput] | None = Field(
        default=None,
        description="Its buckets (limits per time window), when the action fetched them.",
    )
    date_created: Created
    date_updated: Updated
    raw: RawInLists = None

    @classmethod
    def of(
        cls,
        limit: RateLimit,
        *,
        buckets: list[BucketOutput] | None = None,
        raw: bool = False,
    ) -> Self:
        return cls.copied(limit, raw=raw, buckets=buckets)


class VerifyWebhookOutput(CopiedOutput):
    """A Verify webhook: where verification events are posted."""

    sid: str = Field(description="The webhook SID (YW...).")
    service_sid: VerifyServiceSid
    friendly_name: str | None = Field(description="The webhook's name.")
    webhook_url: str | None = Field(description="Where events are posted.")
    event_types: list[str] | None = Field(
        description="Events sent, e.g. ['*'] or ['verification.approved']."
    )
    status: str | None = Field(description="enabled or disabled.")
    version: str | None = Field(description="Payload version (v1 or v2).")
    date_created: Created
    date_updated: Updated
    raw: RawInLists = None


class VerificationOutput(Output):
    """A verification: a code sent to a user, waiting to be checked."""

    sid: str = Field(description="The verification SID (VE...).")
    service_sid: VerifyServiceSid
    to: str | None = Field(description="Where the code went (E.164 or email).")
    channel: str | None = Field(description="How: sms, call, email, whatsapp, ...")
    status: str | None = Field(
        description="pending (code sent, not yet checked), approved, canceled, expired, "
        "max_attempts_reached or failed."
    )
    valid: bool | None = Field(description="Whether a correct code was checked.")
    send_attempts: int = Field(
        description="How many times a code was sent for it (Twilio allows 5)."
    )
    date_created: datetime | None = Field(description="When it started (UTC).")
    date_updated: Updated
    raw: Raw = None

    @classmethod
    def of(cls, verification: Verification, *, raw: bool = True) -> Self:
        return cls.copied(
            verification, raw=raw, send_attempts=len(verification.send_code_attempts or [])
        )


class VerificationCheckOutput(Output):
    """The verdict on a code."""

    approved: bool = Field(
        description="True when the code was right: the user is verified. A wrong code is "
        "false (not an error): the user may try again, up to 5 times in all."
    )
    status: str | None = Field(
        description="approved when right; pending after a wrong code; canceled, expired or "
        "max_attempts_reached when no more checks can succeed."
    )
    valid: bool | None = Field(description="Twilio's valid flag (same as approved).")
    sid: str | None = Field(description="The verification SID (VE...).")
    service_sid: VerifyServiceSid
    to: str | None = Field(description="Who was verified.")
    channel: str | None = Field(description="How the code was sent.")
    date_created: datetime | None = Field(description="When the verification started (UTC).")
    date_updated: Updated
    raw: Raw = None

    @classmethod
    def of(cls, check: VerificationCheck, *, raw: bool = True) -> Self:
        return cls.copied(check, raw=raw, approved=check.status == "approved")


class LookupOutput(Output):
    """What Twilio knows about a phone number."""

    valid: bool | None = Field(
        description="Whether the number is valid (can exist). Invalid numbers are not an "
        "error: see validation_errors."
    )
    validation_errors: list[str] | None = Field(
        description="Why it is invalid: TOO_SHORT, TOO_LONG, INVALID_BUT_POSSIBLE, "
        "INVALID_COUNTRY_CODE, NOT_A_NUMBER, ..."
    )
    phone_number: str | None = Field(description="The number in E.164, when valid.")
    national_format: str | None = Field(description="As dialled in its country.")
    country_code: str | None = Field(description="ISO 3166 country, e.g. US.")
    calling_country_code: str | None = Field(description="The dialling prefix, e.g. 1.")
    line_type: str | None = Field(
        description="With fields=[line_type_intelligence]: mobile, landline, fixedVoip, "
        "nonFixedVoip, tollFree, ... (landlines cannot receive SMS)."
    )
    carrier_name: str | None = Field(description="With line_type_intelligence: the carrier.")
    caller_name: str | None = Field(description="With fields=[caller_name]: the CNAM name.")
    raw: dict[str, Any] | None = Field(
        default=None, description=_RAW + " Other data packages asked for are here."
    )

    @classmethod
    def of(cls, lookup: PhoneNumberLookup, *, raw: bool = True) -> Self:
        line = lookup.line_type_intelligence
        cnam = lookup.caller_name or {}
        name = cnam.get("caller_name")
        return cls.copied(
            lookup,
            raw=raw,
            line_type=line.type if line else None,
            carrier_name=line.carrier_name if line else None,
            caller_name=name if isinstance(name, str) else None,
        )


class DeletedOutput(Output):
    """What a delete removed."""

    sid: str = Field(description="The SID of what was deleted.")
    deleted: bool = Field(description="Always true: Twilio confirmed the deletion.")
