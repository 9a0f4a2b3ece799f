"""Errors and help in the command line's words, found by a newcomer's walkthrough: hints name
the flags and commands a user types (never an action's argument or name), a CSV's missing
column is named as such, a raw 404 fits a path, vault errors name what the command can use,
`config init` writes nothing when its check fails, and --help shows no Python type names.

Every case runs the installed `twiliokit` as a subprocess.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.acceptance.cli.test_bad_values import _run
from tests.helpers.processes import run_clean
from twiliokit.emulator.testing import RunningEmulator

#: An account SID and auth token that are well-formed (nothing is sent with them).
_SID, _TOKEN = "AC" + "0" * 32, "0" * 32


def _twiliokit(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `twiliokit ARGS...` with a clean environment plus ``env``; the finished process."""
    return run_clean(tmp_path, *args, env=env, input=input)


def _emulator_env(emulator: RunningEmulator) -> dict[str, str]:
    """The emulator's development credentials, and no default sender."""
    return {
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIOKIT_BASE_URL": emulator.base_url,
    }


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["sms", "send", "+14155552671"],
            "error: a message needs BODY (text) or --media-url. "
            "Hint: Give the text to send as BODY.",
        ),
        (
            ["calls", "make", "+14155552671", "--say", "hi", "--url", "https://example.com/x"],
            "error: give exactly one of --say, --twiml or --url (got --say and --url). "
            "Hint: --say speaks a text; --twiml gives the instructions inline; --url points "
            "to your app, which answers with TwiML.",
        ),
        (
            [
                *("verify", "buckets", "create", "--rate-limit-sid", "RK1", "--max", "1"),
                *("--interval", "1", "--service-sid", "VA" + "0" * 32),
            ],
            "Hint: Get one from `twiliokit verify rate-limits list`.",
        ),
    ],
    ids=["sms-send-body", "calls-make-one-of", "buckets-rate-limit-sid"],
)
def test_hints_name_flags_and_commands(tmp_path: Path, argv: list[str], expected: str) -> None:
    """A hint names the command's argument (BODY), its flags and the command to run."""
    line = _run(tmp_path, *argv)
    assert expected in line, line


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            [],
            "error: `twiliokit sms bulk` needs exactly one of --body and --content-sid. "
            "Hint: Give the text (with {placeholders}) as --body, or a template as "
            "--content-sid.",
        ),
        (
            ["--body", "Hi", "--rate", "0"],
            "error: --rate must be at least 0.001. "
            "Hint: see `twiliokit sms bulk --help` for the options it takes.",
        ),
    ],
    ids=["neither-body-nor-template", "rate-zero"],
)
def test_bulk_hints_name_its_flags_and_whole_bounds(
    tmp_path: Path, options: list[str], expected: str
) -> None:
    """`sms bulk` says --body (not body), its own --help, and its bound as written (0.001)."""
    (tmp_path / "contacts.csv").write_text("phone,first_name\n+14155550101,Ada\n")
    line = _run(tmp_path, "sms", "bulk", "contacts.csv", *options)
    assert line == expected


@pytest.mark.parametrize(
    "argv",
    [["sms", "send", "+14155552671", "hi"], ["calls", "make", "+14155552671", "--say", "hi"]],
)
def test_missing_sender_hint_is_a_command_to_run(
    tmp_path: Path, emulator: RunningEmulator, argv: list[str]
) -> None:
    """With no --from and no default sender, the hint says how to list the account's numbers."""
    done = _twiliokit(tmp_path, *argv, env=_emulator_env(emulator))
    assert done.returncode == 2, done.stderr
    assert "see `twiliokit actions run list_phone_numbers`" in done.stderr
    assert re.search(r"(?<!run )list_phone_numbers", done.stderr) is None, done.stderr


def test_raw_404_on_a_path_that_is_no_resource(tmp_path: Path, emulator: RunningEmulator) -> None:
    """`raw GET /nope`: the emulator's 404 reads as English and the hint is about the path."""
    done = _twiliokit(tmp_path, "raw", "GET", "/nope", env=_emulator_env(emulator))
    assert done.returncode == 1, done.stderr
    assert "the emulator serves the REST API (2010-04-01) there under /2010-04-01/" in (done.stderr)
    assert "the emulator's the" not in done.stderr
    assert "Hint: Check PATH: the REST API's paths start /2010-04-01/Accounts/" in done.stderr
    assert "--product" in done.stderr


def _vault_profile(tmp_path: Path) -> dict[str, str]:
    """A config profile whose auth token is in a passphrase vault; the environment naming
    both, without the passphrase."""
    vault = tmp_path / "vault.json"
    stored = _twiliokit(
        tmp_path,
        *("vault", "set", "token"),
        env={"TWILIOKIT_VAULT": str(vault), "TWILIOKIT_VAULT_PASSPHRASE": "correct horse"},
        input=_TOKEN,
    )
    assert stored.returncode == 0, stored.stderr
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.default]\naccount_sid = "{_SID}"\nauth_token = "vault:token"\n',
        encoding="utf-8",
    )
    return {"TWILIOKIT_VAULT": str(vault), "TWILIOKIT_CONFIG": str(config)}


