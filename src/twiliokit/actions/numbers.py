"""Phone-number actions: the numbers the account owns (what 'from' can be)."""

from __future__ import annotations

from pydantic import Field

from twiliokit.actions.context import ActionContext
from twiliokit.actions.inputs import AgentInput, Limit, PageToken, page_token_field, register
from twiliokit.actions.outputs import Output, PhoneNumberOutput, next_page_token_field

__all__ = ["ListPhoneNumbersInput", "ListPhoneNumbersOutput", "list_phone_numbers"]


class ListPhoneNumbersInput(AgentInput):
    """Arguments of list_phone_numbers."""

    phone_number: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9*]{1,16}$",
        description="Only numbers containing these digits (e.g. 415 or +14155550100).",
    )
    friendly_name: str | None = Field(
        default=None, min_length=1, max_length=64, description="Only numbers with this name."
    )
    limit: Limit = 20
    page_token: PageToken | None = page_token_field()
    include_raw: bool = Field(default=False, description="Include each number's raw JSON.")


class ListPhoneNumbersOutput(Output):
    """One page of owned numbers."""

    phone_numbers: list[PhoneNumberOutput] = Field(description="The numbers.")
    next_page_token: str | None = next_page_token_field()


@register(
    "list_phone_numbers",
    title="List the account's phone numbers",
    input_model=ListPhoneNumbersInput,
    output_model=ListPhoneNumbersOutput,
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
        page_size=arguments.limit,
        page_token=arguments.page_token,
    )
    return ListPhoneNumbersOutput(
        phone_numbers=[PhoneNumberOutput.of(n, raw=arguments.include_raw) for n in page.items],
        next_page_token=page.next_page_token,
    )
