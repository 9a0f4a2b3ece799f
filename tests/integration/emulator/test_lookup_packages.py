"""Lookups v2 data packages: asked for, each answers its documented object (deterministic
data, an error code where the number is not covered); not asked for, null."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers.sdk import sdk_client
from tests.integration.emulator.test_lookups import conforms
from twiliokit.emulator.testing import RunningEmulator

PACKAGES = (
    "caller_name",
    "sim_swap",
    "call_forwarding",
    "line_status",
    "line_type_intelligence",
    "identity_match",
    "reassigned_number",
    "sms_pumping_risk",
)


def look(api: httpx.Client, number: str, fields: str, **params: str) -> dict[str, Any]:
    return conforms(api.get(f"/v2/PhoneNumbers/{number}", params={"Fields": fields, **params}))


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_asked_for_is_an_object_and_only_that_one(
    api: httpx.Client, package: str
) -> None:
    """Fields=<package> fills that package (with error_code) and leaves the others null."""
    body = look(api, "+447772000001", package)
    assert isinstance(body[package], dict)
    assert "error_code" in body[package]
    assert all(body[other] is None for other in PACKAGES if other != package)


def test_several_packages_at_once(api: httpx.Client) -> None:
    """A comma-separated Fields fills each package named."""
    body = look(api, "+447772000001", "sim_swap,call_forwarding,line_status")
    assert body["sim_swap"]["last_sim_swap"]["swapped_in_period"] is True
    assert body["call_forwarding"] == {"call_forwarding_enabled": True, "error_code": None}
    assert body["line_status"] == {"status": "active", "error_code": None}
    assert body["caller_name"] is None


def test_sim_swap_magic_and_ordinary_numbers(api: httpx.Client, emulator: RunningEmulator) -> None:
    """The magic GB number was swapped 12 virtual hours ago; an ordinary one was not."""
    emulator.control.advance(3600)
    swapped = look(api, "+447772000001", "sim_swap")["sim_swap"]
    last = swapped["last_sim_swap"]
    assert (last["swapped_period"], last["swapped_in_period"]) == ("PT24H", True)
    assert last["last_sim_swap_date"].endswith("Z")
    assert look(api, "+447772000001", "sim_swap")["sim_swap"] == swapped  # deterministic
    ordinary = look(api, "+447400123456", "sim_swap")["sim_swap"]
    assert ordinary["last_sim_swap"]["swapped_in_period"] is False
    assert ordinary["error_code"] is None


@pytest.mark.parametrize(
    ("number", "package", "code"),
    [
        ("+14155552671", "sim_swap", 60607),
        ("+14155552671", "call_forwarding", 60607),
        ("+442079460018", "sim_swap", 60610),
        ("+447772000001", "caller_name", 60607),
        ("+447772000001", "reassigned_number", "60607"),
    ],
)
def test_uncovered_numbers_answer_an_error_code(
    api: httpx.Client, number: str, package: str, code: int | str
) -> None:
    """A country outside the package's coverage (60607) or a landline for a mobile-only
    package (60610) answers the package with no data and the error code."""
    body = look(api, number, package)[package]
    assert body["error_code"] == code
    assert all(value is None for key, value in body.items() if key != "error_code")


def test_caller_name(api: httpx.Client) -> None:
    """Twilio's example number has a name; an ordinary US number is a wireless caller."""
    named = look(api, "+14159929960", "caller_name")["caller_name"]
    assert named == {"caller_name": "Sergio Suarez", "caller_type": "CONSUMER", "error_code": None}
    ordinary = look(api, "+14155552671", "caller_name")["caller_name"]
    assert (ordinary["caller_name"], ordinary["caller_type"]) == ("WIRELESS CALLER", "CONSUMER")


def test_line_status_magic_numbers(api: httpx.Client) -> None:
    """+15005550002 is unreachable, +15005550009 inactive, others active."""
    status = {
        number: look(api, number, "line_status")["line_status"]["status"]
        for number in ("+15005550002", "+15005550009", "+14155552671")
    }
    assert status == {
        "+15005550002": "unreachable",
        "+15005550009": "inactive",
        "+14155552671": "active",
    }


def test_identity_match_compares_what_was_given(api: httpx.Client) -> None:
    """Given fields match or not against the emulator's subscriber; the rest have no data."""
    match = look(
        api,
        "+14155552671",
        "identity_match",
        FirstName="ada",
        LastName="Byron",
        City="San Francisco",
    )["identity_match"]
    assert (match["first_name_match"], match["last_name_match"], match["city_match"]) == (
        "exact_match",
        "no_match",
        "exact_match",
    )
    assert match["date_of_birth_match"] == "no_data_available"
    assert match["summary_score"] == 67


def test_reassigned_number_and_sms_pumping_risk(api: httpx.Client) -> None:
    """The magic reassigned number depends on LastVerifiedDate; the pumping number is high
    risk and blocked, an ordinary one low."""
    before = look(api, "+15005550005", "reassigned_number", LastVerifiedDate="20231201")
    assert before["reassigned_number"] == {
        "last_verified_date": "2023-12-01",
        "is_number_reassigned": "yes",
        "error_code": None,
    }
    after = look(api, "+15005550005", "reassigned_number", LastVerifiedDate="20240201")
    assert after["reassigned_number"]["is_number_reassigned"] == "no"
    risky = look(api, "+15005550004", "sms_pumping_risk")["sms_pumping_risk"]
    assert (risky["carrier_risk_category"], risky["number_blocked"]) == ("high", True)
    calm = look(api, "+14155552671", "sms_pumping_risk")["sms_pumping_risk"]
    assert (calm["carrier_risk_category"], calm["number_blocked"]) == ("low", False)
    assert calm == look(api, "+14155552671", "sms_pumping_risk")["sms_pumping_risk"]


def test_official_sdk_reads_the_packages(emulator: RunningEmulator) -> None:
    """Twilio's SDK: fetch(fields="sim_swap,call_forwarding") gives both objects, others None."""
    client = sdk_client(emulator.base_url, emulator.account_sid, emulator.auth_token)
    found = client.lookups.v2.phone_numbers("+447772000001").fetch(
        fields="sim_swap,call_forwarding"
    )
    assert found.sim_swap is not None
    assert found.sim_swap["last_sim_swap"]["swapped_in_period"] is True
    assert found.call_forwarding == {"call_forwarding_enabled": True, "error_code": None}
    assert found.caller_name is None
    assert found.line_type_intelligence is None
