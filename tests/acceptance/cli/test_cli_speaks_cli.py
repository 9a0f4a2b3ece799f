"""The command line speaks command line: flags in errors, commands in hints, one exit-status
table, relative dates, retries told on stderr, completion, `config init`, schema subsets and
idempotent replays. Every test runs the installed `twiliokit` as a subprocess."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from twiliokit.emulator.testing import RunningEmulator

TWILIOKIT = str(Path(sys.executable).with_name("twiliokit"))

Run = Callable[..., subprocess.CompletedProcess[str]]


def _run(
    args: tuple[str, ...],
    env: Mapping[str, str],
    *,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TWILIOKIT, *args],
        capture_output=True,
        text=True,
        env=dict(env),
        input=input,
        timeout=60,
        check=False,
    )


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no credentials, no user config, and private data directories."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": "200",
    }


@pytest.fixture
def cli(emulator: RunningEmulator, base_env: dict[str, str]) -> Run:
    """Run `twiliokit ARGS...` against the emulator with its development credentials."""
    env = {
        **base_env,
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIO_PHONE_NUMBER": emulator.phone_number,
        "TWILIOKIT_BASE_URL": emulator.base_url,
    }

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return _run(args, env, input=input)

    return run


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


# Exit statuses ------------------------------------------------------------------------------


def test_failing_webhooks_check_prints_the_diagnosis_and_no_bug(base_env: dict[str, str]) -> None:
    """A signature that does not match is a negative answer (3): the diagnosis, nothing else."""
    env = {
        **base_env,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "0123456789abcdef" * 2,
    }
    result = _run(
        ("webhooks", "check", "--url", "https://x.example/sms", "--signature", "bad"), env
    )
    assert result.returncode == 3
    assert result.stdout.startswith("invalid: the signature does not match")
    assert "bug" not in (result.stdout + result.stderr).lower()
    assert "unexpected" not in result.stderr


def test_verify_check_with_a_wrong_code_exits_3_and_the_right_one_0(
    cli: Run, emulator: RunningEmulator
) -> None:
    """A wrong Verify code prints the answer and exits 3; the right code exits 0."""
    service = _json(cli("verify", "services", "create", "Shop", "--json"))["sid"]
    started = cli("verify", "start", "+14155550142", "--service-sid", service, "--json")
    assert started.returncode == 0, started.stderr
    wrong = cli(
        "verify", "check", "000000", "--to", "+14155550142", "--service-sid", service, "--json"
    )
    assert wrong.returncode == 3, wrong.stderr
    assert json.loads(wrong.stdout)["approved"] is False
    table = cli("verify", "check", "000001", "--to", "+14155550142", "--service-sid", service)
    assert table.returncode == 3
    assert "not approved" in table.stderr
    code = emulator.control.verifications()[-1]["code"]
    right = cli("verify", "check", code, "--to", "+14155550142", "--service-sid", service)
    assert right.returncode == 0, right.stderr


def test_unknown_outcome_exits_5_with_the_command_to_check(
    cli: Run, emulator: RunningEmulator
) -> None:
    """A send whose answer was lost exits 5 and its hint is the `messages list` to run."""
    emulator.control.add_fault(method="POST", path="/Messages.json$", mode="drop_after", times=1)
    result = cli("sms", "send", "+14155550143", "hello")
    assert result.returncode == 5, result.stderr
    line = _error_line(result)
    assert (
        f"`twiliokit messages list --to +14155550143 --from {emulator.phone_number} "
        "--sent-after 20" in line
    )
    assert "list_messages(" not in line
    assert re.search(r"[.!?] Hint: ", line)


# Errors in the command line's words ---------------------------------------------------------


def test_a_bad_date_names_the_flag(cli: Run) -> None:
    """`--sent-after` is named as the flag, not as the argument `sent_after`, and exits 2."""
    result = cli("messages", "list", "--sent-after", "2024-13-01")
    assert result.returncode == 2
    line = _error_line(result)
    assert line.startswith("error: --sent-after must be a day")
    assert "sent_after" not in line
    assert re.search(r"\. Hint: .*\.$", line)


def test_a_messaging_service_given_as_sender_points_to_its_flag(cli: Run) -> None:
    """The hint names `--messaging-service-sid`, the flag to use, not the argument name."""
    result = cli("sms", "send", "+14155550144", "hi", "--from", "MG" + "a" * 32)
    assert result.returncode == 2
    line = _error_line(result)
    assert "--from is a Messaging Service SID" in line
    assert "Pass it as --messaging-service-sid instead." in line


def test_json_errors_keep_the_field_and_add_the_flag(cli: Run) -> None:
    """With --json the error object keeps `field` for programs and adds the `flag` typed."""
    result = cli("messages", "list", "--sent-before", "soon", "--json")
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "sent_before"
    assert error["flag"] == "--sent-before"
    assert error["message"].startswith("--sent-before must be")


def test_actions_run_keeps_argument_names(cli: Run) -> None:
    """`actions run` takes JSON arguments, so its errors name the argument, not a flag."""
    result = cli("actions", "run", "list_messages", "--args", '{"sent_after": "nope"}')
    assert result.returncode == 2
    assert _error_line(result).startswith("error: 'sent_after' must be")


def test_usage_errors_are_json_with_json(base_env: dict[str, str]) -> None:
    """A malformed command line with --json prints the JSON error object and exits 2."""
    result = _run(("messages", "list", "--limit", "abc", "--json"), base_env)
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "usage_error"
    assert error["flag"] == "--limit"
    assert "twiliokit messages list --help" in error["hint"]
    assert result.stderr == ""


# Relative dates -----------------------------------------------------------------------------


def test_date_filters_take_today_and_durations(cli: Run, emulator: RunningEmulator) -> None:
    """`--sent-after 1d` and `36h` find a message just sent; `--sent-before 7d` does not."""
    sent = _json(cli("sms", "send", "+14155550145", "dated", "--json"))["sid"]
    emulator.control.advance(30)  # the emulator's clock moves it on to sent and delivered

    def sids(*filters: str) -> list[str]:
        listed = _json(cli("messages", "list", "--to", "+14155550145", *filters, "--json"))
        return [message["sid"] for message in listed["messages"]]

    assert sent in sids("--sent-after", "1d")
    assert sent in sids("--sent-after", "36h")
    assert sent not in sids("--sent-before", "7d")
    assert sent not in sids("--date-sent", "yesterday")


# Retries ------------------------------------------------------------------------------------


def test_a_retried_429_is_told_on_stderr(cli: Run, emulator: RunningEmulator) -> None:
    """A 429 that is retried says so on stderr, and the command still succeeds."""
    emulator.control.add_fault(
        method="GET", path="/Messages.json$", status=429, code=20429, times=1, retry_after=0
    )
    result = cli("messages", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert "Twilio answered 429 (error 20429); retrying in 0.0 s, attempt 2 of 4" in result.stderr
    json.loads(result.stdout)


# Tables -------------------------------------------------------------------------------------


def test_messages_list_shows_error_code(cli: Run) -> None:
    """The `messages list` table has an error_code column."""
    assert cli("sms", "send", "+14155550146", "hi").returncode == 0
    result = cli("messages", "list")
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "sid" in line)
    assert "error_code" in header


# Completion ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o default -F"), ("zsh", "compdef"), ("fish", "complete --command")],
)
def test_completion_prints_a_script_per_shell(
    base_env: dict[str, str], shell: str, marker: str
) -> None:
    """`twiliokit completion SHELL` prints that shell's script, which calls back twiliokit."""
    result = _run(("completion", shell), base_env)
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "_TWILIOKIT_COMPLETE=complete_" in result.stdout


