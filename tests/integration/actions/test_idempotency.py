"""Idempotency keys on sends, end to end against the emulator: a retried call sends once."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from tests.integration.actions.conftest import Run
from tests.integration.actions.helpers import FAST_RETRY, TO, count_messages, emulator_now
from twiliokit.actions import ActionContext, invoke
from twiliokit.client import AsyncClient
from twiliokit.connections import Connection
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import StorageError, TwilioError, UnknownOutcomeError, ValidationError
from twiliokit.ledger import MemoryLedger, open_ledger

pytestmark = pytest.mark.anyio

MESSAGES = r"/Messages\.json$"


async def test_a_retried_send_with_the_same_key_sends_once(
    run: Run, emulator: RunningEmulator
) -> None:
    """The second call with the same key and arguments returns the first result unsent."""
    arguments = {"to": TO, "body": "Your code is 1234", "idempotency_key": "order-17"}
    first = await run("send_sms", arguments)
    again = await run("send_sms", arguments)
    assert again == first
    assert count_messages(emulator) == 1


async def test_the_same_key_with_other_arguments_is_refused(
    run: Run, emulator: RunningEmulator
) -> None:
    """Reusing a key for a different send names the field and says to use a new key."""
    await run("send_sms", {"to": TO, "body": "first", "idempotency_key": "k-1"})
    with pytest.raises(ValidationError) as caught:
        await run("send_sms", {"to": TO, "body": "second", "idempotency_key": "k-1"})
    assert caught.value.field == "idempotency_key"
    assert "new key" in (caught.value.hint or "")
    assert count_messages(emulator) == 1


async def test_a_send_twilio_refused_frees_its_key(run: Run, emulator: RunningEmulator) -> None:
    """A definite failure (Twilio's 21211) sent nothing, so the same key may send later."""
    arguments = {"to": "+15005550001", "body": "hi", "idempotency_key": "k-2"}
    for _ in range(2):
        with pytest.raises(TwilioError):
            await run("send_sms", arguments)
    sent = await run("send_sms", {**arguments, "to": TO, "idempotency_key": "k-3"})
    assert sent["status"] == "queued"


async def test_an_unknown_outcome_is_never_resent_under_its_key(
    run: Run, emulator: RunningEmulator
) -> None:
    """After a lost answer (the message exists), a retry with the key is refused with how to
    check, instead of sending a second message."""
    emulator.control.add_fault(method="POST", path=MESSAGES, mode="drop_after", times=1)
    arguments = {"to": TO, "body": "did it go?", "idempotency_key": "k-4"}
    with pytest.raises(UnknownOutcomeError):
        await run("send_sms", arguments)
    with pytest.raises(UnknownOutcomeError) as caught:
        await run("send_sms", arguments)
    assert "list_messages" in (caught.value.hint or "")
    sent_at = caught.value.to_dict()["sent_at"]  # the time to search from
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", sent_at), sent_at
    assert count_messages(emulator) == 1


class _ForgetfulLedger(MemoryLedger):
    """A ledger that takes keys but fails to keep results (a database gone mid-request)."""

    async def finish_idempotent(self, key: str, output: dict[str, Any]) -> None:
        raise StorageError("the ledger went away")


async def test_a_sent_message_is_answered_even_if_its_result_cannot_be_kept(
    context: ActionContext, emulator: RunningEmulator
) -> None:
    """The send happened, so the caller gets it; the retry is refused, never resent."""
    keyed = dataclasses.replace(context, ledger=_ForgetfulLedger())
    arguments = {"to": TO, "body": "sent once", "idempotency_key": "k-6"}
    sent = await invoke("send_sms", arguments, context=keyed)
    assert sent["sid"].startswith("SM")
    with pytest.raises(UnknownOutcomeError):
        await invoke("send_sms", arguments, context=keyed)
    assert count_messages(emulator) == 1


async def test_keys_hold_across_processes_through_the_ledger(
    emulator: RunningEmulator, emulator_connection: Connection, tmp_path: Path
) -> None:
    """Two contexts on one SQLite ledger (two processes, or a restart) share their keys."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    answers = []
    for _ in range(2):
        async with (
            AsyncClient(emulator_connection, retry=FAST_RETRY) as client,
            await open_ledger(url) as ledger,
        ):
            context = ActionContext(
                client=client,
                connection=emulator_connection,
                ledger=ledger,
                now=lambda: emulator_now(emulator),
            )
            arguments = {"to": TO, "say": "hello", "idempotency_key": "k-5"}
            answers.append(await invoke("make_call", arguments, context=context))
    assert answers[0] == answers[1]
    assert answers[0]["sid"].startswith("CA")


async def test_the_key_is_in_every_send_schema_and_only_there(context: ActionContext) -> None:
    """send_sms, send_whatsapp and make_call publish idempotency_key; reads do not."""
    from twiliokit.actions import catalogue

    having = {
        action.name
        for action in catalogue()
        if "idempotency_key" in action.input_model.model_json_schema()["properties"]
    }
    assert having == {"send_sms", "send_whatsapp", "make_call"}
