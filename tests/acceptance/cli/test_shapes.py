"""`--shape NAME` on the CLI: the installed `twiliokit` run as a subprocess against the emulator
answers each seed platform's send and read actions in that platform's fields."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.seed_answers import (
    BOOKS_SMS_MESSAGE,
    PRISMATIC_GET_SMS,
    PRISMATIC_SEND_SMS,
    SB_AGENT_HUB_SEND_SMS,
    SMYTHOS_CREATE_RATE_LIMIT,
    SMYTHOS_FETCH_RATE_LIMIT,
    SMYTHOS_LIST_RATE_LIMITS,
    SMYTHOS_SEND,
    fits_table,
    same_form,
)
from tests.integration.actions.helpers import count_messages
from twiliokit.actions.shapes import SHAPE_NAMES
from twiliokit.emulator.testing import RunningEmulator

TWILIOKIT = str(Path(sys.executable).with_name("twiliokit"))
TO = "+14155552671"

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(emulator: RunningEmulator, tmp_path: Path) -> Cli:
    """``cli(*args)``: run the installed `twiliokit ARGS` on the emulator (its credentials in
    the environment; config and ledger in the test's own directories)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "TWILIOKIT_BASE_URL": emulator.base_url,
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIO_PHONE_NUMBER": emulator.phone_number,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": "200",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TWILIOKIT, *args], capture_output=True, text=True, env=env, timeout=60, check=False
        )

    return run


def answer(result: subprocess.CompletedProcess[str]) -> Any:
    """The JSON a successful command printed."""
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def run_action(cli: Cli, name: str, arguments: dict[str, Any], *extra: str) -> Any:
    return answer(cli("actions", "run", name, "--args", json.dumps(arguments), *extra))


def test_smythos_send_sms_answers_message_sid_status_and_response(cli: Cli) -> None:
    """`sms send --shape smythos`: messageSID, status and Response, Twilio's raw JSON."""
    sent = answer(cli("sms", "send", TO, "Your code is 1234", "--shape", "smythos"))
    assert fits_table(sent, SMYTHOS_SEND) == []
    assert sent["messageSID"].startswith("SM")
    assert sent["status"] == "queued"
    # Twilio's JSON as it came: snake_case, numbers as text, RFC 2822 dates.
    assert sent["Response"]["sid"] == sent["messageSID"]
    assert sent["Response"]["num_segments"] == "1"
    assert sent["Response"]["date_created"].endswith("+0000")


def test_smythos_rate_limit_components(cli: Cli) -> None:
    """Create, Fetch and List Rate Limits answer rateLimitSID, description/url and
    rateLimits (arrays of Twilio's rate limit objects) under SmythOS's input names."""
    service = run_action(cli, "create_verify_service", {"friendly_name": "Acme"})
    names = {"serviceSID": service["sid"]}
    created = run_action(
        cli,
        "createRateLimit",
        {**names, "uniqueName": "end_user_ip_address", "description": "Per IP"},
        "--shape",
        "smythos",
    )
    assert fits_table(created, SMYTHOS_CREATE_RATE_LIMIT) == []
    assert created["rateLimitSID"].startswith("RK")
    fetched = run_action(
        cli,
        "fetchRateLimit",
        {**names, "rateLimitSID": created["rateLimitSID"]},
        "--shape",
        "smythos",
    )
    assert fits_table(fetched, SMYTHOS_FETCH_RATE_LIMIT) == []
    assert fetched["description"] == "Per IP"
    assert fetched["url"].endswith("/RateLimits/" + created["rateLimitSID"])
    listed = answer(
        cli("verify", "rate-limits", "list", "--service-sid", service["sid"], "--shape", "smythos")
    )
    assert fits_table(listed, SMYTHOS_LIST_RATE_LIMITS) == []
    [limit] = listed["rateLimits"]
    assert limit["sid"] == created["rateLimitSID"]
    assert limit["unique_name"] == "end_user_ip_address"


def test_prismatic_send_get_and_list_answer_data_in_node_casing(cli: Cli) -> None:
    """sendSMS, getSMS and listMessages answer {"data": ...} in the form of the seed's own
    examples (keys, types, JavaScript dates); the list is an array under data."""
    sent = answer(cli("sms", "send", TO, "Testing", "--shape", "prismatic"))
    assert same_form(sent, PRISMATIC_SEND_SMS) == []
    sid = sent["data"]["sid"]
    assert sent["data"]["numSegments"] == "1"
    fetched = answer(cli("messages", "get", sid, "--shape", "prismatic"))
    assert same_form(fetched, PRISMATIC_GET_SMS) == []
    assert fetched["data"]["subresourceUris"]["media"].endswith(f"/Messages/{sid}/Media.json")
    listed = run_action(cli, "listMessages", {"to": TO}, "--shape", "prismatic")
    assert set(listed) == {"data"}
    assert [message["sid"] for message in listed["data"]] == [sid]
    assert same_form(listed["data"][0], PRISMATIC_GET_SMS["data"]) == []


