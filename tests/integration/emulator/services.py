"""Messaging Service helpers for the emulator tests (raw HTTP, development credentials)."""

from __future__ import annotations

import httpx

from twiliokit.emulator.testing import RunningEmulator


def number_sids(api: httpx.Client, emulator: RunningEmulator) -> dict[str, str]:
    """The account's IncomingPhoneNumber SIDs by number."""
    owned = api.get(f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers.json")
    return {n["phone_number"]: n["sid"] for n in owned.json()["incoming_phone_numbers"]}


def service_with_pool(
    api: httpx.Client, emulator: RunningEmulator, *numbers: str, **settings: str
) -> str:
    """A new Messaging Service (``settings`` as form parameters) whose pool holds ``numbers``."""
    created = api.post("/v1/Services", data={"FriendlyName": "pool", **settings})
    assert created.status_code == 201, created.text
    service: str = created.json()["sid"]
    sids = number_sids(api, emulator)
    for number in numbers:
        added = api.post(
            f"/v1/Services/{service}/PhoneNumbers", data={"PhoneNumberSid": sids[number]}
        )
        assert added.status_code == 201, added.text
    return service
