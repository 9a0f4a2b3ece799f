"""`twiliokit sms send`, `whatsapp send|templates`, `messages list|get|redact|delete|media`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.acceptance.cli.conftest import Twiliokit, json_of
from tests.helpers.ledger import record_inbound
from tests.integration.actions.helpers import count_messages
from twiliokit.emulator.products.call_store import CallStore
from twiliokit.emulator.testing import RunningEmulator

HANDSET = "+14155550199"
WHATSAPP_SENDER = "whatsapp:+14155238886"


def _send(twiliokit: Twiliokit, *extra: str) -> dict[str, object]:
    sent: dict[str, object] = json_of(twiliokit("sms", "send", HANDSET, "Hello", "--json", *extra))
    return sent


def test_sms_send_prints_the_queued_message_as_a_table(twiliokit: Twiliokit) -> None:
    """Without --json the sent message is a field/value table: SID, status, literal body."""
    result = twiliokit("sms", "send", HANDSET, "Table [bold]ready[/bold]")
    assert result.exit_code == 0, result.output
    assert re.search(r"^sid\s+SM[0-9a-f]{32}\s*$", result.stdout, re.MULTILINE)
    assert re.search(r"^status\s+queued\s*$", result.stdout, re.MULTILINE)
    # User text is printed as it is, never read as rich markup.
    assert re.search(r"^body\s+Table \[bold\]ready\[/bold\]\s*$", result.stdout, re.MULTILINE)


def test_sms_send_json_uses_the_default_sender_and_options(
    twiliokit: Twiliokit, emulator: RunningEmulator
) -> None:
    """--json prints the action output; From defaults to TWILIO_PHONE_NUMBER; media makes MMS."""
    sent = _send(twiliokit, "--media-url", "https://example.com/cat.jpg")
    assert isinstance(sent["sid"], str)
    assert sent["sid"].startswith("MM")
    assert sent["from"] == emulator.phone_number
    assert sent["to"] == HANDSET
    assert sent["body"] == "Hello"


def test_sms_send_at_is_held_and_shown_as_scheduled(
    twiliokit: Twiliokit, emulator: RunningEmulator
) -> None:
    """--send-at (no Messaging Service) prints status scheduled and the outbox id; nothing is
    sent yet; a time beyond 35 days is refused naming --send-at."""
    when = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = twiliokit("sms", "send", HANDSET, "Later", "--send-at", when)
    assert result.exit_code == 0, result.output
    assert re.search(r"^status\s+scheduled\s*$", result.stdout, re.MULTILINE)
    assert re.search(r"^outbox_id\s+OB[0-9a-f]{32}\s*$", result.stdout, re.MULTILINE)
    assert count_messages(emulator) == 0
    far = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    refused = twiliokit("sms", "send", HANDSET, "Much later", "--send-at", far)
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: --send-at must be between now")


def test_whatsapp_and_call_send_at_are_held_as_scheduled(
    twiliokit: Twiliokit, emulator: RunningEmulator
) -> None:
    """`whatsapp send` (a template) and `calls make` take --send-at too: each answers status
    scheduled with its outbox id, and nothing reaches Twilio yet."""
    when = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    template = "HX" + "0" * 32
    whatsapp = json_of(
        twiliokit(
            "whatsapp",
            "send",
            HANDSET,
            "--content-sid",
            template,
            "--from",
            WHATSAPP_SENDER,
            "--send-at",
            when,
            "--json",
        )
    )
    call = json_of(twiliokit("calls", "make", HANDSET, "--say", "hi", "--send-at", when, "--json"))
    for scheduled in (whatsapp, call):
        assert scheduled["status"] == "scheduled"
        assert re.fullmatch(r"OB[0-9a-f]{32}", scheduled["outbox_id"])
    assert count_messages(emulator) == 0
    assert emulator.state.store(CallStore).of_account(emulator.account_sid) == []


def test_sms_send_reads_the_body_from_stdin(twiliokit: Twiliokit) -> None:
    """BODY '-' reads the text from stdin, so long or generated text needs no quoting."""
    sent = json_of(twiliokit("sms", "send", HANDSET, "-", "--json", input="from a pipe\n"))
    assert sent["body"] == "from a pipe"


def test_whatsapp_send_inside_the_session_window(
    twiliokit: Twiliokit, emulator: RunningEmulator
) -> None:
    """After the user writes in (in the ledger, as `serve` records it) free-form WhatsApp goes."""
    emulator.control.inbound(From=f"whatsapp:{HANDSET}", To=WHATSAPP_SENDER, Body="hi")
    record_inbound(None, contact=f"whatsapp:{HANDSET}", to=WHATSAPP_SENDER)
    sent = json_of(
        twiliokit("whatsapp", "send", HANDSET, "Welcome!", "--from", WHATSAPP_SENDER, "--json")
    )
    assert sent["to"] == f"whatsapp:{HANDSET}"
    assert sent["from"] == WHATSAPP_SENDER


def test_whatsapp_templates_lists_nothing_on_a_fresh_account(twiliokit: Twiliokit) -> None:
    """`whatsapp templates` runs list_whatsapp_templates: empty list, friendly table text."""
    assert json_of(twiliokit("whatsapp", "templates", "--json"))["templates"] == []
    result = twiliokit("whatsapp", "templates")
    assert result.exit_code == 0, result.output
    assert "No templates." in result.stdout


def test_messages_list_shows_sent_messages_in_a_table(twiliokit: Twiliokit) -> None:
    """`messages list` filters by --to and shows SID, status and body columns."""
    first = _send(twiliokit)
    elsewhere = json_of(twiliokit("sms", "send", "+14155550188", "Not for the handset", "--json"))
    second = _send(twiliokit)
    to_handset = json_of(twiliokit("messages", "list", "--to", HANDSET, "--json"))["messages"]
    assert [m["sid"] for m in to_handset] == [second["sid"], first["sid"]]
    assert {m["to"] for m in to_handset} == {HANDSET}
    listed = json_of(twiliokit("messages", "list", "--to", HANDSET, "--limit", "1", "--json"))
    assert [m["sid"] for m in listed["messages"]] == [second["sid"]]
    assert listed["next_page_token"]
    everyone = json_of(twiliokit("messages", "list", "--json"))["messages"]
    assert elsewhere["sid"] in {m["sid"] for m in everyone}
    table = twiliokit("messages", "list", "--to", HANDSET)
    assert table.exit_code == 0, table.output
    assert str(first["sid"]) in table.stdout
    assert "status" in table.stdout
    assert "body" in table.stdout


def test_messages_get_fetches_one_message(twiliokit: Twiliokit) -> None:
    """`messages get SID` shows the message the send created."""
    sid = str(_send(twiliokit)["sid"])
    fetched = json_of(twiliokit("messages", "get", sid, "--json"))
    assert fetched["sid"] == sid
    assert fetched["body"] == "Hello"


def test_messages_redact_erases_the_body(twiliokit: Twiliokit, emulator: RunningEmulator) -> None:
    """`messages redact SID` leaves the record with an empty body."""
    sid = str(_send(twiliokit)["sid"])
    emulator.control.advance(10)  # delivered: only finished messages can be redacted
    redacted = json_of(twiliokit("messages", "redact", sid, "--json"))
    assert redacted["sid"] == sid
    assert redacted["body"] == ""


def test_messages_delete_removes_the_record(
    twiliokit: Twiliokit, emulator: RunningEmulator
) -> None:
    """`messages delete SID` deletes it; fetching it afterwards is a 20404 with exit 1."""
    sid = str(_send(twiliokit)["sid"])
    emulator.control.advance(10)
    deleted = json_of(twiliokit("messages", "delete", sid, "--json"))
    assert deleted == {"sid": sid, "deleted": True}
    gone = twiliokit("messages", "get", sid)
    assert gone.exit_code == 1
    assert "Hint:" in gone.stderr


def test_messages_media_lists_the_attachments(twiliokit: Twiliokit) -> None:
    """`messages media SID` lists an MMS's media with their content types."""
    sid = str(_send(twiliokit, "--media-url", "https://example.com/cat.jpg")["sid"])
    media = json_of(twiliokit("messages", "media", sid, "--json"))["media"]
    assert len(media) == 1
    assert media[0]["message_sid"] == sid
    assert media[0]["content_type"] == "image/jpeg"
    table = twiliokit("messages", "media", sid)
    assert table.exit_code == 0, table.output
    assert media[0]["sid"] in table.stdout
    assert "image/jpeg" in table.stdout


