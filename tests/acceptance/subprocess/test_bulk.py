"""`twiliokit sms bulk contacts.csv` and `twiliokit outbox ...` from the installed command, as a
user runs them: the CSV becomes one batch in TWILIOKIT_DATABASE_URL's outbox, refusals are
listed by line, bad files are refused naming the line and column, and `twiliokit worker` sends
the batch while `--wait` follows it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.acceptance.subprocess.conftest import User, emulator_messages
from tests.helpers.ledger import record_stop
from tests.helpers.processes import running
from twiliokit.cli.output import EXIT_INPUT
from twiliokit.cli.worker import READY as WORKER_READY

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ADA, BOB, CAROL = "+14155550101", "+14155550102", "+14155550103"
#: A send_at ten days ahead (twiliokit holds sends up to 35 days).
FUTURE = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv(user: User, text: str, name: str = "contacts.csv") -> str:
    path = user.home / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _contacts(user: User) -> str:
    return _csv(user, f"phone,first_name\n{ADA},Ada\n{BOB},Bob\n{CAROL},Carol\n")


def _held(user: User) -> dict[str, str]:
    """A batch of the three contacts held until FUTURE (the `sms bulk --json` answer)."""
    answer: dict[str, str] = user.json(
        "sms", "bulk", _contacts(user), "--body", "Hi", "--send-at", FUTURE, "--json"
    )
    return answer


def test_bulk_with_wait_is_sent_by_a_worker_with_each_row_filled_in(user: User) -> None:
    """`sms bulk --wait` returns once `twiliokit worker` sent every row, each its own text."""
    contacts = _contacts(user)
    with running("worker", env=user.env, ready=WORKER_READY):
        done = user.json(
            "sms", "bulk", contacts, "--body", "Hi {first_name}", "--rate", "50", "--wait",
            "--json",
        )  # fmt: skip
    assert (done["accepted"], done["refused"], done["total"]) == (3, 0, 3)
    batch = done["batch"]
    assert batch["done"] is True
    assert batch["counts"]["sent"] + batch["counts"]["delivered"] == 3
    sent = {m["to"]: m["body"] for m in emulator_messages(user.emulator)}
    assert sent == {ADA: "Hi Ada", BOB: "Hi Bob", CAROL: "Hi Carol"}


def test_refusals_are_listed_by_line_and_recorded(user: User) -> None:
    """An opted-out row and a disallowed country are refused, listed by line, and recorded."""
    user.config('[compliance]\nallowed_countries = ["US"]\n')
    record_stop(user.ledger_url, contact=BOB, sender=user.emulator.phone_number)
    contacts = _csv(user, f"phone,first_name\n{ADA},Ada\n{BOB},Bob\n+16135550123,Céline\n")
    plain = user("sms", "bulk", contacts, "--body", "Hi {first_name}", "--send-at", FUTURE)
    assert plain.returncode == 0, plain.stderr
    assert "1 of 3 recipients queued, 2 refused" in plain.stdout
    [bob_row] = [line for line in plain.stdout.splitlines() if BOB in line]
    assert "│ 3 " in bob_row  # the file's line
    assert "opted_out" in bob_row
    refused = user.json("outbox", "list", "--status", "refused", "--json")
    reasons = {item["to"]: item["reason"] for item in refused["items"]}
    assert set(reasons) == {BOB, "+16135550123"}
    assert "STOP" in reasons[BOB]
    assert emulator_messages(user.emulator) == []


def test_a_batch_whose_every_recipient_is_refused_exits_4(user: User) -> None:
    """When no recipient is accepted (all refused by compliance), `sms bulk` still lists and
    records the refusals, with --json too, and exits 4 as a refused single send does."""
    user.config('[compliance]\nallowed_countries = ["CA"]\n')
    contacts = _csv(user, f"phone,first_name\n{ADA},Ada\n{BOB},Bob\n")
    plain = user("sms", "bulk", contacts, "--body", "Hi {first_name}")
    assert plain.returncode == 4, plain.stderr
    assert "0 of 2 recipients queued, 2 refused" in plain.stdout
    as_json = user("sms", "bulk", contacts, "--body", "Hi {first_name}", "--json")
    assert as_json.returncode == 4, as_json.stderr
    assert json.loads(as_json.stdout)["refused"] == 2
    assert emulator_messages(user.emulator) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"phone,first_name\n{ADA},Ada\nnot-a-number,Bob\n", "line 3, column phone"),
        (f"name,first_name\n{ADA},Ada\n", "no phone column"),
    ],
)
def test_a_bad_file_is_refused_naming_its_line_and_column(
    user: User, text: str, expected: str
) -> None:
    """A bad number or a file without phones: exit 2, the file, line and column named."""
    contacts = _csv(user, text)
    done = user("sms", "bulk", contacts, "--body", "Hi {first_name}")
    assert done.returncode == EXIT_INPUT, done.stdout
    assert done.stderr.startswith("error: contacts.csv"), done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"phone,phone\n{ADA},{BOB}\n",
            "contacts.csv line 1: the column 'phone' is named twice",
        ),
        (
            f"phone,first_name\n{ADA},Ada\n{BOB},Smith, Bob\n",
            "contacts.csv line 3: 3 values, but the first line names 2 columns",
        ),
        (
            f'phone,first_name\n{ADA},Ada\n{BOB},"unterminated\n{CAROL},Carol\n',
            'contacts.csv line 3: a value opens a quote (") that is never closed',
        ),
        (
            f"phone,first_name\n{ADA},Ada\n{BOB},{'B' * 140_000}\n",
            "contacts.csv line 3: a value is over 131,072 characters",
        ),
    ],
    ids=["repeated-column", "extra-value", "unterminated-quote", "over-long-value"],
)
def test_a_malformed_csv_stops_everything_naming_its_line(
    user: User, text: str, expected: str
) -> None:
    """A column named twice, a line with a value too many, an unclosed quote or a value over
    the csv limit: exit 2 naming the line and the fix, nothing recorded or sent."""
    done = user("sms", "bulk", _csv(user, text), "--body", "Hi {first_name}")
    assert done.returncode == EXIT_INPUT, done.stdout + done.stderr
    assert done.stderr.startswith(f"error: {expected}"), done.stderr
    assert "Hint: " in done.stderr
    assert "UTF-8" not in done.stderr
    assert "Traceback" not in done.stderr
    assert user.json("outbox", "list", "--json")["items"] == []
    assert emulator_messages(user.emulator) == []


@pytest.mark.parametrize("body", ["", "   "])
def test_an_empty_body_is_refused_before_anything_is_queued(user: User, body: str) -> None:
    """--body "" (or blank) is refused naming --body, exit 2: Twilio would refuse every
    message (21602); nothing is recorded or sent."""
    done = user("sms", "bulk", _csv(user, f"phone\n{ADA}\n"), "--body", body)
    assert done.returncode == EXIT_INPUT, done.stdout + done.stderr
    assert "the body is empty" in done.stderr
    assert user.json("outbox", "list", "--json")["items"] == []
    assert emulator_messages(user.emulator) == []


def test_a_missing_variable_is_named_in_the_json_error(user: User) -> None:
    """With --json the error object names the column as its field and the line in its message."""
    contacts = _csv(user, f"phone,first_name\n{ADA},Ada\n{BOB},\n")
    done = user("sms", "bulk", contacts, "--body", "Hi {first_name}", "--json")
    assert done.returncode == EXIT_INPUT
    error = json.loads(done.stdout)["error"]
    assert error["field"] == "first_name"
    assert error["message"].startswith("contacts.csv line 3, column first_name: ")
    assert "{first_name}" in error["hint"]


def test_outbox_commands_show_and_cancel_a_held_batch(user: User) -> None:
    """`outbox list|get|cancel` act on one item, `cancel-batch` on the rest; `batch` counts."""
    batch_id = _held(user)["batch_id"]
    listed = user.json("outbox", "list", "--batch", batch_id, "--limit", "1", "--json")
    [item] = listed["items"]
    shown = user.json("outbox", "get", item["outbox_id"], "--json")
    assert (shown["state"], shown["not_before"]) == ("queued", FUTURE)
    assert user.json("outbox", "cancel", item["outbox_id"], "--json")["canceled"] is True
    rest = user.json("outbox", "cancel-batch", batch_id, "--json")
    assert (rest["canceled"], rest["counts"]["canceled"], rest["done"]) == (2, 3, True)
    table = user("outbox", "batch", batch_id)
    assert table.returncode == 0
    assert "canceled" in table.stdout


def test_a_messaging_services_items_are_listed_by_its_sid(user: User) -> None:
    """`outbox list --sender MG...` lists the items of a bulk send through that Messaging
    Service (recorded under its SID), and only them."""
    service = "MG" + "1" * 32
    through = user.json(
        "sms",
        "bulk",
        _contacts(user),
        "--body",
        "Hi",
        "--messaging-service-sid",
        service,
        "--send-at",
        FUTURE,
        "--json",
    )
    _held(user)  # another batch, from the number
    listed = user.json("outbox", "list", "--sender", service, "--json")["items"]
    assert len(listed) == 3
    assert {item["batch_id"] for item in listed} == {through["batch_id"]}


def test_outbox_list_pages_through_a_batch(user: User) -> None:
    """`outbox list --limit 2` gives a next_page_token; `--page-token` lists the rest (every
    item once); a token naming no item is refused naming --page-token."""
    batch_id = _held(user)["batch_id"]
    first = user.json("outbox", "list", "--batch", batch_id, "--limit", "2", "--json")
    assert len(first["items"]) == 2
    token = first["next_page_token"]
    rest = user.json(
        "outbox", "list", "--batch", batch_id, "--limit", "2", "--page-token", token, "--json"
    )
    assert (len(rest["items"]), rest["next_page_token"]) == (1, None)
    seen = [item["to"] for item in first["items"] + rest["items"]]
    assert sorted(seen) == [ADA, BOB, CAROL]
    wrong = user("outbox", "list", "--page-token", "OB" + "0" * 32, "--json")
    assert wrong.returncode != 0
    assert json.loads(wrong.stdout)["error"]["flag"] == "--page-token"


def test_bulk_without_a_ledger_says_how_to_get_one(user: User) -> None:
    """`sms bulk --no-ledger` is refused naming the flag and --db (the outbox lives there)."""
    done = user("sms", "bulk", _contacts(user), "--body", "Hi", "--no-ledger", "--json")
    assert done.returncode != 0
    error = json.loads(done.stdout)["error"]
    assert error["field"] == "no_ledger"
    assert "--db" in error["hint"]


def test_wait_without_a_worker_says_what_may_be_missing(user: User) -> None:
    """With no worker on the ledger, `sms bulk --wait` does not sit silent: once nothing has
    moved for STALL_SECONDS it says the batch waits for a worker and how to start one."""
    import subprocess

    from twiliokit.cli.bulk_send import STALL_SECONDS, STALLED

    with subprocess.Popen(
        [str(user.executable), "sms", "bulk", _contacts(user), "--body", "Hi", "--wait"],
        env=user.env,
        cwd=user.home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as waiting:
        assert waiting.stderr is not None
        expected = STALLED.format(seconds=STALL_SECONDS)
        seen = ""
        try:
            for line in waiting.stderr:  # until the note (the marker's timeout bounds it)
                seen += line
                if expected in " ".join(seen.split()):
                    break
        finally:
            waiting.terminate()
    assert "twiliokit worker" in seen
