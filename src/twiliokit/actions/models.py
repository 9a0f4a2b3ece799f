"""Shared pieces of action inputs and outputs: base models and checked field types.

Inputs forbid unknown arguments (an agent's typo is named, not ignored), strip whitespace, and
accept both the canonical snake_case names and the aliases the seed platforms use.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from twiliokit.phone import ALL_KINDS, RECIPIENT_KINDS, parse_address


class ActionInput(BaseModel):
    """Base for action inputs."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, str_strip_whitespace=True, frozen=True
    )


class ActionOutput(BaseModel):
    """Base for action outputs."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)


def _recipient(value: str, info: ValidationInfo) -> str:
    return parse_address(value, field=info.field_name or "to", allow=RECIPIENT_KINDS).value


def _sender(value: str, info: ValidationInfo) -> str:
    return parse_address(value, field=info.field_name or "from", allow=ALL_KINDS).value


def _phone(value: str, info: ValidationInfo) -> str:
    return parse_address(
        value, field=info.field_name or "phone_number", allow=frozenset({"phone"})
    ).value


#: A message or call recipient: E.164, ``whatsapp:+E164`` or a short code; normalised to E.164.
Recipient = Annotated[str, AfterValidator(_recipient)]
#: A sender: also allows alphanumeric sender IDs.
Sender = Annotated[str, AfterValidator(_sender)]
#: A plain phone number, normalised to E.164.
PhoneNumber = Annotated[str, AfterValidator(_phone)]


def sid_field(prefix: str, description: str, **kwargs: object) -> object:
    """A field holding a Twilio SID with this two-letter prefix."""
    return Field(
        pattern=rf"^{prefix}[0-9a-fA-F]{{32}}$",
        description=f"{description} ({prefix} followed by 32 hex characters).",
        **kwargs,  # type: ignore[call-overload]
    )