def test_a_locked_vault_hint_names_only_what_the_command_can_use(tmp_path: Path) -> None:
    """`messages list` with the token in a locked vault names the two variables, no --key-file."""
    line = _run(tmp_path, "messages", "list", env=_vault_profile(tmp_path))
    assert line == (
        "error: The vault needs a passphrase and there is no terminal to ask for it. "
        "Hint: Set TWILIOKIT_VAULT_PASSPHRASE to the passphrase, or TWILIOKIT_VAULT_KEY_FILE "
        "to a key file's path."
    )


def test_serve_with_a_locked_vault_says_so_in_sentences(tmp_path: Path) -> None:
    """`serve` whose token is in a locked vault: one sentence after another, the vault's fix."""
    line = _run(tmp_path, "serve", "--port", "0", env=_vault_profile(tmp_path))
    assert line.startswith(
        "error: twiliokit serve checks webhook signatures with the auth token, which is in the "
        "vault. The vault needs a passphrase and there is no terminal to ask for it. "
        "Hint: Set TWILIOKIT_VAULT_PASSPHRASE"
    ), line
    assert "(The" not in line


def test_serve_without_credentials_says_so_in_sentences(tmp_path: Path) -> None:
    """`serve` with no credentials at all: what resolving found is a sentence of its own."""
    line = _run(tmp_path, "serve", "--port", "0")
    assert line.startswith(
        "error: twiliokit serve checks webhook signatures, and no auth token is configured. "
        "No Twilio credentials were found. Hint: Set TWILIO_AUTH_TOKEN"
    ), line


def test_config_init_that_fails_its_check_writes_nothing(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    """A token the check refuses leaves no vault entry and no profile; the same command with the
    right token then works without --force."""
    env = {"TWILIOKIT_VAULT_PASSPHRASE": "correct horse battery staple"}
    argv = ("config", "init", "--profile", "wrong", "--account-sid", emulator.account_sid)
    argv += ("--from", "", "--base-url", emulator.base_url)
    failed = _twiliokit(tmp_path, *argv, env=env, input="f" * 32 + "\n")
    assert failed.returncode == 1, failed.stderr
    assert "Nothing was stored or written" in failed.stderr
    assert not (tmp_path / "config").exists()
    assert not (tmp_path / "data").exists()
    retried = _twiliokit(tmp_path, *argv, env=env, input=emulator.auth_token + "\n")
    assert retried.returncode == 0, retried.stderr
    assert "Checked: the profile reaches account" in retried.stdout
    config = (tmp_path / "config" / "twiliokit" / "config.toml").read_text()
    assert "[profiles.wrong]" in config


#: typer's Python-type labels, which --help must not show.
_TYPE_LABELS = re.compile(r"<(?:str|int|float|bool|list\[[^\]]*\]|path|file|dir)(?: range)?>")


@pytest.mark.parametrize(
    "command",
    [
        ("emulator",),
        ("serve",),
        ("worker",),
        ("sms", "send"),
        ("sms", "bulk"),
        ("actions", "run"),
        ("raw",),
        ("vault", "set"),
    ],
)
def test_help_shows_value_words_not_python_types(tmp_path: Path, command: tuple[str, ...]) -> None:
    """--help says TEXT, INTEGER, NUMBER, FILE (nothing beside a flag), never <str> or <bool>."""
    done = _twiliokit(tmp_path, *command, "--help")
    assert done.returncode == 0, done.stderr
    assert _TYPE_LABELS.search(done.stdout) is None, done.stdout
    assert "[env var:" not in done.stdout


def test_emulator_help_names_its_variables_as_every_command_does(tmp_path: Path) -> None:
    """`emulator --help` writes (env: NAME), like the other commands, and plain value words."""
    done = _twiliokit(tmp_path, "emulator", "--help")
    plain = " ".join(re.sub(r"[│╭╮╰╯─]", " ", done.stdout).split())
    assert "(env: TWILIOKIT_EMULATOR_HOST)" in plain
    assert "(env: TWILIOKIT_EMULATOR_PORT)" in plain
    assert "--port INTEGER [0<=x<=65535]" in plain
    assert "--help Show this message and exit." in plain


_MESSAGES = "/2010-04-01/Accounts/{AccountSid}/Messages.json"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["raw", "POST", "/v1/Services", "-d", "A=1", "--json-body", '{"a": 1}'],
            "error: send either --data or --json-body, not both.",
        ),
        (
            ["raw", "GET", _MESSAGES, "--json-body", '{"a": 1}'],
            "error: a GET request has no body: put parameters in --query.",
        ),
    ],
    ids=["data-and-json-body", "get-with-json-body"],
)
def test_raw_body_errors_name_json_body(
    tmp_path: Path, emulator: RunningEmulator, argv: list[str], expected: str
) -> None:
    """`raw`'s JSON body is --json-body in its errors, never the output's --json."""
    done = _twiliokit(tmp_path, *argv, env=_emulator_env(emulator))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(expected), done.stderr
    assert re.search(r"--json\b(?!-)", done.stderr) is None, done.stderr


