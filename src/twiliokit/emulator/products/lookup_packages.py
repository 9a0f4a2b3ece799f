"""Lookups v2 data packages: what ``Fields=...`` adds, deterministically. Pure.

There is no carrier database behind the emulator, so each package answers from the numbering
plan (``phonenumbers``), the virtual clock and a few documented magic numbers, the same
answer every time. A package whose coverage does not include the number's country answers its
object with every field null but ``error_code`` 60607 (Lookup Unsupported Country); SIM Swap and
Call Forwarding on a number that is not mobile answer 60610 (outside coverage).

Magic numbers (Twilio's own examples in its Lookups OpenAPI document, and the ``+1500555``
test range):

- ``+447772000001``: SIM swapped 12 hours ago (in the 24 h period), call forwarding on,
  line ``active``.
- ``+14159929960``: caller name ``Sergio Suarez`` (``CONSUMER``).
- ``+15005550002``: line ``unreachable``; ``+15005550009``: line ``inactive``.
- ``+15005550004``: SMS pumping risk ``high`` (score 100), number blocked.
- ``+15005550005``: reassigned on 2024-01-01 (``yes`` when ``LastVerifiedDate`` is earlier).

Identity Match compares the given ``FirstName``, ``LastName``, ``AddressLine1``, ``City``,
``State``, ``PostalCode``, ``AddressCountryCode``, ``NationalId`` and ``DateOfBirth`` with
:data:`IDENTITY` (case-insensitively): ``exact_match`` or ``no_match`` for each one given,
``no_data_available`` for those not given; ``summary_score`` is the percentage matched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final

from twiliokit import phone

SIM_SWAPPED: Final = "+447772000001"
NAMED_CALLER: Final = "+14159929960"
UNREACHABLE: Final = "+15005550002"
INACTIVE: Final = "+15005550009"
PUMPING: Final = "+15005550004"
REASSIGNED: Final = "+15005550005"
REASSIGNED_ON: Final = date(2024, 1, 1)
UNSUPPORTED_COUNTRY: Final = 60607
OUT_OF_COVERAGE: Final = 60610

#: Countries each package covers (the emulator's reading of Twilio's coverage pages).
COVERAGE: Final[dict[str, frozenset[str]]] = {
    "caller_name": frozenset({"US"}),
    "sim_swap": frozenset({"GB", "FR", "DE", "IT", "NL", "ES"}),
    "call_forwarding": frozenset({"GB"}),
    "reassigned_number": frozenset({"US"}),
}
#: The one subscriber record Identity Match compares against, for every number.
IDENTITY: Final[dict[str, str]] = {
    "FirstName": "Ada",
    "LastName": "Lovelace",
    "AddressLine1": "12 Example Street",
    "City": "San Francisco",
    "State": "CA",
    "PostalCode": "94105",
    "AddressCountryCode": "US",
    "NationalId": "YZ3456883",
    "DateOfBirth": "19901214",
}
_IDENTITY_FIELDS: Final = (
    ("first_name_match", ("FirstName",)),
    ("last_name_match", ("LastName",)),
    ("address_lines_match", ("AddressLine1",)),
    ("city_match", ("City",)),
    ("state_match", ("State",)),
    ("postal_code_match", ("PostalCode",)),
    ("address_country_match", ("AddressCountryCode",)),
    ("national_id_match", ("NationalId",)),
    ("date_of_birth_match", ("DateOfBirth",)),
)
_MOBILE: Final = frozenset({"mobile", "fixed_line_or_mobile"})
_NULLS: Final[dict[str, tuple[str, ...]]] = {
    "caller_name": ("caller_name", "caller_type"),
    "sim_swap": ("last_sim_swap", "carrier_name", "mobile_country_code", "mobile_network_code"),
    "call_forwarding": ("call_forwarding_enabled",),
    "reassigned_number": ("last_verified_date", "is_number_reassigned"),
}


def _failed(package: str, code: int) -> dict[str, Any]:
    """The package's object with no data and ``error_code``."""
    body: dict[str, Any] = dict.fromkeys(_NULLS[package])
    # Twilio's document types this package's error_code as a string.
    body["error_code"] = str(code) if package == "reassigned_number" else code
    return body


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def caller_name(e164: str, region: str, now: datetime, query: Mapping[str, str]) -> dict[str, Any]:
    if region not in COVERAGE["caller_name"]:
        return _failed("caller_name", UNSUPPORTED_COUNTRY)
    if e164 == NAMED_CALLER:
        return {"caller_name": "Sergio Suarez", "caller_type": "CONSUMER", "error_code": None}
    kind = phone.number_type(e164)
    if kind in _MOBILE:
        return {"caller_name": "WIRELESS CALLER", "caller_type": "CONSUMER", "error_code": None}
    if kind == "toll_free":
        return {"caller_name": None, "caller_type": "BUSINESS", "error_code": None}
    return {"caller_name": None, "caller_type": "UNDETERMINED", "error_code": None}


