"""send_bulk under the agent surfaces' guardrails: the allowlist and the hourly cap judge each
recipient (a refusal is that recipient's, listed and recorded), and a dry run records nothing."""

from __future__ import annotations

import pytest

from tests.integration.surfaces.conftest import OpenGuarded
from twiliokit.ledger import MemoryLedger
from twiliokit.ledger.outbox_records import OutboxQuery
from twiliokit.server.guardrails import Guardrails

pytestmark = pytest.mark.anyio

SF = ["+14155550101", "+14155550102", "+14155550103"]
FRENCH_MOBILE = "+33612345678"
SENDER = "+15005550006"


def _bulk(*numbers: str) -> dict[str, object]:
    return {"recipients": [{"to": n} for n in numbers], "body": "Hi", "from": SENDER}


async def test_allowlist_and_hourly_cap_refuse_single_recipients(guarded: OpenGuarded) -> None:
    """Outside the allowlist and past the cap: refused with reasons; the others are queued."""
    ledger = MemoryLedger()
    guardrails = Guardrails(allowed_destinations=("+1415",), max_messages_per_hour=2)
    runtime = await guarded(guardrails, ledger=ledger)
    answer = await runtime.invoke("send_bulk", _bulk(*SF, FRENCH_MOBILE))
    assert (answer["accepted"], answer["refused"]) == (2, 2)
    reasons = {r["to"]: r["reason"] for r in answer["refusals"]}
    assert "allowlist" in reasons[FRENCH_MOBILE]
    assert "hourly cap" in reasons[SF[2]]
    assert len(await ledger.list_items(OutboxQuery())) == 4


async def test_a_dry_run_records_nothing(guarded: OpenGuarded) -> None:
    """In dry-run mode send_bulk previews instead of recording a batch."""
    ledger = MemoryLedger()
    runtime = await guarded(Guardrails(dry_run=True), ledger=ledger)
    preview = await runtime.invoke("send_bulk", _bulk(*SF))
    assert preview["dry_run"] is True
    assert await ledger.list_items(OutboxQuery()) == []
