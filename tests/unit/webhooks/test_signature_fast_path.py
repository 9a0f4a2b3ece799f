"""The receiver's quick signature check (no repeated names) agrees with Twilio's own SDK, and
requests with repeated names still go through the full signer."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from twiliokit.webhooks.request import RawRequest, check_signature, parse_form
from twiliokit.webhooks.settings import WebhookSettings
from twiliokit.webhooks.signature import compute_signature

TOKEN = "12345678901234567890123456789012"
URL = "https://agent.example.com/webhooks/twilio/messaging"
SETTINGS = WebhookSettings(auth_token=TOKEN, public_url="https://agent.example.com")

UNIQUE = [("To", "+14155550100"), ("Body", "héllo & goodbye"), ("From", "+14155550123")]
REPEATED = [("MediaUrl", "https://b"), ("To", "+1415"), ("MediaUrl", "https://a")]


def _request(params: list[tuple[str, str]], signature: str) -> RawRequest:
    return RawRequest(
        method="POST",
        scheme="http",
        path="/webhooks/twilio/messaging",
        query="",
        headers={"host": "internal:8080", "x-twilio-signature": signature},
        peer="10.0.0.7",
        body=urlencode(params).encode(),
    )


@pytest.mark.parametrize("params", [UNIQUE, REPEATED, []], ids=["unique", "repeated", "none"])
def test_twilio_signatures_pass_and_others_fail(params: list[tuple[str, str]]) -> None:
    """What Twilio signs passes the check; one changed value makes it fail."""
    if params is REPEATED:  # (the SDK's own multi-dict handling is checked in test_signature)
        good = compute_signature(URL, params, TOKEN)
    else:
        good = RequestValidator(TOKEN).compute_signature(URL, dict(params))
    raw = _request(params, good)
    assert check_signature(raw, SETTINGS, params=parse_form(raw.body)).valid
    if params:
        changed = [(params[0][0], params[0][1] + "x"), *params[1:]]
        raw = _request(changed, good)
        assert not check_signature(raw, SETTINGS, params=parse_form(raw.body)).valid
