"""start_verification walks the send pipeline on the agent surfaces' runtime too: in dry-run
mode it is previewed as a send (nothing started, nothing recorded); otherwise recorded."""

from __future__ import annotations

import pytest

from tests.integration.actions.helpers import TO
from tests.integration.surfaces.conftest import OpenGuarded
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import MemoryLedger
from twiliokit.ledger.outbox_records import OutboxQuery
from twiliokit.server.guardrails import Guardrails

pytestmark = pytest.mark.anyio


async def test_a_dry_run_previews_a_verification_and_starts_nothing(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """The preview says a code would go by its channel to the recipient; Verify starts
    nothing and the outbox records nothing. The same call outside dry run is recorded."""
    ledger = MemoryLedger()
    real = await guarded(Guardrails(), ledger=ledger)
    service = (await real.invoke("create_verify_service", {"friendly_name": "Acme"}))["sid"]
    arguments = {"service_sid": service, "to": TO, "channel": "call"}
    preview = await (await guarded(Guardrails(dry_run=True), ledger=ledger)).invoke(
        "start_verification", arguments
    )
    assert preview["dry_run"] is True
    assert preview["summary"].startswith(f"Dry run: would send a verification code by call to {TO}")
    assert emulator.control.verifications() == []
    assert await ledger.list_items(OutboxQuery()) == []
    started = await real.invoke("start_verification", arguments)
    [item] = await ledger.list_items(OutboxQuery())
    assert (item.id, item.sid, item.kind) == (started["outbox_id"], started["sid"], "verification")
