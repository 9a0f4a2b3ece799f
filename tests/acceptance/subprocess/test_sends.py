"""Sends from the installed command with the environment and config file a user sets: the
ledger TWILIOKIT_DATABASE_URL names records them, and TWILIOKIT_CONFIG's [compliance] table
refuses before any request leaves."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from tests.acceptance.subprocess.conftest import User, emulator_messages
from tests.helpers.ledger import read_ledger, record_stop
from twiliokit.cli.output import EXIT_INPUT, EXIT_REFUSED
from twiliokit.emulator.products.messaging_store import MessagingStore
from twiliokit.ledger import LedgerQuery
from twiliokit.ledger.outbox_records import OutboxItem, OutboxQuery, OutboxState
from twiliokit.ledger.records import MessageRecord

# Several cold starts of the command each: generous on a loaded two-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

US = "+14155552671"
CANADA = "+16135550123"
PUBLIC_URL = "https://agent.invalid"


def _recorded(url: str | None) -> list[MessageRecord]:
    """Every message the ledger at ``url`` holds."""
    return read_ledger(url, lambda ledger: ledger.search(LedgerQuery(limit=100)))


def _outbox(url: str | None) -> list[OutboxItem]:
    """Every outbox item the ledger at ``url`` holds, newest first."""
    return read_ledger(url, lambda ledger: ledger.list_items(OutboxQuery()))


def _refusal(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """The error object a refused ``--json`` command printed."""
    error: dict[str, object] = json.loads(done.stdout)["error"]
    return error


def test_a_send_is_recorded_in_the_ledger_the_environment_names(user: User) -> None:
    """`sms send` lands in TWILIOKIT_DATABASE_URL's ledger, with TWILIOKIT_PUBLIC_URL's callback."""
    public = {"TWILIOKIT_PUBLIC_URL": PUBLIC_URL}
    sent = user.json("sms", "send", US, "Your table is ready", "--json", env=public)
    [record] = _recorded(user.ledger_url)
    assert (record.sid, record.to, record.body) == (sent["sid"], US, "Your table is ready")
    assert record.direction == "outbound-api"
    [message] = user.emulator.state.store(MessagingStore).newest_first(user.emulator.account_sid)
    assert message.status_callback == f"{PUBLIC_URL}/webhooks/twilio/message-status"
    [item] = _outbox(user.ledger_url)
    assert (item.id, item.state, item.sid) == (sent["outbox_id"], OutboxState.SENT, sent["sid"])


def test_without_a_url_the_send_lands_in_the_default_sqlite_file(user: User) -> None:
    """With no TWILIOKIT_DATABASE_URL the send is recorded in the user data directory's file."""
    sent = user.json("sms", "send", US, "hi", "--json", env={"TWILIOKIT_DATABASE_URL": None})
    default = user.home / ".local" / "share" / "twiliokit" / "ledger.sqlite3"
    assert [r.sid for r in _recorded(f"sqlite:///{default}")] == [sent["sid"]]
    assert _recorded(user.ledger_url) == []


def test_allowed_countries_refuses_before_any_request(user: User) -> None:
    """allowed_countries = ["CA"] refuses a US number (exit 4, nothing sent); Canada goes."""
    user.config('[compliance]\nallowed_countries = ["CA"]\n')
    refused = user("sms", "send", US, "hi", "--json")
    assert refused.returncode == EXIT_REFUSED, refused.stderr
    error = _refusal(refused)
    assert (error["type"], error["field"]) == ("policy_refused", "to")
    assert emulator_messages(user.emulator) == []
    assert _recorded(user.ledger_url) == []
    assert _outbox(user.ledger_url) == []
    plain = user("calls", "make", US, "--say", "hi")
    assert plain.returncode == EXIT_REFUSED
    assert plain.stderr.startswith("error: ")
    assert "allow only CA" in plain.stderr
    user.json("sms", "send", CANADA, "bonjour", "--json")
    assert [m["to"] for m in emulator_messages(user.emulator)] == [CANADA]


def test_daily_cap_refuses_the_second_send_to_a_recipient(user: User) -> None:
    """daily_cap = 1: the first send goes and is recorded, the second is refused unsent."""
    user.config("[compliance]\ndaily_cap = 1\n")
    first = user.json("sms", "send", US, "one", "--json")
    second = user("sms", "send", US, "two", "--json")
    assert second.returncode == EXIT_REFUSED, second.stderr
    assert _refusal(second)["type"] == "policy_refused"
    assert [m["sid"] for m in emulator_messages(user.emulator)] == [first["sid"]]
    assert [r.sid for r in _recorded(user.ledger_url)] == [first["sid"]]