def test_completion_answers_the_shell(base_env: dict[str, str]) -> None:
    """The callback the bash script makes completes command names."""
    env = {
        **base_env,
        "_TWILIOKIT_COMPLETE": "complete_bash",
        "COMP_WORDS": "twiliokit mess",
        "COMP_CWORD": "1",
    }
    result = _run((), env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["messages"]


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("twiliokit verify start +14155552671 --channel ", ["sms", "call", "whatsapp", "email"]),
        ("twiliokit calls list --status c", ["completed", "canceled"]),
        ("twiliokit actions schema --format o", ["openai"]),
        ("twiliokit actions schema --group messaging,v", ["messaging,verify", "messaging,voice"]),
        ("twiliokit sms send +14155552671 hi --shape s", ["smythos", "sb-agent-hub"]),
        ("twiliokit actions run send_s", ["send_sms"]),
        ("twiliokit completion z", ["zsh"]),
    ],
)
def test_completion_offers_the_values_an_option_takes(
    base_env: dict[str, str], words: str, offered: list[str]
) -> None:
    """Option values with a fixed set complete (an action's from its schema's enum), as
    docs/cli.md says: the bash callback offers just the values that fit what was typed."""
    env = {
        **base_env,
        "_TWILIOKIT_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = _run((), env)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == sorted(offered)


# actions schema subsets ---------------------------------------------------------------------


def test_schema_only_and_group_export_a_subset(base_env: dict[str, str]) -> None:
    """`--only` exports the named actions (aliases too) and `--group` one area's actions."""
    only = json.loads(
        _run(
            ("actions", "schema", "--only", "send_sms,listMessages", "--format", "openai"),
            base_env,
        ).stdout
    )
    assert sorted(tool["function"]["name"] for tool in only) == ["list_messages", "send_sms"]
    verify = json.loads(
        _run(("actions", "schema", "--group", "verify", "--format", "anthropic"), base_env).stdout
    )
    assert verify
    assert all("verif" in tool["name"] or "rate_limit" in tool["name"] for tool in verify)
    assert "send_sms" not in {tool["name"] for tool in verify}
    unknown = _run(("actions", "schema", "--group", "fax"), base_env)
    assert unknown.returncode == 2
    assert "--group" in unknown.stderr or "'fax'" in unknown.stderr


# Idempotent replays -------------------------------------------------------------------------


def test_an_idempotent_replay_says_so(cli: Run) -> None:
    """The second send under one key answers the first output with idempotent_replayed."""
    args = ("sms", "send", "+14155550147", "once", "--idempotency-key", "k-1", "--json")
    first = _json(cli(*args))
    second = _json(cli(*args))
    assert "idempotent_replayed" not in first
    assert second.pop("idempotent_replayed") is True
    assert second["sid"] == first["sid"]


# config init --------------------------------------------------------------------------------


def test_config_init_stores_the_secret_writes_a_profile_and_checks_it(
    emulator: RunningEmulator, base_env: dict[str, str], tmp_path: Path
) -> None:
    """Answers fed on stdin become a profile whose token sits in the vault, checked live."""
    env = {**base_env, "TWILIOKIT_VAULT_PASSPHRASE": "correct horse battery staple"}
    answers = f"{emulator.account_sid}\n{emulator.auth_token}\n{emulator.phone_number}\n"
    result = _run(("config", "init", "--base-url", emulator.base_url), env, input=answers)
    assert result.returncode == 0, result.stderr
    assert "Checked: the profile reaches account" in result.stdout
    path = tmp_path / "config" / "twiliokit" / "config.toml"
    text = path.read_text()
    assert 'auth_token = "vault:twilio-default"' in text
    shown = (text + result.stdout + result.stderr).replace(emulator.account_sid, "AC")
    assert emulator.auth_token not in shown  # the dev token's zeros also fill the SID
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listed = _run(("messages", "list", "--json"), env)
    assert listed.returncode == 0, listed.stderr
    again = _run(("config", "init", "--base-url", emulator.base_url), env, input=answers)
    assert again.returncode == 2
    assert "--force" in again.stderr


def test_config_init_refuses_a_wrong_token_at_the_check(
    emulator: RunningEmulator, base_env: dict[str, str]
) -> None:
    """A token the account does not accept fails the read-only check with Twilio's 20003."""
    env = {**base_env, "TWILIOKIT_VAULT_PASSPHRASE": "correct horse battery staple"}
    result = _run(
        (
            "config",
            "init",
            "--account-sid",
            emulator.account_sid,
            "--from",
            "",
            "--base-url",
            emulator.base_url,
        ),
        env,
        input="f" * 32 + "\n",
    )
    assert result.returncode == 1
    assert "credentials" in _error_line(result).lower() or "auth" in result.stderr.lower()


def test_config_init_without_a_terminal_or_answers_names_the_flag(
    base_env: dict[str, str],
) -> None:
    """With no terminal and nothing on stdin, the missing account SID is named with its flag."""
    result = _run(("config", "init"), base_env, input="")
    assert result.returncode == 2
    assert "--account-sid" in _error_line(result)
