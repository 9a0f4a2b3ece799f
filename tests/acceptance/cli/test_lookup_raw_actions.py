"""`twiliokit lookup`, `raw METHOD PATH` and `actions list|schema|run`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.cli.conftest import Twiliokit, json_of, run_local
from tests.integration.actions.helpers import count_messages
from twiliokit.emulator.testing import RunningEmulator

HANDSET = "+14155550199"


def test_lookup_formats_a_number(twiliokit: Twiliokit) -> None:
    """`lookup NUMBER --country-code` validates a national number and prints it in E.164."""
    found = json_of(twiliokit("lookup", "(415) 555-0199", "--country-code", "US", "--json"))
    assert found["phone_number"] == HANDSET
    assert found["valid"] is True
    table = twiliokit("lookup", HANDSET)
    assert table.exit_code == 0, table.output
    assert HANDSET in table.stdout


def test_raw_get_prints_the_body_and_status(
    twiliokit: Twiliokit, emulator: RunningEmulator
) -> None:
    """`raw GET PATH --query` calls the endpoint; stdout is the JSON body, stderr the status."""
    twiliokit("sms", "send", HANDSET, "one")
    result = twiliokit(
        "raw", "get", "/2010-04-01/Accounts/{AccountSid}/Messages.json", "--query", "PageSize=5"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == "HTTP 200\n"
    body = json.loads(result.stdout)
    assert body["page_size"] == 5
    assert body["messages"][0]["body"] == "one"


def test_raw_post_sends_form_data(twiliokit: Twiliokit) -> None:
    """`raw POST PATH --data k=v` changes a resource; --json wraps status, headers and data."""
    sent = json_of(twiliokit("sms", "send", HANDSET, "secret", "--json"))
    result = twiliokit(
        "raw",
        "POST",
        f"/2010-04-01/Accounts/{{AccountSid}}/Messages/{sent['sid']}.json",
        "--data",
        "Body=",
        "--json",
    )
    answer = json_of(result)
    assert answer["status_code"] == 200
    assert answer["data"]["body"] == ""


def test_raw_post_that_sends_a_message_is_refused(
    twiliokit: Twiliokit, emulator: RunningEmulator
) -> None:
    """`raw POST .../Messages.json` is refused in one line naming `sms send`; nothing is sent."""
    result = twiliokit(
        "raw",
        "POST",
        "/2010-04-01/Accounts/{AccountSid}/Messages.json",
        "--data",
        f"To={HANDSET}",
        "--data",
        "Body=raw hello",
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: `twiliokit raw` does not send messages")
    assert "Use `twiliokit sms send`" in result.stderr
    assert count_messages(emulator) == 0


def test_raw_rejects_a_pair_without_equals(twiliokit: Twiliokit) -> None:
    """A --query that is not KEY=VALUE is one line naming the option, exit 2."""
    result = twiliokit("raw", "GET", "/2010-04-01/Accounts.json", "--query", "PageSize")
    assert result.exit_code == 2
    assert "--query 'PageSize' is not KEY=VALUE" in result.stderr


def test_actions_list_shows_name_aliases_side_effect_and_cost() -> None:
    """`actions list` has a row per action with its alias, side effect and cost."""
    result = run_local("actions", "list")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if " send_sms " in line)
    assert "sendSMS" in line
    assert "write" in line
    assert "may cost money" in line
    entries = json_of(run_local("actions", "list", "--json"))
    assert {"send_sms", "raw_request", "lookup_phone_number"} <= {e["name"] for e in entries}


def test_actions_schema_exports_each_format() -> None:
    """`actions schema NAME --format` prints that tool format; without NAME, the catalogue."""
    openai = json_of(run_local("actions", "schema", "send_sms", "--format", "openai"))
    assert openai["function"]["name"] == "send_sms"
    assert "to" in openai["function"]["parameters"]["properties"]
    by_alias = json_of(run_local("actions", "schema", "sendSMS", "--format", "anthropic"))
    assert by_alias["name"] == "send_sms"
    everything = json_of(run_local("actions", "schema", "--format", "mcp"))
    assert "annotations" in everything[0]
    assert len(everything) == len(json_of(run_local("actions", "list", "--json")))


def test_actions_schema_unknown_name_suggests_close_ones() -> None:
    """A misspelt action is one line with a suggestion, exit 2."""
    result = run_local("actions", "schema", "send_smss")
    assert result.exit_code == 2
    assert "did you mean send_sms" in result.stderr
    bad_format = run_local("actions", "schema", "send_sms", "--format", "gemini")
    assert bad_format.exit_code == 2
    assert "openai, anthropic, mcp, jsonschema" in bad_format.stderr


def test_actions_run_prints_the_output_json(twiliokit: Twiliokit) -> None:
    """`actions run NAME --args JSON` runs through invoke and prints the output JSON."""
    args = json.dumps({"to": HANDSET, "body": "from actions run"})
    sent = json_of(twiliokit("actions", "run", "send_sms", "--args", args))
    assert sent["sid"].startswith("SM")
    assert sent["body"] == "from actions run"


def test_actions_run_reads_args_from_a_file_and_stdin(twiliokit: Twiliokit, tmp_path: Path) -> None:
    """--args @file.json and --args - (stdin) are the same as inline JSON."""
    sid = json_of(twiliokit("sms", "send", HANDSET, "hi", "--json"))["sid"]
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"sid": sid}))
    from_file = json_of(twiliokit("actions", "run", "get_message", "--args", f"@{args_file}"))
    assert from_file["sid"] == sid
    from_stdin = json_of(
        twiliokit("actions", "run", "get_message", "--args", "-", input=json.dumps({"sid": sid}))
    )
    assert from_stdin["sid"] == sid


def test_actions_run_bad_args_name_the_problem(twiliokit: Twiliokit, tmp_path: Path) -> None:
    """Invalid JSON, a missing file, a non-object or an unknown argument: one line, exit 2."""
    cases = {
        "{not json": "--args is not valid JSON",
        f"@{tmp_path / 'missing.json'}": "cannot read --args @",
        "[1, 2]": "--args must be a JSON object",
        '{"sid": "SM00000000000000000000000000000000", "colour": "red"}': "'colour'",
    }
    for args, expected in cases.items():
        result = twiliokit("actions", "run", "get_message", "--args", args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1
