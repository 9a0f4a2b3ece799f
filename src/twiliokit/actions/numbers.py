"""Phone-number actions: the numbers the account owns (what 'from' can be), and where their
incoming messages and calls go (``update_phone_number_webhooks``, which `twiliokit webhooks
connect` runs)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from twiliokit.actions.context import ActionContext
from twiliokit.actions.inputs import (
    AgentInput,
    PageInput,
    WebUrl,
    address,
    names,
    register,
)
from twiliokit.actions.outputs import Output, PageOutput, PhoneNumberOutput, next_page_token_field
from twiliokit.errors import ValidationError

__all__ = [
    "ListPhoneNumbersInput",
    "ListPhoneNumbersOutput",
    "UpdatePhoneNumberWebhooksInput",
    "UpdatePhoneNumberWebhooksOutput",
    "WebhookChange",
    "list_phone_numbers",
    "update_phone_number_webhooks",
]


class _NumberFilters(AgentInput):
    """The filters of list_phone_numbers."""

    phone_number: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9*]{1,16}$",
        description="Only numbers containing these digits (e.g. 415 or +14155550100).",
    )
    friendly_name: str | None = Field(
        default=None, min_length=1, max_length=64, description="Only numbers with this name."
    )


class ListPhoneNumbersInput(PageInput, _NumberFilters):
    """Arguments of list_phone_numbers."""

    include_raw: bool = Field(default=False, description="Include each number's raw JSON.")


class ListPhoneNumbersOutput(PageOutput):
    """One page of owned numbers."""

    phone_numbers: list[PhoneNumberOutput] = Field(description="The numbers.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_phone_numbers",
    title="List the account's phone numbers",
    group="numbers",
)
async def list_phone_numbers(
    context: ActionContext, arguments: ListPhoneNumbersInput
) -> ListPhoneNumbersOutput:
    """List the phone numbers the account owns, with what each can do (SMS, MMS, voice)
    and where its incoming messages and calls go. Use it to choose a 'from' for send_sms
    or make_call. Free, read-only."""
    page = await context.client.list_phone_numbers(
        phone_number=arguments.phone_number,
        friendly_name=arguments.friendly_name,
        **arguments.paging(),
    )
    return ListPhoneNumbersOutput.of_page(page, PhoneNumberOutput.of, raw=arguments.include_raw)


# --- update_phone_number_webhooks ------------------------------------------------------------

WebhookField = Literal["sms_url", "voice_url", "status_callback"]


class UpdatePhoneNumberWebhooksInput(AgentInput):
    """Arguments of update_phone_number_webhooks."""

    phone_number: Annotated[str, address("phone_number", frozenset({"phone", "short_code"}))] = (
        Field(
            validation_alias=names("phone_number", "number"),
            description="One of the account's numbers, in E.164 (+14155550100), or a short code.",
        )
    )
    sms_url: WebUrl | None = Field(
        default=None, description="Where Twilio posts the number's incoming messages."
    )
    voice_url: WebUrl | None = Field(
        default=None, description="Where Twilio asks what to do with the number's incoming calls."
    )
    status_callback: WebUrl | None = Field(
        default=None, description="Where Twilio posts the status changes of the number's calls."
    )
    replace: bool = Field(
        default=False,
        description="Replace URLs that point somewhere else. Without it a URL set to another "
        "address is refused (the other app would stop getting Twilio's requests).",
    )


class WebhookChange(Output):
    """One webhook URL of the number: what it was and what it is now."""

    field: WebhookField = Field(description="sms_url, voice_url or status_callback.")
    old: str | None = Field(description="The URL before (null: none was set).")
    new: str = Field(description="The URL now.")


class UpdatePhoneNumberWebhooksOutput(Output):
    """Where the number's webhooks point now."""

    phone_number: str = Field(description="The number, in E.164.")
    sid: str = Field(description="The number's SID (PN...).")
    changed: bool = Field(description="Whether anything was updated (false: already so).")
    changes: list[WebhookChange] = Field(
        description="Each URL given, with its old value (unchanged ones too)."
    )


@register(
    "update_phone_number_webhooks",
    title="Point a number's webhooks at a URL",
    side_effect="write",
    idempotent=True,
    group="numbers",
)
async def update_phone_number_webhooks(
    context: ActionContext, arguments: UpdatePhoneNumberWebhooksInput
) -> UpdatePhoneNumberWebhooksOutput:
    """Set where one of the account's numbers sends its incoming messages (sms_url), asks
    what to do with incoming calls (voice_url) and posts call status changes
    (status_callback), with POST. A URL already pointing somewhere else is refused unless
    replace is true; the answer shows each old and new URL. Use it to connect a number to a
    webhook receiver. Free; idempotent (setting the same URLs again changes nothing)."""
    number = arguments.phone_number
    wanted: dict[WebhookField, str | None] = {
        "sms_url": arguments.sms_url,
        "voice_url": arguments.voice_url,
        "status_callback": arguments.status_callback,
    }
    if not any(wanted.values()):
        raise ValidationError(
            "nothing to point: give sms_url, voice_url or status_callback",
            field="sms_url",
            hint="Give at least one URL, e.g. sms_url=https://example.com/webhooks/twilio/messaging.",
        )
    page = await context.client.list_phone_numbers(phone_number=number)
    found = [n for n in page.items if n.phone_number == number and n.sid]
    if not found:
        raise ValidationError(
            f"the account has no phone number {number}",
            field="phone_number",
            hint="list_phone_numbers shows the account's numbers; give one of them in E.164 "
            "(+14155550100).",
        )
    current = found[0]
    changes = [
        WebhookChange(field=name, old=getattr(current, name, None) or None, new=url)
        for name, url in wanted.items()
        if url is not None
    ]
    conflicts = [c for c in changes if c.old and c.old != c.new]
    if conflicts and not arguments.replace:
        replaced = "; ".join(f"{c.field} is {c.old}" for c in conflicts)
        raise ValidationError(
            f"{number} already sends webhooks elsewhere ({replaced})",
            field="replace",
            hint="Pass replace=true to replace them (the old URLs stop getting Twilio's requests).",
        )
    todo = {c.field: c.new for c in changes if c.old != c.new}
    if todo:
        await context.client.update_phone_number(
            current.sid,
            sms_url=todo.get("sms_url"),
            voice_url=todo.get("voice_url"),
            status_callback=todo.get("status_callback"),
            sms_method="POST" if "sms_url" in todo else None,
            voice_method="POST" if "voice_url" in todo else None,
            status_callback_method="POST" if "status_callback" in todo else None,
        )
    return UpdatePhoneNumberWebhooksOutput(
        phone_number=number, sid=current.sid, changed=bool(todo), changes=changes
    )
