"""Each script in examples/ runs as its docstring says, against the emulator, and does what it
claims: the effect is checked on the emulator (its messages, verifications), not only in what
the script prints."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.acceptance.examples.conftest import EXAMPLES, TIMEOUT, Examples
from tests.helpers.ledger import read_ledger
from tests.helpers.processes import run as twiliokit
from tests.helpers.processes import running
from twiliokit.ledger.outbox_records import OutboxItem, OutboxQuery, OutboxState

pytestmark = pytest.mark.slow

CUSTOMER = "+14155552671"
SERVICE = "MG00000000000000000000000000000001"


def test_mcp_agent_loop_sends_waits_and_reads_the_conversation(examples: Examples) -> None:
    """The scripted agent runs its four tool calls over `twiliokit mcp` (stdio) and the SMS
    it sent is delivered on the emulator and shown back from the ledger."""
    # The fixture's clock is frozen; let virtual time run so that the message is delivered
    # while the script waits (reset puts the rate back).
    examples.emulator.control.request("POST", "/_emulator/clock/rate", {"rate": 50})
    done = examples.run("mcp_agent_loop.py", CUSTOMER, "--body", "Your order has shipped.")
    assert done.returncode == 0, done.stdout + done.stderr
    steps = re.findall(r"^step \d: (\w+)\(", done.stdout, flags=re.MULTILINE)
    assert steps == [
        "lookup_phone_number",
        "send_sms",
        "wait_for_delivery",
        "get_conversation",
    ]
    assert "status=delivered final=True" in done.stdout
    assert "outbound-api delivered: 'Your order has shipped.'" in done.stdout
    [message] = examples.messages()
    assert (message["to"], message["body"], message["status"]) == (
        CUSTOMER,
        "Your order has shipped.",
        "delivered",
    )


def _appointments(path: Path, now: datetime) -> Path:
    """A CSV relative to now: one too soon to schedule, one to schedule, one too far ahead and
    one over."""
    rows = [
        ("A-1", "Ada", CUSTOMER, now + timedelta(hours=2)),
        ("A-2", "Grace", "+14155552672", now + timedelta(days=3)),
        ("A-3", "Alan", "+14155552673", now + timedelta(days=60)),
        ("A-4", "Edsger", "+14155552674", now - timedelta(hours=1)),
    ]
    lines = ["appointment_id,name,phone,starts_at"]
    lines += [f"{i},{n},{p},{t:%Y-%m-%dT%H:%M:%SZ}" for i, n, p, t in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _outbox(examples: Examples) -> list[OutboxItem]:
    """The outbox items of the default ledger the examples ran with, newest first."""
    path = examples.home / ".local" / "share" / "twiliokit" / "ledger.sqlite3"
    return read_ledger(f"sqlite:///{path}", lambda ledger: ledger.list_items(OutboxQuery()))


def test_appointment_reminders_schedule_once_and_rerun_safely(examples: Examples) -> None:
    """A reminder due within 35 days is held in the outbox until then (queued, nothing at
    Twilio), one already due is sent now through the Messaging Service, the rest are skipped;
    a second run sends and schedules nothing new."""
    csv = _appointments(examples.home / "appointments.csv", datetime.now(UTC))
    env = {"TWILIO_MESSAGING_SERVICE_SID": SERVICE}

    first = examples.run("appointment_reminders.py", str(csv), env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    [sent] = examples.messages()
    assert (sent["to"], sent["messaging_service_sid"]) == (CUSTOMER, SERVICE)
    scheduled = next(item for item in _outbox(examples) if item.to == "+14155552672")
    assert scheduled.state == OutboxState.QUEUED
    assert scheduled.not_before > datetime.now(UTC) + timedelta(days=1)
    assert scheduled.request["body"].startswith("Hi Grace, a reminder of your appointment on ")
    assert f"accepted: {scheduled.id} (scheduled)" in first.stdout
    assert "A-3 +14155552673: skipped, more than 35 days ahead" in first.stdout
    assert "A-4 +14155552674: skipped, the appointment has started" in first.stdout

    again = examples.run("appointment_reminders.py", str(csv), env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("already accepted in an earlier run") == 2
    assert len(examples.messages()) == 1
    assert len(_outbox(examples)) == 2


def test_appointment_reminders_need_no_messaging_service(examples: Examples) -> None:
    """Without a Messaging Service the reminders leave from the connection's number."""
    csv = _appointments(examples.home / "appointments.csv", datetime.now(UTC))
    done = examples.run("appointment_reminders.py", str(csv))
    assert done.returncode == 0, done.stdout + done.stderr
    [sent] = examples.messages()
    assert (sent["to"], sent["from"]) == (CUSTOMER, examples.emulator.phone_number)


def test_auto_reply_handler_answers_an_inbound_text(examples: Examples) -> None:
    """`twiliokit serve --handlers auto_reply:handlers` on the emulator's number answers a
    customer's text with the matching reply, and leaves STOP to Twilio's own answer."""
    env = examples.environment({"PYTHONPATH": str(EXAMPLES)})
    serve = ("serve", "--handlers", "auto_reply:handlers", "--port", "0")
    with running(*serve, env=env, ready="  HTTP API:") as (_, printed):
        found = re.search(r"http://127\.0\.0\.1:\d+", printed.stdout[-1])
        assert found is not None, printed.everything
        connect = twiliokit(
            "webhooks", "connect", "--number", examples.emulator.phone_number,
            "--public-url", found.group(0), "--no-voice", env=env,
        )  # fmt: skip
        assert connect.returncode == 0, connect.stdout + connect.stderr

        inbound = examples.emulator.control.inbound(
            From=CUSTOMER, To=examples.emulator.phone_number, Body="What are your hours?"
        )
        stop = examples.emulator.control.inbound(
            From="+14155552679", To=examples.emulator.phone_number, Body="STOP"
        )
    assert inbound["status"] == 200, inbound
    [reply_sid] = inbound["reply_sids"]
    replies = {m["sid"]: m for m in examples.messages() if m["direction"] == "outbound-reply"}
    assert replies[reply_sid]["to"] == CUSTOMER
    assert replies[reply_sid]["body"] == "We're open Monday to Friday, 9:00 to 17:00."
    assert stop["reply_sids"] == []
    assert stop["auto_reply_sid"] is not None


def test_verify_sign_in_approves_the_code_read_from_the_emulator(examples: Examples) -> None:
    """The sign-in flow creates a Verify service, starts a verification, refuses a wrong code
    and approves the one the emulator's control API shows, as a user typing it would."""
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "verify_sign_in.py"), CUSTOMER],
        env=examples.environment(),
        cwd=examples.home,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        shown: list[str] = []
        for line in iter(process.stdout.readline, ""):
            shown.append(line)
            if line.startswith("code sent to"):
                break
        [pending] = examples.emulator.control.verifications()
        assert pending["to"] == CUSTOMER
        code = pending["code"]
        wrong = str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
        out, err = process.communicate(f"{wrong}\n{code}\n", timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, "".join(shown) + out + err
    assert "wrong code (pending); 2 attempt(s) left" in out
    assert "approved: signed in" in out
    assert examples.emulator.control.verifications() == []
