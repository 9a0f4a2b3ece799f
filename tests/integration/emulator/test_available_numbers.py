"""AvailablePhoneNumbers in the emulator: countries, Local/TollFree/Mobile searches with
Twilio's filters and paging, answered as Twilio's OpenAPI document says, consistent with
buying through IncomingPhoneNumbers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers.oai import assert_conforms
from tests.helpers.sdk import sdk_client
from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.testing import RunningEmulator


def base(emulator: RunningEmulator) -> str:
    return f"/2010-04-01/Accounts/{emulator.account_sid}/AvailablePhoneNumbers"


def search(
    api: httpx.Client, emulator: RunningEmulator, where: str, **params: str
) -> dict[str, Any]:
    body: dict[str, Any] = assert_conforms(api.get(f"{base(emulator)}/{where}", params=params))
    return body


def numbers(body: dict[str, Any]) -> list[str]:
    return [n["phone_number"] for n in body["available_phone_numbers"]]


def test_official_sdk_lists_local_numbers_by_area_code(emulator: RunningEmulator) -> None:
    """The cluster suites' call: available_phone_numbers("US").local.list(area_code=415)."""
    client = sdk_client(emulator.base_url, emulator.account_sid, emulator.auth_token)
    found = client.available_phone_numbers("US").local.list(area_code=415, limit=5)
    assert [n.phone_number for n in found] == [f"+1415555010{i}" for i in range(2, 7)]
    first = found[0]
    assert (first.friendly_name, first.locality, first.region) == (
        "(415) 555-0102",
        "San Francisco",
        "CA",
    )
    assert (first.iso_country, first.postal_code, first.address_requirements) == (
        "US",
        "94105",
        "none",
    )
    assert first.capabilities == {"voice": True, "sms": True, "mms": True, "fax": False}
    toll_free = client.available_phone_numbers("US").toll_free.list(limit=2)
    assert [n.phone_number for n in toll_free] == ["+18005550100", "+18005550101"]
    mobile = client.available_phone_numbers("GB").mobile.list(sms_enabled=True, limit=1)
    assert mobile[0].phone_number.startswith("+447")
    country = client.available_phone_numbers("US").fetch()
    assert (country.country_code, country.country) == ("US", "United States")


def test_an_available_number_can_be_bought_and_then_is_gone(emulator: RunningEmulator) -> None:
    """Buying the first listed number (as the SDK suites do) works; it leaves the list, and
    a purchase by AreaCode takes the next one listed."""
    client = sdk_client(emulator.base_url, emulator.account_sid, emulator.auth_token)
    listed = client.available_phone_numbers("US").local.list(area_code=212, limit=2)
    bought = client.incoming_phone_numbers.create(phone_number=listed[0].phone_number)
    assert bought.phone_number == listed[0].phone_number
    after = client.available_phone_numbers("US").local.list(area_code=212, limit=1)
    assert after[0].phone_number == listed[1].phone_number
    by_area = client.incoming_phone_numbers.create(area_code="212")
    assert by_area.phone_number == listed[1].phone_number


