"""Lookups v2 in the emulator: validation, formats and line type intelligence."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.helpers.oai import OAI_DIR, assert_conforms
from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.testing import RunningEmulator

SPEC_FIELDS = set(
    json.loads((OAI_DIR / "twilio_lookups_v2.json").read_text())["components"]["schemas"][
        "LookupResponse"
    ]["properties"]
)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


def conforms(response: httpx.Response) -> dict[str, Any]:
    """The body has every field the spec lists and, nulls aside, validates against it.

    Twilio's Lookups document marks no field nullable, yet its own examples (and the live API)
    answer null for every package not requested; so nulls are checked by presence, the rest by
    the schema.
    """
    body: dict[str, Any] = response.json()
    assert set(body) == SPEC_FIELDS
    stripped = httpx.Response(
        response.status_code, json=_without_nulls(body), request=response.request
    )
    assert_conforms(stripped)
    return body


def test_valid_number_has_formats(api: httpx.Client) -> None:
    """A valid number answers its country, calling code, E.164 and national format."""
    body = conforms(api.get("/v2/PhoneNumbers/+14159929960"))
    assert body["valid"] is True
    assert body["validation_errors"] is None
    assert (body["calling_country_code"], body["country_code"]) == ("1", "US")
    assert (body["phone_number"], body["national_format"]) == ("+14159929960", "(415) 992-9960")
    assert body["line_type_intelligence"] is None
    assert body["url"].endswith("/v2/PhoneNumbers/+14159929960")


def test_national_format_uses_country_code(api: httpx.Client) -> None:
    """A national number is read in the CountryCode's plan (North America by default)."""
    uk = conforms(api.get("/v2/PhoneNumbers/020 7946 0018", params={"CountryCode": "GB"}))
    assert (uk["phone_number"], uk["country_code"]) == ("+442079460018", "GB")
    us = conforms(api.get("/v2/PhoneNumbers/(415) 555-2671"))
    assert us["phone_number"] == "+14155552671"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("+141599299600", "TOO_LONG"),
        ("+1415", "TOO_SHORT"),
        ("+999123456", "INVALID_COUNTRY_CODE"),
        ("+447700900123", "INVALID_BUT_POSSIBLE"),
        ("not-a-number", "NOT_A_NUMBER"),
    ],
)
def test_invalid_number_is_200_with_reason(api: httpx.Client, number: str, reason: str) -> None:
    """An invalid number is not an error in v2: 200, valid false and the reason."""
    response = api.get(f"/v2/PhoneNumbers/{number}")
    assert response.status_code == 200
    body = conforms(response)
    assert body["valid"] is False
    assert body["validation_errors"] == [reason]
    assert body["national_format"] is None


@pytest.mark.parametrize(
    ("number", "line_type"),
    [("+14159929960", "mobile"), ("+18005551234", "tollFree"), ("+442079460018", "landline")],
)
def test_line_type_intelligence_when_asked(api: httpx.Client, number: str, line_type: str) -> None:
    """Fields=line_type_intelligence adds the line type from the numbering plan."""
    body = conforms(
        api.get(f"/v2/PhoneNumbers/{number}", params={"Fields": "line_type_intelligence"})
    )
    assert body["line_type_intelligence"]["type"] == line_type
    assert body["caller_name"] is None


def test_test_credentials_are_forbidden(emulator: RunningEmulator) -> None:
    """Lookups does not accept test credentials: 403 / 20008."""
    response = httpx.get(
        emulator.base_url + "/v2/PhoneNumbers/+14159929960",
        auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
    )
    assert (response.status_code, response.json()["code"]) == (403, 20008)
