"""`twiliokit webhooks check`, `twiliokit webhooks connect` (against the emulator) and the
refusals of `twiliokit serve`, through the real typer app."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator
from typer.testing import CliRunner, Result

import twiliokit.cli.serve
import twiliokit.cli.webhooks
from tests.helpers.sdk import sdk_client
from twiliokit.cli.app import app
from twiliokit.cli.serve import build_settings
from twiliokit.emulator.testing import RunningEmulator

TOKEN = "12345678901234567890123456789012"
ACCOUNT = "AC" + "0" * 32


def run(*args: str, env: dict[str, str], tmp_path: Path, input: bytes | None = None) -> Result:
    environment = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), **env}
    return CliRunner().invoke(app, list(args), env=environment, input=input)


def test_check_says_valid_for_a_correct_signature(tmp_path: Path) -> None:
    """A body and signature made by Twilio's SDK check out."""
    url = "https://agent.example.com/webhooks/twilio/messaging"
    params = {"MessageSid": "SM1", "Body": "hi there"}
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    result = run(
        "webhooks",
        "check",
        "--url",
        url,
        "--signature",
        signature,
        "--body",
        "-",
        env={"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN},
        tmp_path=tmp_path,
        input=urlencode(params).encode(),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("valid")


def test_check_explains_a_proxy_problem(tmp_path: Path) -> None:
    """A request signed for the public https URL but seen at http:// is explained as a proxy
    or --public-url problem, exit 1."""
    public = "https://agent.example.com/webhooks/twilio/messaging"
    params = {"MessageSid": "SM1", "Body": "hi"}
    signature = RequestValidator(TOKEN).compute_signature(public, params)
    body = tmp_path / "body.txt"
    body.write_text(urlencode(params))
    result = run(
        "webhooks",
        "check",
        "--url",
        "http://agent.example.com/webhooks/twilio/messaging",
        "--signature",
        signature,
        "--body",
        str(body),
        env={"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN},
        tmp_path=tmp_path,
    )
    assert result.exit_code == 3  # a negative answer (docs/cli.md)
    assert result.stdout.startswith("invalid")
    assert "X-Forwarded-Proto" in result.stdout
    assert "--public-url" in result.stdout


def test_check_needs_the_auth_token(tmp_path: Path) -> None:
    """With only an API key there is nothing to check with: exit 2, saying why."""
    result = run(
        "webhooks",
        "check",
        "--url",
        "https://x.example/",
        "--signature",
        "abc",
        env={
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_API_KEY": "SK" + "1" * 32,
            "TWILIO_API_SECRET": "secret-value",
        },
        tmp_path=tmp_path,
    )
    assert result.exit_code == 2
    assert "auth token" in result.stderr
    assert "API key" in result.stderr


def test_connect_points_a_number_at_the_receiver_and_refuses_to_clobber(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """connect sets SmsUrl, VoiceUrl and StatusCallback; another app's URL is only replaced
    with --force, and the output shows what was replaced."""
    env = {
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIOKIT_BASE_URL": emulator.base_url,
    }
    sdk = sdk_client(emulator.base_url, emulator.account_sid, emulator.auth_token)
    number = sdk.incoming_phone_numbers.list(phone_number="+14155550100")[0]
    number.update(sms_url="https://other-app.example/sms")

    refused = run(
        "webhooks",
        "connect",
        "--number",
        "+14155550100",
        "--public-url",
        "https://agent.example.com",
        env=env,
        tmp_path=tmp_path,
    )
    assert refused.exit_code == 2
    assert "other-app.example/sms" in refused.stderr
    assert "--force" in refused.stderr
    assert number.fetch().sms_url == "https://other-app.example/sms"

    forced = run(
        "webhooks",
        "connect",
        "--number",
        "+14155550100",
        "--force",
        "--json",
        "--public-url",
        "https://agent.example.com",
        env=env,
        tmp_path=tmp_path,
    )
    assert forced.exit_code == 0, forced.output
    changes = {c["field"]: c for c in json.loads(forced.stdout)["changes"]}
    assert changes["sms_url"]["old"] == "https://other-app.example/sms"
    now = number.fetch()
    assert now.sms_url == "https://agent.example.com/webhooks/twilio/messaging"
    assert now.voice_url == "https://agent.example.com/webhooks/twilio/voice"
    assert now.status_callback == "https://agent.example.com/webhooks/twilio/call-status"

    again = run(
        "webhooks",
        "connect",
        "--number",
        "+14155550100",
        "--json",
        "--public-url",
        "https://agent.example.com",
        env=env,
        tmp_path=tmp_path,
    )
    assert json.loads(again.stdout)["changed"] is False


def test_serve_refuses_to_start_without_an_auth_token(tmp_path: Path) -> None:
    """An API key alone cannot check signatures: serve exits 2 and says the auth token is
    needed even with an API key, and how to opt out."""
    result = run(
        "serve",
        "--port",
        "0",
        "--db",
        "memory://",
        env={
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_API_KEY": "SK" + "1" * 32,
            "TWILIO_API_SECRET": "secret-value",
        },
        tmp_path=tmp_path,
    )
    assert result.exit_code == 2
    assert "even when REST calls use an API key" in result.stderr
    assert "--no-validate-signatures" in result.stderr


def test_build_settings_reads_the_environment_and_the_webhooks_table(tmp_path: Path) -> None:
    """The receiver's settings as serve builds them: TWILIOKIT_PUBLIC_URL and the config file's
    [webhooks] table (read by webhook_section), the auth token kept out of repr; turning
    validation off needs no credentials. (A served `twiliokit serve` configured by environment
    variables: tests/acceptance/subprocess/test_serve.py.)"""
    config = tmp_path / "config.toml"
    config.write_text('[webhooks]\ntrusted_proxies = ["10.0.0.0/8"]\n')
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIOKIT_PUBLIC_URL": "https://agent.example.com/",
    }
    settings, secrets = build_settings(
        environ=env,
        profile=None,
        config=config,
        public_url=None,
        trusted_proxies=[],
        validate=True,
        section=twiliokit.cli.webhooks.webhook_section(env, config),
    )
    assert settings.public_url == "https://agent.example.com"
    assert settings.trusted_proxies == ("10.0.0.0/8",)
    assert TOKEN in secrets
    assert TOKEN not in repr(settings)
    unchecked, _ = build_settings(
        environ={},
        profile=None,
        config=None,
        public_url=None,
        trusted_proxies=[],
        validate=False,
        section={},
    )
    assert unchecked.validate_signatures is False


@pytest.mark.parametrize("key", ["forward_urls", "public_url"])
def test_a_bad_webhooks_table_is_a_clear_error(tmp_path: Path, key: str) -> None:
    """A wrongly typed [webhooks] key fails with the key named, exit 2."""
    config = tmp_path / "config.toml"
    config.write_text(f"[webhooks]\n{key} = 3\n")
    result = run(
        "serve",
        "--port",
        "0",
        "--config",
        str(config),
        env={"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN},
        tmp_path=tmp_path,
    )
    assert result.exit_code == 2
    # The key is named as the table spells it, or as the flag that sets the same thing.
    flag = {"forward_urls": "--forward-url", "public_url": "--public-url"}[key]
    assert key in result.stderr or flag in result.stderr
    assert "[webhooks]" in result.stderr
