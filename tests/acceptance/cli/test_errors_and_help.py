"""The shared behaviour of every Twilio command: one error line, JSON errors, exit codes, help."""

from __future__ import annotations

import json
import re
import socket

import pytest
import typer
from typer.testing import CliRunner

from tests.acceptance.cli.conftest import Twiliokit
from twiliokit.cli import output
from twiliokit.cli.app import app
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import RateLimitError

ERROR_KEYS = {"type", "message", "code", "status", "retryable", "hint", "field"}


def test_bad_input_is_one_line_and_exit_2_without_a_traceback(
    twiliokit: Twiliokit, emulator: RunningEmulator
) -> None:
    """A malformed number fails before any request: one stderr line naming it, exit 2."""
    # A one-time fault on every path: any request that reached the emulator would use it up.
    emulator.control.add_fault(path=".*", status=500, times=1)
    result = twiliokit("sms", "send", "not-a-number", "hello")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: TO is not a valid phone number: 'not-a-number'")
    assert "Traceback" not in result.output
    assert len(emulator.control.request("GET", "/_emulator/faults")["faults"]) == 1


def test_json_errors_are_an_error_object_on_stdout(twiliokit: Twiliokit) -> None:
    """With --json a failure prints {"error": {type, message, code, status, ...}} and exits 2."""
    result = twiliokit("sms", "send", "not-a-number", "hello", "--json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert set(document) == {"error"}
    assert set(document["error"]) >= ERROR_KEYS
    assert document["error"]["type"] == "validation_error"
    assert document["error"]["field"] == "to"
    assert result.stderr == ""


def test_twilio_errors_exit_1_with_the_remedy(twiliokit: Twiliokit) -> None:
    """Twilio's 21211 (the emulator's magic invalid number) exits 1 with the code's hint."""
    result = twiliokit("sms", "send", "+15005550001", "hello")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "Hint: The 'To' number is not a valid phone number" in result.stderr
    as_json = json.loads(twiliokit("sms", "send", "+15005550001", "hello", "--json").stdout)
    assert as_json["error"]["code"] == 21211
    assert as_json["error"]["status"] == 400
    assert as_json["error"]["retryable"] is False
    assert re.fullmatch(r"RQ[0-9a-f]{32}", as_json["error"]["request_id"])


def test_missing_credentials_are_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any credentials a command exits 2 and says how to configure them."""
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent-twiliokit-test")
    result = CliRunner().invoke(app, ["messages", "list", "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "configuration_error"
    assert error["hint"]


def test_network_failure_is_one_line_exit_1(twiliokit: Twiliokit) -> None:
    """Nothing listening at --base-url: each retry told, then one error line, exit 1."""
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        result = twiliokit("messages", "list", "--base-url", f"http://127.0.0.1:{port}")
    assert result.exit_code == 1
    *retries, last = result.stderr.strip().splitlines()
    assert [line.split(";")[0] for line in retries] == ["Could not connect to Twilio"] * 3
    assert last.startswith("error: ")
    assert "Traceback" not in result.output


def test_unexpected_exceptions_become_one_line() -> None:
    """An exception from outside twiliokit's tree is one 'unexpected' line, exit 1."""
    probe = typer.Typer()

    @probe.command()
    def explode(as_json: bool = False) -> None:
        with output.errors_handled(as_json=as_json):
            raise KeyError("boom")

    result = CliRunner().invoke(probe, [])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unexpected KeyError: 'boom'. Hint: This is a bug")
    assert result.stderr.count("\n") == 1
    document = json.loads(CliRunner().invoke(probe, ["--as-json"]).stdout)
    assert document["error"]["type"] == "internal_error"


def test_error_object_keeps_the_extra_fields_and_masks_secrets() -> None:
    """Subclass extras (retry_after) survive, and a known secret never reaches the output."""
    secret = "f00dfeedf00dfeedf00dfeedf00dfeed"
    error = RateLimitError(f"slow down {secret}", status=429, code=20429, retry_after=3.0)
    document = output.error_object(error, secrets=[secret])["error"]
    assert document["retry_after"] == 3.0
    assert document["retryable"] is True
    assert secret not in json.dumps(document)


def _plain_help(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


@pytest.mark.parametrize(
    "command",
    [
        ("sms", "send"),
        ("whatsapp", "send"),
        ("messages", "list"),
        ("messages", "get"),
        ("calls", "make"),
        ("calls", "list"),
        ("verify", "start"),
        ("verify", "check"),
        ("lookup",),
        ("raw",),
        ("actions", "run"),
    ],
)
def test_help_names_the_environment_variable_behind_each_option(command: tuple[str, ...]) -> None:
    """--help shows (env: NAME) for the connection options every Twilio command takes."""
    plain = _plain_help(*command)
    for variable in ("TWILIOKIT_PROFILE", "TWILIOKIT_CONFIG", "TWILIOKIT_BASE_URL"):
        assert f"(env: {variable})" in plain


def test_help_names_the_defaults_that_come_from_the_environment() -> None:
    """--from, --messaging-service-sid and --service-sid name the variables they default to."""
    assert "(env: TWILIO_PHONE_NUMBER)" in _plain_help("sms", "send")
    assert "(env: TWILIO_MESSAGING_SERVICE_SID)" in _plain_help("sms", "send")
    assert "(env: TWILIO_PHONE_NUMBER)" in _plain_help("calls", "make")
    assert "(env: TWILIO_VERIFY_SERVICE_SID)" in _plain_help("verify", "start")