def sim_swap(e164: str, region: str, now: datetime, query: Mapping[str, str]) -> dict[str, Any]:
    if region not in COVERAGE["sim_swap"]:
        return _failed("sim_swap", UNSUPPORTED_COUNTRY)
    if phone.number_type(e164) not in _MOBILE:
        return _failed("sim_swap", OUT_OF_COVERAGE)
    swapped = e164 == SIM_SWAPPED
    return {
        "last_sim_swap": {
            "last_sim_swap_date": _iso(now - timedelta(hours=12)) if swapped else None,
            "swapped_period": "PT24H",
            "swapped_in_period": swapped,
        },
        "carrier_name": None,
        "mobile_country_code": None,
        "mobile_network_code": None,
        "error_code": None,
    }


def call_forwarding(
    e164: str, region: str, now: datetime, query: Mapping[str, str]
) -> dict[str, Any]:
    if region not in COVERAGE["call_forwarding"]:
        return _failed("call_forwarding", UNSUPPORTED_COUNTRY)
    if phone.number_type(e164) not in _MOBILE:
        return _failed("call_forwarding", OUT_OF_COVERAGE)
    return {"call_forwarding_enabled": e164 == SIM_SWAPPED, "error_code": None}


def line_status(e164: str, region: str, now: datetime, query: Mapping[str, str]) -> dict[str, Any]:
    status = {UNREACHABLE: "unreachable", INACTIVE: "inactive"}.get(e164, "active")
    return {"status": status, "error_code": None}


def identity_match(
    e164: str, region: str, now: datetime, query: Mapping[str, str]
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    given = matched = 0
    for key, (param,) in _IDENTITY_FIELDS:
        value = (query.get(param) or "").strip()
        if not value:
            body[key] = "no_data_available"
            continue
        given += 1
        same = value.casefold() == IDENTITY[param].casefold()
        matched += same
        body[key] = "exact_match" if same else "no_match"
    body["summary_score"] = round(100 * matched / given) if given else 0
    body["error_code"] = None
    body["error_message"] = None
    return body


def reassigned_number(
    e164: str, region: str, now: datetime, query: Mapping[str, str]
) -> dict[str, Any]:
    if region not in COVERAGE["reassigned_number"]:
        return _failed("reassigned_number", UNSUPPORTED_COUNTRY)
    verified = _yyyymmdd(query.get("LastVerifiedDate"))
    if verified is None:
        answer = "no_data_available"
    elif e164 == REASSIGNED and verified < REASSIGNED_ON:
        answer = "yes"
    else:
        answer = "no"
    return {
        "last_verified_date": verified.isoformat() if verified else None,
        "is_number_reassigned": answer,
        "error_code": None,
    }


def sms_pumping_risk(
    e164: str, region: str, now: datetime, query: Mapping[str, str]
) -> dict[str, Any]:
    if e164 == PUMPING:
        return {
            "carrier_risk_category": "high",
            "number_blocked": True,
            "number_blocked_date": _iso(now - timedelta(days=1)),
            "number_blocked_last_3_months": True,
            "sms_pumping_risk_score": 100,
            "error_code": None,
        }
    # Premium-rate numbers are what pumping schemes use; ordinary numbers score low, stably.
    premium = phone.number_type(e164) == "premium_rate"
    score = 95 if premium else sum(int(d) for d in e164[1:]) % 30
    return {
        "carrier_risk_category": _risk_category(score),
        "number_blocked": False,
        "number_blocked_date": None,
        "number_blocked_last_3_months": False,
        "sms_pumping_risk_score": score,
        "error_code": None,
    }


def _risk_category(score: int) -> str:
    if score < 60:
        return "low"
    if score < 75:
        return "mild"
    if score < 90:
        return "moderate"
    return "high"


def _yyyymmdd(raw: str | None) -> date | None:
    try:
        return datetime.strptime((raw or "").strip(), "%Y%m%d").date()
    except ValueError:
        return None


Package = Callable[[str, str, datetime, Mapping[str, str]], dict[str, Any]]
#: The packages modelled here (line type intelligence lives in ``lookups``).
PACKAGES: Final[dict[str, Package]] = {
    "caller_name": caller_name,
    "sim_swap": sim_swap,
    "call_forwarding": call_forwarding,
    "line_status": line_status,
    "identity_match": identity_match,
    "reassigned_number": reassigned_number,
    "sms_pumping_risk": sms_pumping_risk,
}