def test_an_opted_out_recipient_is_refused_before_any_request(user: User) -> None:
    """A STOP in the ledger refuses `sms send` to that recipient (exit 4); nothing is sent."""
    record_stop(user.ledger_url, contact=US, sender=user.emulator.phone_number)
    refused = user("sms", "send", US, "hi", "--json")
    assert refused.returncode == EXIT_REFUSED, refused.stderr
    assert _refusal(refused)["type"] == "opted_out"
    assert emulator_messages(user.emulator) == []


def test_no_ledger_neither_reads_nor_records_but_keeps_the_country_rule(user: User) -> None:
    """--no-ledger skips the ledger's opt-out, records nothing; allowed_countries still refuses."""
    record_stop(user.ledger_url, contact=US, sender=user.emulator.phone_number)
    sent = user.json("sms", "send", US, "hi", "--no-ledger", "--json")
    assert [m["sid"] for m in emulator_messages(user.emulator)] == [sent["sid"]]
    assert _recorded(user.ledger_url) == []
    user.config('[compliance]\nallowed_countries = ["CA"]\n')
    refused = user("sms", "send", US, "again", "--no-ledger", "--json")
    assert refused.returncode == EXIT_REFUSED, refused.stderr
    assert len(emulator_messages(user.emulator)) == 1


def test_db_option_wins_and_reads_never_open_the_ledger(user: User) -> None:
    """--db beats a bad TWILIOKIT_DATABASE_URL, which fails sends (exit 2), not `messages list`."""
    bad = {"TWILIOKIT_DATABASE_URL": "mysql://ledger.invalid/db"}
    listed = user("messages", "list", "--json", env=bad)
    assert listed.returncode == 0, listed.stderr
    failed = user("sms", "send", US, "hi", env=bad)
    assert failed.returncode == EXIT_INPUT
    assert failed.stderr.startswith("error: TWILIOKIT_DATABASE_URL: the ledger does not support")
    assert emulator_messages(user.emulator) == []
    other = user.home / "other.sqlite3"
    sent = user.json("sms", "send", US, "hi", "--db", f"sqlite:///{other}", "--json", env=bad)
    assert [r.sid for r in _recorded(f"sqlite:///{other}")] == [sent["sid"]]


def test_no_ledger_is_refused_where_the_ledger_is_needed(user: User) -> None:
    """--no-ledger with --db, a ledger action or an idempotency key: exit 2 naming the flags."""
    runs = {
        "--db": user("sms", "send", US, "hi", "--no-ledger", "--db", user.ledger_url),
        "list_opt_outs": user("actions", "run", "list_opt_outs", "--no-ledger"),
        "key": user("sms", "send", US, "hi", "--no-ledger", "--idempotency-key", "k1"),
    }
    for done in runs.values():
        assert done.returncode == EXIT_INPUT, done.stderr
        assert done.stderr.startswith("error: ")
        assert "--no-ledger" in done.stderr
    assert "--db" in runs["--db"].stderr
    assert "list_opt_outs reads the ledger" in runs["list_opt_outs"].stderr
    assert "idempotency key" in runs["key"].stderr
    assert emulator_messages(user.emulator) == []


def test_sends_from_separate_commands_keep_the_senders_pace(user: User) -> None:
    """[outbox] rates = 0.2/s: of two `sms send` commands started together from one sender,
    the second starts its request no sooner than 5 s after the first, though each is its own
    process (the pace is kept in the ledger they share)."""
    user.config(f'[outbox]\nrates = {{"{user.emulator.phone_number}" = 0.2}}\n')
    # The first slot is no earlier than now, so the second is no earlier than now + 5 s.
    # (Judged against the first's start instead, a first request that left its slot late
    # on a loaded machine made the gap look short: the pace is kept on the slots.)
    before = datetime.now(UTC)
    with ThreadPoolExecutor(2) as pool:
        for sent in pool.map(lambda to: user.json("sms", "send", to, "hi", "--json"), [US, CANADA]):
            assert sent["status"] == "queued"
    # Which command's item was recorded first does not decide which got the first slot.
    items = _outbox(user.ledger_url)
    started = sorted(i.request_started_at for i in items if i.request_started_at is not None)
    assert len(started) == len(items) == 2
    first, second = started
    assert first >= before
    assert (second - before).total_seconds() >= 5
