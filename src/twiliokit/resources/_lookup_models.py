"""The lookup models, :class:`PhoneNumberLookup` and :class:`LineTypeIntelligence`; import them from
:mod:`twiliokit.resources.lookups`, which loads this module (and pydantic) on first use."""

from __future__ import annotations

from typing import Any

from twiliokit.resources._model import TwilioModel

__all__ = ["LineTypeIntelligence", "PhoneNumberLookup"]


class LineTypeIntelligence(TwilioModel):
    """What kind of line a number is (``type``: ``mobile``, ``landline``, ``fixedVoip``,
    ``nonFixedVoip``, ``tollFree``, ...) and its carrier."""

    type: str | None = None
    carrier_name: str | None = None
    mobile_country_code: str | None = None
    mobile_network_code: str | None = None
    error_code: int | None = None


class PhoneNumberLookup(TwilioModel):
    """A number's validity and format, plus any data packages asked for in ``fields``
    (other than line type intelligence, they stay as Twilio sent them)."""

    phone_number: str | None = None
    national_format: str | None = None
    country_code: str | None = None
    calling_country_code: str | None = None
    valid: bool | None = None
    validation_errors: list[str] | None = None
    line_type_intelligence: LineTypeIntelligence | None = None
    caller_name: dict[str, Any] | None = None
    sms_pumping_risk: dict[str, Any] | None = None
    sim_swap: dict[str, Any] | None = None
    call_forwarding: dict[str, Any] | None = None
    line_status: dict[str, Any] | None = None
    identity_match: dict[str, Any] | None = None
    reassigned_number: dict[str, Any] | None = None
    url: str | None = None