def test_countries_list_and_fetch(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Countries with their subresources (a country lists only the types it sells)."""
    body = assert_conforms(api.get(f"{base(emulator)}.json"))
    by_code = {c["country_code"]: c for c in body["countries"]}
    assert set(by_code) == {"US", "CA", "GB"}
    assert set(by_code["US"]["subresource_uris"]) == {"local", "toll_free"}
    assert set(by_code["GB"]["subresource_uris"]) == {"local", "mobile", "toll_free"}
    assert by_code["US"]["uri"] == f"{base(emulator)}/US.json"
    fetched = assert_conforms(api.get(f"{base(emulator)}/GB.json"))
    assert fetched == by_code["GB"]


@pytest.mark.parametrize("where", ["XX.json", "US/Mobile.json", "ZZ/Local.json"])
def test_unknown_country_or_type_is_404(
    api: httpx.Client, emulator: RunningEmulator, where: str
) -> None:
    """A country or a number type not on sale is Twilio's 404 / 20404."""
    response = api.get(f"{base(emulator)}/{where}")
    assert (response.status_code, response.json()["code"]) == (404, 20404)


def test_owned_numbers_are_not_available(api: httpx.Client, emulator: RunningEmulator) -> None:
    """The development account's +14155550100/0101 and magic +15005550006 are not offered."""
    local = numbers(search(api, emulator, "US/Local.json", AreaCode="415", PageSize="3"))
    assert local == ["+14155550102", "+14155550103", "+14155550104"]
    assert numbers(search(api, emulator, "US/Local.json", AreaCode="500")) == []
    assert numbers(search(api, emulator, "US/Local.json", AreaCode="533")) == []


def test_contains_patterns(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Contains: anchored start (+), end ($), * one digit, % any digits, letters as keypad."""
    found = numbers(search(api, emulator, "US/Local.json", Contains="+1212%9$"))
    assert found
    assert all(n.startswith("+1212") and n.endswith("9") for n in found)
    assert numbers(search(api, emulator, "US/Local.json", Contains="555017*$", AreaCode="312"))[
        :2
    ] == ["+13125550170", "+13125550171"]
    spelled = numbers(search(api, emulator, "US/TollFree.json", Contains="+1800JJJ"))
    assert spelled
    assert all(n.startswith("+1800555") for n in spelled)
    bad = api.get(f"{base(emulator)}/US/Local.json", params={"Contains": "5"})
    assert (bad.status_code, bad.json()["code"]) == (400, 20001)
    assert "Contains" in bad.json()["message"]


def test_place_filters(api: httpx.Client, emulator: RunningEmulator) -> None:
    """InRegion, InPostalCode and InLocality select the area codes of that place."""
    wa = search(api, emulator, "US/Local.json", InRegion="WA", PageSize="100")
    assert {n["phone_number"][:5] for n in wa["available_phone_numbers"]} == {"+1206"}
    boston = numbers(search(api, emulator, "US/Local.json", InPostalCode="02108"))
    assert boston
    assert all(n.startswith("+1617") for n in boston)
    toronto = numbers(search(api, emulator, "CA/Local.json", InLocality="toronto"))
    assert toronto
    assert all(n.startswith("+1416") for n in toronto)


def test_capability_beta_and_address_filters(api: httpx.Client, emulator: RunningEmulator) -> None:
    """MmsEnabled, SmsEnabled, Beta=false and ExcludeAllAddressRequired leave numbers out."""
    everything = search(api, emulator, "US/Local.json", AreaCode="617", PageSize="1000")
    all_items = everything["available_phone_numbers"]
    mms = search(api, emulator, "US/Local.json", AreaCode="617", MmsEnabled="true", PageSize="1000")
    assert 0 < len(mms["available_phone_numbers"]) < len(all_items)
    assert all(n["capabilities"]["mms"] for n in mms["available_phone_numbers"])
    no_beta = search(api, emulator, "US/Local.json", AreaCode="617", Beta="false", PageSize="1000")
    assert not any(n["beta"] for n in no_beta["available_phone_numbers"])
    assert len(no_beta["available_phone_numbers"]) < len(all_items)
    assert numbers(search(api, emulator, "GB/Local.json", SmsEnabled="true")) == []
    assert numbers(search(api, emulator, "GB/Local.json", ExcludeAllAddressRequired="true")) == []
    bad = api.get(f"{base(emulator)}/US/Local.json", params={"SmsEnabled": "maybe"})
    assert (bad.status_code, bad.json()["code"]) == (400, 20001)


def test_paging(api: httpx.Client, emulator: RunningEmulator) -> None:
    """PageSize and Page walk the same list; next/previous page URIs keep the filters."""
    first = search(api, emulator, "US/Local.json", AreaCode="512", PageSize="40")
    assert first["next_page_uri"] is not None
    assert "AreaCode=512" in first["next_page_uri"]
    second = assert_conforms(api.get(first["next_page_uri"]))
    assert (second["page"], second["start"]) == (1, 40)
    assert second["previous_page_uri"] is not None
    third = assert_conforms(api.get(second["next_page_uri"]))
    assert third["next_page_uri"] is None
    walked = numbers(first) + numbers(second) + numbers(third)
    assert walked == [f"+1512555{line:04d}" for line in range(100, 200)]


def test_test_credentials_are_forbidden(emulator: RunningEmulator) -> None:
    """As on Twilio, test credentials reach only the three create endpoints: 403 / 20008."""
    response = httpx.get(
        f"{emulator.base_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/AvailablePhoneNumbers.json",
        auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
    )
    assert (response.status_code, response.json()["code"]) == (403, 20008)
