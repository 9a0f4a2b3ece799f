"""Lookups v2 (``https://lookups.twilio.com/v2/PhoneNumbers/{PhoneNumber}``): is a number
valid, how is it formatted, and (with ``fields``) what kind of line is it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twiliokit.errors import ValidationError
from twiliokit.http.products import LOOKUPS
from twiliokit.http.request import RequestSpec, encode_params
from twiliokit.resources._base import Operation, one_operation, require, seg
from twiliokit.resources._model import TwilioModel

__all__ = ["LineTypeIntelligence", "PhoneNumberLookup", "lookup"]


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


def lookup(
    phone_number: str,
    *,
    fields: str | Sequence[str] | None = None,
    country_code: str | None = None,
) -> Operation[PhoneNumberLookup]:
    """Look a number up. ``fields``: e.g. ``["line_type_intelligence", "caller_name"]`` (sent
    comma-separated, as Twilio wants); ``country_code`` for numbers in national format."""
    require("phone_number", phone_number)
    if fields is not None and not isinstance(fields, str):
        items = list(fields)
        if not all(isinstance(item, str) and item for item in items):
            raise ValidationError("fields must be strings", field="fields")
        fields = ",".join(items)
    query = encode_params([("Fields", fields or None), ("CountryCode", country_code)])
    path = f"/v2/PhoneNumbers/{seg('phone_number', phone_number)}"
    return one_operation(RequestSpec("GET", LOOKUPS, path, query=query), PhoneNumberLookup)