def test_raw_send_refusal_names_no_argument_raw_lacks(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    """A raw send is sent to `sms send`, without naming send_at, which `raw` has no flag for."""
    argv = ["raw", "POST", _MESSAGES, "-d", "To=+14155552671", "-d", "Body=hi"]
    done = _twiliokit(tmp_path, *argv, env=_emulator_env(emulator))
    assert done.returncode == 2, done.stderr
    assert "Hint: Use `twiliokit sms send`: it takes the same parameters" in done.stderr
    assert "send_at" not in done.stderr, done.stderr


def test_args_from_stdin_that_is_not_utf8(tmp_path: Path) -> None:
    """`--args -` given bytes that are not UTF-8 says so, not that the JSON is invalid."""
    stdin = tmp_path / "stdin.bin"
    stdin.write_bytes(b'{"to": "\xff"}')
    done = run_clean(tmp_path, "actions", "run", "lookup", "--args", "-", stdin_from=stdin)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "error: cannot read --args -: stdin is not UTF-8 text (byte 9 is not UTF-8)."
    ), done.stderr


def test_vault_set_refuses_a_secret_on_the_command_line_without_repeating_it(
    tmp_path: Path,
) -> None:
    """`vault set NAME SECRET` (the mistake the docs warn of) stores nothing, says how to give
    the secret, and never prints it; `vault set --help` does not offer it either."""
    vault = tmp_path / "vault.json"
    env = {"TWILIOKIT_VAULT": str(vault), "TWILIOKIT_VAULT_PASSPHRASE": "correct horse"}
    secret = "MySecretValue-0123456789"
    done = _twiliokit(tmp_path, "vault", "set", "prod", secret, env=env)
    assert done.returncode == 2, done.stderr
    assert secret not in done.stdout + done.stderr
    assert "does not take the secret on the command line" in done.stderr
    assert "`twiliokit vault set prod`" in done.stderr
    assert not vault.exists()
    usage = _twiliokit(tmp_path, "vault", "set", "--help").stdout
    assert re.search(r"Usage: twiliokit vault set \[OPTIONS\] \{NAME\} *\n", usage), usage


def test_one_value_of_a_repeatable_flag_is_named_by_the_flag(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    """A bad value of a repeatable flag (`lookup --field bogus`) is named as the flag, in the
    message and as `flag` in the JSON error, never as the argument's path (fields.0)."""
    done = _twiliokit(
        tmp_path,
        "lookup",
        "+14155550199",
        "--field",
        "bogus",
        "--json",
        env=_emulator_env(emulator),
    )
    assert done.returncode == 2, done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["message"].startswith("--field must be one of 'line_type_intelligence'")
    assert error["flag"] == "--field"
    assert "fields.0" not in error["message"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["outbox", "get", "nope"],
            "Hint: Get one from a send's answer, or `twiliokit outbox list`.",
        ),
        (
            ["sms", "send", "abc", "hi"],
            "letters make it read as an alphanumeric sender ID, which only the sender, --from, "
            "can be.\n",
        ),
    ],
    ids=["outbox-id-hint", "letters-as-recipient"],
)
def test_hints_read_as_sentences(
    tmp_path: Path, emulator: RunningEmulator, argv: list[str], expected: str
) -> None:
    """Hints name what a user has in hand (a send's answer), and end with one full stop."""
    done = _twiliokit(tmp_path, *argv, "--no-ledger", env=_emulator_env(emulator))
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr, done.stderr
    assert "OUTBOX_ID of" not in done.stderr


def test_a_config_file_others_can_read_with_a_secret_in_it_is_warned_of(tmp_path: Path) -> None:
    """A config file holding the auth token in plain text that other users can read gets a
    warning on stderr saying how to fix it; once 0600, none."""
    config = tmp_path / "config.toml"
    token = "0123456789abcdef" * 2
    config.write_text(
        f'[profiles.default]\naccount_sid = "{_SID}"\nauth_token = "{token}"\n', encoding="utf-8"
    )
    config.chmod(0o644)
    env = {"TWILIOKIT_CONFIG": str(config)}
    shared = _twiliokit(tmp_path, "connection", "show", env=env)
    assert shared.returncode == 0, shared.stderr
    assert f"warning: {config} holds a Twilio secret in plain text and other users" in (
        shared.stderr
    )
    assert f"chmod 600 {config}" in shared.stderr
    assert token not in shared.stdout + shared.stderr
    config.chmod(0o600)
    private = _twiliokit(tmp_path, "connection", "show", env=env)
    assert private.returncode == 0, private.stderr
    assert "warning" not in private.stderr
