"""Bad option values refused in the command line's words: the flag named, what is wanted said
plainly, exit 2; never pydantic's "Input should be", a Python type name or a traceback.

Each case runs the installed `twiliokit` executable as a subprocess; every refusal here comes
before any request, so no emulator is needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.helpers.processes import run_clean
from twiliokit.emulator import EmulatorConfig

#: The installed console script, next to the interpreter running the tests.
TWILIOKIT = str(Path(sys.executable).with_name("twiliokit"))
#: Words that must never reach a user: pydantic's, Python's type and exception names.
_FOREIGN = (
    "Input should",
    "Traceback",
    "NoneType",
    "UnicodeDecodeError",
    "ModuleNotFoundError",
    "OverflowError",
    "codec can't decode",
)


def _run(tmp_path: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run `twiliokit ARGS...` with a clean environment; assert it is a one-line usage error
    (exit 2) in plain words, and return that line."""
    result = run_clean(tmp_path, *args, env=env)
    assert result.returncode == 2, (args, result.stdout, result.stderr)
    line = result.stderr.strip()
    assert line.count("\n") == 0, line
    assert line.startswith("error: "), line
    for word in _FOREIGN:
        assert word not in line, line
    return line


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["messages", "list", "--limit", "abc"], "--limit must be a whole number, not 'abc'."),
        (
            ["sms", "send", "+14155552671", "hi", "--validity-period", "abc"],
            "--validity-period must be a whole number, not 'abc'.",
        ),
        (["worker", "--concurrency", "abc"], "--concurrency must be a whole number, not 'abc'."),
        (["worker", "--concurrency", "0"], "--concurrency must be between 1 and 1,000."),
        (["worker", "--concurrency", "100000000"], "--concurrency must be between 1 and 1,000."),
        (["serve", "--workers", "0"], "--workers must be between 1 and 64."),
        (
            ["serve", "--keep-alive-timeout", "nan"],
            "--keep-alive-timeout must be a number between 0.1 and 3,600, not 'nan'.",
        ),
        (["emulator", "--latency-ms", "abc"], "--latency-ms must be a number, not 'abc'."),
        (
            ["emulator", "--latency-ms", "nan"],
            "--latency-ms must be a number between 0 and 60,000, not 'nan'.",
        ),
        (["emulator", "--time-rate", "-1"], "--time-rate must be between 0 and 1,000."),
        (
            ["emulator", "--time-rate", "inf"],
            "--time-rate must be a number between 0 and 1,000, not 'inf'.",
        ),
        (["serve", "--port", "-1"], "--port must be between 0 and 65,535."),
        (["serve", "--workers", "65"], "--workers must be between 1 and 64."),
        (
            ["serve", "--request-timeout", "inf"],
            "--request-timeout must be a number between 0.1 and 3,600, not 'inf'.",
        ),
        (
            ["emulator", "--sender-mps", "inf"],
            "--sender-mps must be a number between 0.001 and 10,000, not 'inf'.",
        ),
        (["serve", "--port", "70000"], "--port must be between 0 and 65,535."),
        (["emulator", "--port", "-5"], "--port must be between 0 and 65,535."),
    ],
)
def test_a_bad_number_names_its_flag_and_what_is_wanted(
    tmp_path: Path, argv: list[str], expected: str
) -> None:
    """A numeric option given a non-number or a value out of its range says so in words."""
    line = _run(tmp_path, *argv)
    assert line.startswith(f"error: {expected}"), line
    assert f"Hint: See `twiliokit {argv[0]} " in line


def test_a_bad_number_in_json_mode_is_the_error_object(tmp_path: Path) -> None:
    """With --json, the same words arrive as the JSON error object, naming the flag."""
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    result = subprocess.run(
        [TWILIOKIT, "messages", "list", "--limit", "abc", "--json"],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert '"message": "--limit must be a whole number, not \'abc\'."' in result.stdout
    assert '"flag": "--limit"' in result.stdout


def test_worker_help_states_the_concurrency_cap(tmp_path: Path) -> None:
    """`worker --help` says how high --concurrency may go."""
    result = subprocess.run(
        [TWILIOKIT, "worker", "--help"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "COLUMNS": "200"},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "(1 to 1,000; run more workers for more)" in result.stdout


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        ("null", "null"),
        ("[]", "an array"),
        ('"text"', "a string"),
        ("1", "a number"),
        ("true", "true"),
    ],
)
def test_actions_run_args_that_are_no_object_say_what_they_are(
    tmp_path: Path, args: str, kind: str
) -> None:
    """`actions run --args` names a non-object as JSON does ("not an array"), not as Python."""
    line = _run(tmp_path, "actions", "run", "send_sms", "--args", args)
    assert line.startswith(f"error: --args must be a JSON object, not {kind}."), line


def test_actions_run_args_file_not_utf8_says_so(tmp_path: Path) -> None:
    """`--args @FILE` with bytes that are not UTF-8 names the flag and says the file is not text."""
    (tmp_path / "args.json").write_bytes(b"\xff{}")
    line = _run(tmp_path, "actions", "run", "send_sms", "--args", "@args.json")
    assert line.startswith(
        "error: cannot read --args @args.json: the file is not UTF-8 text (byte 1 is not UTF-8)."
    ), line


