"""Lookups v2: ``GET /v2/PhoneNumbers/{PhoneNumber}`` with validation and line type.

Validity, formats and line types come from ``phonenumbers`` (Google's libphonenumber, the
same metadata Twilio's basic lookup reports); there is no carrier database, so carrier name and
mobile network codes are null. An invalid number is still a 200 with ``valid: false`` and
``validation_errors``, as v2 answers. The other data packages a ``Fields`` list asks for
(caller name, SIM swap, call forwarding, line status, identity match, reassigned number, SMS
pumping risk) come from :mod:`lookup_packages`; a package not asked for is null, as on Twilio.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import phonenumbers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twiliokit import phone
from twiliokit.emulator.products import lookup_packages
from twiliokit.emulator.web import json_response, live_account, product_base_of, state_of

#: Every data package a v2 lookup can return (all null unless requested and modelled).
PACKAGES: Final = (
    "caller_name",
    "sim_swap",
    "call_forwarding",
    "line_status",
    "line_type_intelligence",
    "identity_match",
    "reassigned_number",
    "sms_pumping_risk",
    "phone_number_quality_score",
    "pre_fill",
)
#: North America, as Twilio documents for numbers given without a country code.
DEFAULT_REGION = "US"

# twiliokit.phone's line types -> Line Type Intelligence's names. libphonenumber cannot tell
# mobile from landline for NANP numbers (FIXED_LINE_OR_MOBILE): we say mobile, the common case.
_LINE_TYPES: Final[dict[str, str]] = {
    "landline": "landline",
    "mobile": "mobile",
    "fixed_line_or_mobile": "mobile",
    "toll_free": "tollFree",
    "premium_rate": "premium",
    "shared_cost": "sharedCost",
    "voip": "nonFixedVoip",
    "personal": "personal",
    "pager": "pager",
    "uan": "uan",
    "voicemail": "voicemail",
    "unknown": "unknown",
}
_POSSIBILITY: Final[dict[int, str]] = {
    phonenumbers.ValidationResult.IS_POSSIBLE: "INVALID_BUT_POSSIBLE",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "INVALID_BUT_POSSIBLE",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "INVALID_COUNTRY_CODE",
    phonenumbers.ValidationResult.TOO_SHORT: "TOO_SHORT",
    phonenumbers.ValidationResult.TOO_LONG: "TOO_LONG",
    phonenumbers.ValidationResult.INVALID_LENGTH: "INVALID_LENGTH",
}
_PARSE_ERRORS: Final[dict[int, str]] = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "INVALID_COUNTRY_CODE",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "NOT_A_NUMBER",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "TOO_SHORT",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "TOO_SHORT",
    phonenumbers.NumberParseException.TOO_LONG: "TOO_LONG",
}


def requested_fields(raw: str | None) -> set[str]:
    """The ``Fields`` query parameter as a set of package names."""
    return {part.strip() for part in (raw or "").split(",") if part.strip()}


def lookup(
    raw: str,
    *,
    country_code: str | None,
    fields: set[str],
    now: datetime | None = None,
    query: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The lookup result for ``raw`` (without ``url``) at virtual time ``now``; ``query``
    holds the packages' own parameters (``FirstName``, ``LastVerifiedDate``, ...). Pure."""
    region = (country_code or DEFAULT_REGION).upper()
    result: dict[str, Any] = {
        "calling_country_code": None,
        "country_code": None,
        "phone_number": raw,
        "national_format": None,
        "valid": False,
        "validation_errors": None,
        **dict.fromkeys(PACKAGES),
    }
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        result["validation_errors"] = [_PARSE_ERRORS.get(exc.error_type, "NOT_A_NUMBER")]
        return result
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    result["phone_number"] = e164
    if not phonenumbers.is_valid_number(parsed):
        reason = phonenumbers.is_possible_number_with_reason(parsed)
        result["validation_errors"] = [_POSSIBILITY.get(reason, "INVALID_BUT_POSSIBLE")]
        return result
    result.update(
        calling_country_code=str(parsed.country_code),
        country_code=phone.region_of(e164),
        national_format=phone.national_format(e164),
        valid=True,
    )
    if "line_type_intelligence" in fields:
        result["line_type_intelligence"] = {
            "mobile_country_code": None,
            "mobile_network_code": None,
            "carrier_name": None,
            "type": _LINE_TYPES[phone.number_type(e164)],
            "error_code": None,
        }
    region = result["country_code"] or ""
    at = now or datetime.now(UTC)
    for name, package in lookup_packages.PACKAGES.items():
        if name in fields:
            result[name] = package(e164, region, at, query or {})
    return result


async def fetch_phone_number(request: Request) -> Response:
    live_account(request)
    raw = request.path_params["phone_number"]
    query = request.query_params
    result = lookup(
        raw,
        country_code=query.get("CountryCode"),
        fields=requested_fields(query.get("Fields")),
        now=state_of(request).clock.now(),
        query=query,
    )
    base = product_base_of(request)
    result["url"] = f"{base}/v2/PhoneNumbers/{result['phone_number']}"
    return json_response(result)


def routes() -> list[BaseRoute]:
    return [Route("/v2/PhoneNumbers/{phone_number}", fetch_phone_number, methods=["GET"])]