def test_books_send_answers_the_sid_and_reads_answer_its_message_model(cli: Cli) -> None:
    """ "to send an SMS message" answers {"answer": SID} (with the book's input names); "to
    read some (SMS messages)" answers the "Twilio sms message" concept."""
    sent = run_action(
        cli,
        "send_sms",
        {"recipient_number": TO, "message_body": "Hello from Books"},
        "--shape",
        "books",
    )
    assert list(sent) == ["answer"]
    assert sent["answer"].startswith("SM")
    listed = answer(cli("messages", "list", "--to", TO, "--shape", "books"))
    [message] = listed["sms_messages"]
    assert list(message) == list(BOOKS_SMS_MESSAGE)
    # Twilio answers null for messaging_service_sid when no Messaging Service sent it, where
    # the book's table says text: the only field allowed to differ from the table.
    table = dict(BOOKS_SMS_MESSAGE, messaging_service_sid="optional[text]")
    assert fits_table(message, table) == []
    assert message["sid"] == sent["answer"]
    assert message["sender_number"].startswith("+")
    assert message["recipient_number"] == TO
    assert message["num_segments"] == "1"


def test_sb_agent_hub_send_sms_make_call_and_get_call_status(cli: Cli) -> None:
    """sendSMS answers messageSid/status/dateCreated as the seed's example; makeCall and
    getCallStatus answer callSid and status."""
    sent = run_action(
        cli, "sendSMS", {"to": TO, "body": "Order confirmed"}, "--shape", "sb-agent-hub"
    )
    assert same_form(sent, SB_AGENT_HUB_SEND_SMS) == []
    assert sent["status"] == "queued"
    call = run_action(
        cli,
        "makeCall",
        {"to": TO, "url": "https://example.com/twiml/welcome"},
        "--shape",
        "sb-agent-hub",
    )
    assert list(call) == ["callSid", "status"]
    assert call["callSid"].startswith("CA")
    status = answer(cli("calls", "get", call["callSid"], "--shape", "sb-agent-hub"))
    assert status == {"callSid": call["callSid"], "status": status["status"]}
    assert isinstance(status["status"], str)


def test_default_shape_is_unchanged(cli: Cli) -> None:
    """Without --shape, and with --shape twiliokit, the answer is the catalogue's own."""
    plain = answer(cli("sms", "send", TO, "one", "--json"))
    named = answer(cli("sms", "send", TO, "two", "--shape", "twiliokit"))
    assert set(plain) == set(named)
    assert {"sid", "status", "from", "to", "num_segments", "raw"} <= set(plain)
    assert plain["raw"]["sid"] == plain["sid"]


def test_unknown_shape_exits_2_naming_the_flag_and_sends_nothing(
    cli: Cli, emulator: RunningEmulator
) -> None:
    """An unknown --shape is an input error (exit 2) naming --shape and listing the shapes,
    reported before anything is sent."""
    for args in (
        ("sms", "send", TO, "hi", "--shape", "zapier"),
        (
            "actions",
            "run",
            "send_sms",
            "--args",
            json.dumps({"to": TO, "body": "hi"}),
            "--shape",
            "zapier",
        ),
    ):
        result = cli(*args)
        assert result.returncode == 2, result.stderr
        assert "--shape" in result.stderr
        assert "Traceback" not in result.stderr
        for name in SHAPE_NAMES:
            assert name in result.stderr
    assert count_messages(emulator) == 0


def test_schema_exports_a_shapes_output_schemas(cli: Cli) -> None:
    """`actions schema NAME --shape` gives that shape's output schema; formats without an
    output schema say which to use."""
    books = answer(cli("actions", "schema", "send_sms", "--shape", "books"))
    assert list(books["output_schema"]["properties"]) == ["answer"]
    assert books["shape"] == "books"
    mcp = answer(cli("actions", "schema", "getSMS", "--shape", "prismatic", "--format", "mcp"))
    assert list(mcp["outputSchema"]["properties"]) == ["data"]
    refused = cli("actions", "schema", "--shape", "smythos", "--format", "openai")
    assert refused.returncode == 2
    assert "--format jsonschema" in refused.stderr


def test_a_replayed_send_says_so_in_any_shape(cli: Cli, emulator: RunningEmulator) -> None:
    """A send repeated with the same --idempotency-key answers the first SID in the shape,
    marked idempotent_replayed, and sends once."""
    args = ("sms", "send", TO, "once", "--idempotency-key", "order-42", "--shape", "books")
    first = answer(cli(*args))
    again = answer(cli(*args))
    assert first == {"answer": first["answer"]}
    assert again == {"answer": first["answer"], "idempotent_replayed": True}
    assert count_messages(emulator) == 1
