"""IncomingPhoneNumbers in the emulator: the development account's numbers, buying with
PhoneNumber or AreaCode (magic numbers included), filters, updates and release."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers.oai import assert_conforms
from twiliokit.emulator import TEST_ACCOUNT_SID
from twiliokit.emulator.testing import RunningEmulator


def path(account_sid: str) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers.json"


def listed(api: httpx.Client, emulator: RunningEmulator, **params: str) -> list[dict[str, Any]]:
    body = assert_conforms(api.get(path(emulator.account_sid), params=params))
    numbers: list[dict[str, Any]] = body["incoming_phone_numbers"]
    return numbers


def buy(api: httpx.Client, account_sid: str, **params: str) -> httpx.Response:
    return api.post(path(account_sid), data=params)


def code_of(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["code"]


def test_the_development_account_owns_its_numbers(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """config.numbers are listed with SMS, MMS and voice capability and national names."""
    numbers = listed(api, emulator)
    assert {n["phone_number"] for n in numbers} == set(emulator.state.config.numbers)
    magic = next(n for n in numbers if n["phone_number"] == "+15005550006")
    assert magic["friendly_name"] == "(500) 555-0006"
    assert magic["capabilities"] == {"voice": True, "sms": True, "mms": True, "fax": False}
    assert magic["sid"].startswith("PN")
    assert magic["uri"].endswith(f"/IncomingPhoneNumbers/{magic['sid']}.json")
    assert (magic["sms_url"], magic["sms_method"], magic["status"]) == (None, "POST", "in-use")


def test_filters(api: httpx.Client, emulator: RunningEmulator) -> None:
    """PhoneNumber matches partial numbers with * wildcards; FriendlyName matches exactly."""
    assert [n["phone_number"] for n in listed(api, emulator, PhoneNumber="+14155550100")] == [
        "+14155550100"
    ]
    partial = {n["phone_number"] for n in listed(api, emulator, PhoneNumber="555010*")}
    assert partial == {"+14155550100", "+14155550101"}
    named = listed(api, emulator, FriendlyName="(415) 555-0101")
    assert [n["phone_number"] for n in named] == ["+14155550101"]
    assert listed(api, emulator, FriendlyName="nobody") == []


def test_buy_by_number_update_and_release(api: httpx.Client, emulator: RunningEmulator) -> None:
    """A bought number is listed, fetched, updated, then released (404 afterwards)."""
    response = buy(api, emulator.account_sid, PhoneNumber="+14155550199", FriendlyName="Support")
    assert response.status_code == 201, response.text
    bought = assert_conforms(response)
    assert (bought["phone_number"], bought["friendly_name"]) == ("+14155550199", "Support")
    assert assert_conforms(api.get(bought["uri"])) == bought
    settings = {
        "SmsUrl": "https://example.com/sms",
        "SmsMethod": "get",
        "SmsFallbackUrl": "https://example.com/fallback",
        "VoiceUrl": "https://example.com/voice",
        "VoiceMethod": "GET",
        "StatusCallback": "https://example.com/status",
        "FriendlyName": "Renamed",
    }
    updated = assert_conforms(api.post(bought["uri"], data=settings))
    assert (updated["sms_url"], updated["sms_method"]) == ("https://example.com/sms", "GET")
    assert updated["sms_fallback_url"] == "https://example.com/fallback"
    assert (updated["voice_url"], updated["voice_method"]) == ("https://example.com/voice", "GET")
    assert (updated["status_callback"], updated["friendly_name"]) == (
        "https://example.com/status",
        "Renamed",
    )
    cleared = assert_conforms(api.post(bought["uri"], data={"SmsUrl": ""}))
    assert cleared["sms_url"] is None
    assert api.delete(bought["uri"]).status_code == 204
    assert code_of(api.get(bought["uri"])) == (404, 20404)
    assert "+14155550199" not in {n["phone_number"] for n in listed(api, emulator)}


def test_buy_by_area_code(api: httpx.Client, emulator: RunningEmulator) -> None:
    """AreaCode buys a number in that area code; each purchase gets a different one."""
    first = assert_conforms(buy(api, emulator.account_sid, AreaCode="212"))
    second = assert_conforms(buy(api, emulator.account_sid, AreaCode="212"))
    assert first["phone_number"].startswith("+1212")
    assert first["phone_number"] != second["phone_number"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"PhoneNumber": "+15005550000"}, 21422),
        ({"PhoneNumber": "+15005550001"}, 21421),
        ({"PhoneNumber": "not a number"}, 21421),
        ({"PhoneNumber": "+14155550100"}, 21422),  # already owned
        ({"AreaCode": "533"}, 21452),
        ({"AreaCode": "12"}, 21452),
        ({}, 21421),
        ({"AreaCode": "415", "SmsUrl": "ftp://example.com"}, 11100),
        ({"AreaCode": "415", "SmsMethod": "PUT"}, 20001),
    ],
)
def test_purchase_errors(
    api: httpx.Client, emulator: RunningEmulator, params: dict[str, str], code: int
) -> None:
    """Magic and bad purchases get Twilio's codes; a refused purchase buys nothing."""
    before = len(listed(api, emulator))
    assert code_of(buy(api, emulator.account_sid, **params)) == (400, code)
    assert len(listed(api, emulator)) == before


