"""The five ledger actions from `twiliokit actions run`, with the ledger TWILIOKIT_DATABASE_URL
names: what a CLI send recorded, and what the webhook receiver would have (an inbound message,
a STOP), read back by separate invocations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.acceptance.subprocess.conftest import User
from tests.helpers.ledger import read_ledger, record_inbound, record_stop
from tests.integration.actions.helpers import emulator_now

# Several cold starts of the command each: generous on a loaded two-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CONTACT = "+14155552671"


@pytest.fixture
def sent(user: User) -> dict[str, Any]:
    """A message `twiliokit sms send` sent to CONTACT, after CONTACT wrote in; the output."""
    wrote_in = emulator_now(user.emulator) - timedelta(minutes=1)  # before the emulator's reply
    record_inbound(
        user.ledger_url, contact=CONTACT, to=user.emulator.phone_number, body="hello?", at=wrote_in
    )
    output: dict[str, Any] = user.json("sms", "send", CONTACT, "Hello back", "--json")
    return output


def _run(user: User, action: str, arguments: str) -> Any:
    return user.json("actions", "run", action, "--args", arguments)


def test_get_conversation(user: User, sent: dict[str, Any]) -> None:
    """get_conversation shows the CLI's reply and the inbound message before it, newest first."""
    conversation = _run(user, "get_conversation", f'{{"contact": "{CONTACT}"}}')
    assert [m["body"] for m in conversation["messages"]] == ["Hello back", "hello?"]
    assert conversation["messages"][0]["sid"] == sent["sid"]


def test_search_ledger(user: User, sent: dict[str, Any]) -> None:
    """search_ledger finds the CLI's send by its text and direction."""
    found = _run(user, "search_ledger", '{"text": "back", "direction": "outbound-api"}')
    assert [m["sid"] for m in found["messages"]] == [sent["sid"]]


def test_get_message_status_history(user: User, sent: dict[str, Any]) -> None:
    """get_message_status_history has the status Twilio answered the CLI's send with."""
    history = _run(user, "get_message_status_history", f'{{"sid": "{sent["sid"]}"}}')
    assert [(e["status"], e["source"]) for e in history["events"]] == [("queued", "api")]


def test_wait_for_delivery(user: User, sent: dict[str, Any]) -> None:
    """wait_for_delivery asks Twilio when no callback came, answers delivered and records it."""
    user.emulator.control.advance(60)
    waited = _run(user, "wait_for_delivery", f'{{"sid": "{sent["sid"]}", "timeout_seconds": 60}}')
    assert waited["status"] == "delivered"
    record = read_ledger(user.ledger_url, lambda ledger: ledger.get_message(sent["sid"]))
    assert record is not None
    assert record.status == "delivered"


def test_list_opt_outs(user: User) -> None:
    """list_opt_outs shows a STOP recorded in the ledger, and nothing before it."""
    assert _run(user, "list_opt_outs", "{}")["opt_outs"] == []
    record_stop(user.ledger_url, contact=CONTACT, sender=user.emulator.phone_number)
    [opt_out] = _run(user, "list_opt_outs", "{}")["opt_outs"]
    assert (opt_out["recipient"], opt_out["sender"]) == (CONTACT, user.emulator.phone_number)
