"""What `twiliokit sms bulk` and `twiliokit outbox ...` say, in the command line's terms: file
lines rather than recipient indexes, flags rather than argument names, when a scheduled batch
starts, what a cancel did (and why not), from the installed command as a user runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.acceptance.subprocess.conftest import User
from twiliokit.cli.output import EXIT_INPUT, EXIT_NEGATIVE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ADA, BOB = "+14155550101", "+14155550102"
#: Ten days ahead at 09:00 in UTC+02:00, which is 07:00 UTC.
DAY = (datetime.now(UTC) + timedelta(days=10)).date()
SEND_AT = f"{DAY.isoformat()}T09:00:00+02:00"


def _csv(user: User, text: str, name: str = "contacts.csv") -> str:
    path = user.home / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _held_batch(user: User) -> str:
    """A batch of two recipients held until SEND_AT; its id."""
    contacts = _csv(user, f"phone\n{ADA}\n{BOB}\n")
    answer = user.json("sms", "bulk", contacts, "--body", "Hi", "--send-at", SEND_AT, "--json")
    batch_id: str = answer["batch_id"]
    return batch_id


def test_a_duplicate_is_named_by_file_lines_in_json_and_text(user: User) -> None:
    """A duplicate whose first copy is a quoted record over lines 2-3: `--json` gives each
    refusal the file's `line` and says "line 2" in its reason, as the table does."""
    contacts = _csv(user, f'phone,note\n{ADA},"two\nlines"\n\n{BOB},b\n{ADA},again\n')
    answer = user.json("sms", "bulk", contacts, "--body", "Hi", "--send-at", SEND_AT, "--json")
    [refusal] = answer["refusals"]
    assert (refusal["line"], refusal["row"], refusal["type"]) == (6, 2, "duplicate")
    assert "listed earlier, as line 2" in refusal["reason"]
    assert "recipients[" not in refusal["reason"]
    table = user("sms", "bulk", contacts, "--body", "Hi", "--send-at", SEND_AT)
    assert table.returncode == 0, table.stderr
    [row] = [line for line in table.stdout.splitlines() if "duplicate" in line]
    assert "│ 6 " in row
    assert "as line 2" in row


def test_a_scheduled_batch_says_when_it_starts_in_utc(user: User) -> None:
    """`sms bulk --send-at` (a time in UTC+02:00) says the batch starts at 07:00 UTC."""
    contacts = _csv(user, f"phone\n{ADA}\n")
    done = user("sms", "bulk", contacts, "--body", "Hi", "--send-at", SEND_AT)
    assert done.returncode == 0, done.stderr
    assert f"; starts {DAY.isoformat()} 07:00:00 UTC" in done.stdout


def test_a_semicolon_separated_file_is_told_to_be_saved_with_commas(user: User) -> None:
    """A file saved with ';' between its columns: the hint says it looks ';'-separated."""
    contacts = _csv(user, f"phone;first_name\n{ADA};Ada\n")
    done = user("sms", "bulk", contacts, "--body", "Hi", "--json")
    assert done.returncode == EXIT_INPUT
    error = json.loads(done.stdout)["error"]
    assert "has no phone column" in error["message"]
    assert "looks separated by ';'" in error["hint"]
    assert "comma-separated" in error["hint"]


def test_a_file_over_the_bulk_limit_says_how_many_and_to_split_it(user: User) -> None:
    """100,001 recipients: the file's count, the 100,000 limit and "split" are named."""
    numbers = "\n".join(f"+1415{index:07d}" for index in range(100_001))
    contacts = _csv(user, f"phone\n{numbers}\n", name="big.csv")
    done = user("sms", "bulk", contacts, "--body", "Hi")
    assert done.returncode == EXIT_INPUT, done.stdout
    assert done.stderr.startswith(
        "error: big.csv has 100,001 recipients, and a bulk send takes at most 100,000."
    ), done.stderr
    assert "Split it into files of at most 100,000 recipients" in done.stderr
    assert "'recipients'" not in done.stderr


def test_a_bad_batch_filter_names_the_flag(user: User) -> None:
    """`outbox list --batch BTxyz` names --batch (with "flag" in --json), not batch_id."""
    done = user("outbox", "list", "--batch", "BTxyz")
    assert done.returncode == EXIT_INPUT
    assert done.stderr.startswith("error: --batch must be a bulk send (batch) SID"), done.stderr
    as_json = user("outbox", "list", "--batch", "BTxyz", "--json")
    error = json.loads(as_json.stdout)["error"]
    assert (error["field"], error["flag"]) == ("batch_id", "--batch")
    assert "batch_id" not in error["message"]


def test_cancel_batch_shows_what_it_canceled_apart_from_the_total(user: User) -> None:
    """A second `outbox cancel-batch` cancels nothing: its table says `canceled now 0`
    beside the batch's `canceled 2`."""
    batch_id = _held_batch(user)
    assert user.json("outbox", "cancel-batch", batch_id, "--json")["canceled"] == 2
    again = user("outbox", "cancel-batch", batch_id)
    assert again.returncode == 0, again.stderr
    rows = {" ".join(line.split()[:-1]): line.split()[-1] for line in again.stdout.splitlines()}
    assert (rows["canceled now"], rows["canceled"]) == ("0", "2")


def test_cancel_of_a_sent_message_says_why_and_exits_3(user: User) -> None:
    """`outbox cancel` of a send that left: the item is printed, stderr says it was sent (its
    SID) and cannot be called back, exit 3; --json prints `canceled: false`, exit 3."""
    sent = user.json("sms", "send", ADA, "Hi", "--json")
    [item] = user.json("outbox", "list", "--status", "sent", "--json")["items"]
    done = user("outbox", "cancel", item["outbox_id"])
    assert done.returncode == EXIT_NEGATIVE, done.stderr
    assert item["outbox_id"] in done.stdout
    said = " ".join(done.stderr.split())
    assert said.startswith(f"{item['outbox_id']} was not canceled: it was sent as {sent['sid']}")
    assert "cannot be called back" in said
    as_json = user("outbox", "cancel", item["outbox_id"], "--json")
    assert as_json.returncode == EXIT_NEGATIVE
    assert json.loads(as_json.stdout)["canceled"] is False


def test_cancel_of_a_refused_item_says_why_and_exits_3(user: User) -> None:
    """`outbox cancel` of a refused bulk recipient (a duplicate): its reason, exit 3."""
    contacts = _csv(user, f"phone\n{ADA}\n{ADA}\n")
    user.json("sms", "bulk", contacts, "--body", "Hi", "--send-at", SEND_AT, "--json")
    [item] = user.json("outbox", "list", "--status", "refused", "--json")["items"]
    done = user("outbox", "cancel", item["outbox_id"])
    assert done.returncode == EXIT_NEGATIVE, done.stderr
    assert "was not canceled: it was refused: " in " ".join(done.stderr.split())


def test_cancel_twice_exits_0_the_send_will_not_leave(user: User) -> None:
    """A second `outbox cancel` of one item: exit 0 (it stays canceled), said on stderr."""
    batch_id = _held_batch(user)
    listed = user.json("outbox", "list", "--batch", batch_id, "--limit", "1", "--json")
    outbox_id = listed["items"][0]["outbox_id"]
    assert user.json("outbox", "cancel", outbox_id, "--json")["canceled"] is True
    again = user("outbox", "cancel", outbox_id)
    assert again.returncode == 0, again.stderr
    assert "was already canceled" in again.stderr
