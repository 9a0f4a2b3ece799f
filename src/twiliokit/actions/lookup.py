"""Lookup action: is a phone number valid, how is it written, and what kind of line is it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from twiliokit.actions.context import ActionContext
from twiliokit.actions.inputs import AgentInput, names, register
from twiliokit.actions.outputs import LookupOutput

__all__ = ["LookupPhoneNumberInput", "lookup_phone_number"]

#: Lookup v2 data packages (each billed separately, except validation).
DataPackage = Literal[
    "line_type_intelligence",
    "caller_name",
    "sms_pumping_risk",
    "sim_swap",
    "call_forwarding",
    "line_status",
    "identity_match",
    "reassigned_number",
    "validation",
]


class LookupPhoneNumberInput(AgentInput):
    """Arguments of lookup_phone_number."""

    phone_number: str = Field(
        min_length=1,
        max_length=40,
        # Deliberately loose: telling a bad number from a good one is what the lookup is for,
        # so only characters that can never be part of a number are refused here.
        pattern=r"^\+?[0-9 ().\-]{2,39}$",
        validation_alias=names("phone_number", "number", "phone"),
        description="The number to look up: E.164 (+14155552671), or national format "
        "((415) 555-2671) with country_code.",
    )
    country_code: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2}$",
        description="ISO country (US, GB, ...) of a number written in national format.",
    )
    fields: list[DataPackage] | None = Field(
        default=None,
        validation_alias=names("fields", "data_packages"),
        description="Extra data to fetch (each costs money): line_type_intelligence (mobile, "
        "landline, VoIP and carrier: can it receive SMS?), caller_name, sms_pumping_risk, "
        "sim_swap, ... Omit for the free check.",
    )


@register(
    "lookup_phone_number",
    title="Look up a phone number",
    costs_money=True,
    group="lookup",
)
async def lookup_phone_number(
    context: ActionContext, arguments: LookupPhoneNumberInput
) -> LookupOutput:
    """Check a phone number before messaging or calling it: whether it is valid, its E.164
    and national formats and country (free), and with fields=['line_type_intelligence']
    whether it is mobile, landline or VoIP and its carrier (paid, per lookup), or the
    caller name (paid). An invalid number is not an error: valid is false and
    validation_errors says why. Read-only."""
    lookup = await context.client.lookup_phone_number(
        arguments.phone_number.replace(" ", ""),
        fields=arguments.fields,
        country_code=arguments.country_code.upper() if arguments.country_code else None,
    )
    return LookupOutput.of(lookup)