def test_messages_list_on_a_narrow_terminal_keeps_sids_whole(
    twiliokit: Twiliokit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 60 columns the list prints one block per message, with every SID whole."""
    sid = json_of(twiliokit("sms", "send", "+14155550199", "Narrow", "--json"))["sid"]
    monkeypatch.setenv("COLUMNS", "60")
    listed = twiliokit("messages", "list")
    assert listed.exit_code == 0, listed.output
    assert sid in listed.stdout
    assert "..." not in listed.stdout


def test_sms_send_with_an_idempotency_key_sends_once(
    twiliokit: Twiliokit, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A cron job re-run with the same --idempotency-key prints the first message; one is sent."""
    monkeypatch.setenv("TWILIOKIT_DATABASE_URL", f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    first = _send(twiliokit, "--idempotency-key", "nightly-2026-12-03")
    again = _send(twiliokit, "--idempotency-key", "nightly-2026-12-03")
    assert again["sid"] == first["sid"]
    other = twiliokit("sms", "send", HANDSET, "Other", "--idempotency-key", "nightly-2026-12-03")
    assert other.exit_code != 0
    assert "--idempotency-key" in other.output
    listed = json_of(twiliokit("messages", "list", "--to", HANDSET, "--json"))
    assert len(listed["messages"]) == 1