def test_area_code_500_gives_the_magic_number(api: httpx.Client, emulator: RunningEmulator) -> None:
    """AreaCode 500 buys +15005550006 once the account no longer owns it."""
    assert code_of(buy(api, emulator.account_sid, AreaCode="500")) == (400, 21452)
    [magic] = listed(api, emulator, PhoneNumber="+15005550006")
    api.delete(magic["uri"])
    bought = assert_conforms(buy(api, emulator.account_sid, AreaCode="500"))
    assert bought["phone_number"] == "+15005550006"


def test_bad_update_changes_nothing(api: httpx.Client, emulator: RunningEmulator) -> None:
    """An update with one bad value is refused whole."""
    [number] = listed(api, emulator, PhoneNumber="+14155550100")
    response = api.post(number["uri"], data={"FriendlyName": "New", "VoiceUrl": "nope"})
    assert code_of(response) == (400, 11100)
    assert api.get(number["uri"]).json()["friendly_name"] == number["friendly_name"]


def test_test_credentials_buy_without_keeping(
    test_api: httpx.Client, api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Test credentials get the magic answers and a real-looking number; nothing is kept."""
    response = buy(test_api, TEST_ACCOUNT_SID, PhoneNumber="+15005550006")
    assert response.status_code == 201, response.text
    bought = assert_conforms(response)
    assert (bought["friendly_name"], bought["account_sid"]) == ("(500) 555-0006", TEST_ACCOUNT_SID)
    area = assert_conforms(buy(test_api, TEST_ACCOUNT_SID, AreaCode="500"))
    assert area["phone_number"] == "+15005550006"
    assert code_of(buy(test_api, TEST_ACCOUNT_SID, PhoneNumber="+15005550000")) == (400, 21422)
    assert code_of(buy(test_api, TEST_ACCOUNT_SID, AreaCode="533")) == (400, 21452)
    assert code_of(test_api.get(path(TEST_ACCOUNT_SID))) == (403, 20008)
    assert code_of(test_api.get(bought["uri"])) == (403, 20008)


def test_unknown_number_is_404(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Fetching, updating or releasing an unknown SID is 404 / 20404."""
    uri = path(emulator.account_sid).removesuffix(".json") + f"/PN{'0' * 32}.json"
    assert code_of(api.get(uri)) == (404, 20404)
    assert code_of(api.post(uri, data={"FriendlyName": "x"})) == (404, 20404)
    assert code_of(api.delete(uri)) == (404, 20404)
