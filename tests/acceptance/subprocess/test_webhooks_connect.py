"""`twiliokit webhooks connect` from the installed command: it runs the catalogue's
update_phone_number_webhooks action (so it refuses and answers as that action does), and speaks
in its own flags (--number, --force)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.acceptance.subprocess.conftest import User
from twiliokit.cli.output import EXIT_INPUT
from twiliokit.emulator.testing import RunningEmulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

NUMBER = "+14155550100"
PUBLIC_URL = "https://agent.example.com"
OTHER_APP = "https://other-app.example/sms"


def _number(emulator: RunningEmulator) -> dict[str, Any]:
    """The emulator's record of NUMBER, read over HTTP without the client under test."""
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers.json"
    auth = (emulator.account_sid, emulator.auth_token)
    found = httpx.get(emulator.base_url + path, params={"PhoneNumber": NUMBER}, auth=auth).json()
    number: dict[str, Any] = found["incoming_phone_numbers"][0]
    return number


def _point_elsewhere(emulator: RunningEmulator) -> None:
    number = _number(emulator)
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers/{number['sid']}.json"
    auth = (emulator.account_sid, emulator.auth_token)
    httpx.post(emulator.base_url + path, data={"SmsUrl": OTHER_APP}, auth=auth).raise_for_status()


def test_connect_refuses_to_clobber_then_replaces_with_force(user: User) -> None:
    """Another app's SmsUrl is a refusal naming --force (exit 2, nothing changed); with --force
    the three URLs point at the receiver and the JSON shows what was replaced."""
    _point_elsewhere(user.emulator)
    connect = ("webhooks", "connect", "--number", NUMBER, "--public-url", PUBLIC_URL, "--json")

    refused = user(*connect)
    assert refused.returncode == EXIT_INPUT, refused.stderr
    error = json.loads(refused.stdout)["error"]
    assert (error["field"], "--force" in error["hint"]) == ("force", True)
    assert OTHER_APP in error["message"]
    assert _number(user.emulator)["sms_url"] == OTHER_APP

    forced = user.json(*connect, "--force")
    changes = {change["field"]: change for change in forced["changes"]}
    assert changes["sms_url"]["old"] == OTHER_APP
    assert (forced["number"], forced["changed"]) == (NUMBER, True)
    now = _number(user.emulator)
    assert now["sms_url"] == f"{PUBLIC_URL}/webhooks/twilio/messaging"
    assert now["voice_url"] == f"{PUBLIC_URL}/webhooks/twilio/voice"
    assert now["status_callback"] == f"{PUBLIC_URL}/webhooks/twilio/call-status"
    assert user.json(*connect)["changed"] is False


def test_connect_names_the_number_flag_for_a_number_the_account_lacks(user: User) -> None:
    """A number the account does not own is a usage error (exit 2) naming the number and how
    to find the account's numbers."""
    done = user("webhooks", "connect", "--number", "+14155550199", "--public-url", PUBLIC_URL)
    assert done.returncode == EXIT_INPUT
    assert "+14155550199" in done.stderr
    assert "`twiliokit actions run list_phone_numbers` shows the account's numbers" in done.stderr