def test_config_file_not_utf8_says_so(tmp_path: Path) -> None:
    """`--config FILE` with bytes that are not UTF-8 says the file is not UTF-8 text."""
    config = tmp_path / "binary.toml"
    config.write_bytes(b"\xff\xfe")
    line = _run(tmp_path, "messages", "list", "--config", str(config))
    assert f"error: The config file {config} is not UTF-8 text (byte 1 is not UTF-8)." in line
    assert "--config" in line


def test_serve_handlers_without_a_module_says_which_is_missing(tmp_path: Path) -> None:
    """`serve --handlers nomodule:x` names the flag and the module that is not there."""
    line = _run(tmp_path, "serve", "--no-validate-signatures", "--handlers", "nomodule:x")
    assert line.startswith(
        "error: --handlers 'nomodule:x': there is no module nomodule on the Python path."
    ), line


def test_serve_host_that_is_not_this_machines_points_at_host(tmp_path: Path) -> None:
    """An address `serve` cannot listen on is blamed on --host, not --port."""
    defaults = EmulatorConfig()
    credentials = {
        "TWILIO_ACCOUNT_SID": defaults.account_sid,
        "TWILIO_AUTH_TOKEN": defaults.auth_token,
    }
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine, and no DNS.
    line = _run(
        tmp_path,
        *("serve", "--host", "192.0.2.1", "--port", "0", "--db", "memory://", "--no-worker"),
        env=credentials,
    )
    assert line.startswith(
        "error: cannot listen on --host 192.0.2.1: it is not an address of this machine."
    ), line
    assert "Hint: Give --host an address of this machine" in line
    assert "--port" not in line


def test_lookup_of_something_that_is_no_number_says_what_a_number_is(tmp_path: Path) -> None:
    """`lookup abc` describes a phone number instead of showing a regular expression."""
    line = _run(tmp_path, "lookup", "abc")
    assert line.startswith(
        "error: NUMBER is not in the form it takes (the number to look up: E.164 "
        "(+14155552671), or national format ((415) 555-2671) with --country-code)."
    ), line
    assert "^" not in line
    assert "abc" not in line  # the value is not repeated


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["sms", "send", "+14155552671", "hi", "--validity-period", "-5"], "twiliokit sms send"),
        (["messages", "list", "--limit", "0"], "twiliokit messages list"),
    ],
)
def test_range_errors_point_at_the_command_help(
    tmp_path: Path, argv: list[str], command: str
) -> None:
    """An action's range error ends with a hint that reads: the command's own --help."""
    line = _run(tmp_path, *argv)
    assert line.endswith(f"Hint: see `{command} --help` for the options it takes."), line
    assert line.count("`") == 2, line


def test_raw_response_type_lists_values_not_flags(tmp_path: Path) -> None:
    """`raw --response-type xml` lists the values to choose from as values ('json', not --json)."""
    line = _run(tmp_path, "raw", "GET", "/x", "--response-type", "xml")
    assert line.startswith("error: --response-type must be one of 'json', 'text' or 'binary'."), (
        line
    )


@pytest.mark.parametrize("rate", ["nan", "inf"])
def test_bulk_rate_that_is_no_number_is_not_over_1000(tmp_path: Path, rate: str) -> None:
    """`sms bulk --rate nan` says a number between 0.001 and 1,000 is wanted, not "at most
    1,000"."""
    (tmp_path / "contacts.csv").write_text("phone,first_name\n+14155550101,Ada\n")
    line = _run(tmp_path, "sms", "bulk", "contacts.csv", "--body", "Hi", f"--rate={rate}")
    assert line.startswith(
        f"error: --rate must be a number between 0.001 and 1,000, not '{rate}'."
    ), line


@pytest.mark.parametrize(
    ("action", "arguments", "expected"),
    [
        ("search_ledger", '{"limit": "20"}', "'limit' must be a whole number, not a string"),
        (
            "send_sms",
            '{"to": "+14155552671", "body": "hi", "validity_period": true}',
            "'validity_period' must be a whole number or null, not true",
        ),
    ],
)
def test_actions_run_holds_args_to_the_json_types_the_http_api_does(
    tmp_path: Path, action: str, arguments: str, expected: str
) -> None:
    """`actions run --args` refuses what the HTTP API refuses (a string for a number, true
    for a number) instead of coercing it as Python would, before anything is sent."""
    line = _run(tmp_path, "actions", "run", action, "--args", arguments, "--db", "memory://")
    assert line.startswith(f"error: {expected}"), line


def test_actions_run_args_nested_too_deep_say_so(tmp_path: Path) -> None:
    """--args nesting past what any action takes, or past what JSON decoding recurses, is
    refused naming --args (not reported as a bug)."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    line = _run(tmp_path, "actions", "run", "send_sms", "--args", f"@{deep}")
    assert "nests arrays and objects more than 32 levels deep" in line, line
    line = _run(tmp_path, "actions", "run", "send_sms", "--args", "[" * 40 + "]" * 40)
    assert line.startswith("error: --args nests arrays"), line


def test_actions_run_args_invalid_json_reads_once(tmp_path: Path) -> None:
    """JSON's own reason is followed by its position without a doubled "at"."""
    line = _run(tmp_path, "actions", "run", "send_sms", "--args", '{"to": "abc')
    assert "Unterminated string starting at line 1 column 8" in line, line
