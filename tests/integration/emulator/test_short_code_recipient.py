"""A message to a short code is refused as Twilio refuses it: 400 / 21265."""

from __future__ import annotations

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException

from tests.helpers.sdk import sdk_client
from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.testing import RunningEmulator


@pytest.mark.parametrize("to", ["12345", "898211"])
def test_long_code_to_short_code_is_21265(emulator: RunningEmulator, to: str) -> None:
    """Twilio's SDK sending from a long code to a short code gets 21265; nothing is queued."""
    client = sdk_client(emulator.base_url, emulator.account_sid, emulator.auth_token)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=to, from_=emulator.phone_number, body="hi")
    assert (caught.value.status, caught.value.code) == (400, 21265)
    assert "Short Code" in caught.value.msg
    assert client.messages.list(limit=5) == []


def test_test_credentials_get_21265_too(emulator: RunningEmulator) -> None:
    """The refusal comes before the test-credentials From checks, as a To error."""
    response = httpx.post(
        f"{emulator.base_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json",
        data={"To": "12345", "From": "+15005550006", "Body": "hi"},
        auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
    )
    assert (response.status_code, response.json()["code"]) == (400, 21265)
    assert response.json()["more_info"] == "https://www.twilio.com/docs/errors/21265"
