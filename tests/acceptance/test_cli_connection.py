"""`twiliokit connection show`: the resolved connection, masked, with each field's source."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import twiliokit.cli.connection  # noqa: F401  (registers the command group)
from twiliokit.cli.app import app
from twiliokit.vault import Vault

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"
KEY_SID = "SKfedcba9876543210fedcba9876543210"
KEY_SECRET = "Zq8T3vLmN0pRx5YwKb2HcJd7EaGs4UiO"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment whose default config location is empty."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}


def test_show_masks_secrets_and_names_environment_sources(env: dict[str, str]) -> None:
    """Credentials from TWILIO_* are shown masked, each with the variable it came from."""
    env.update(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_EDGE="dublin")
    result = CliRunner().invoke(app, ["connection", "show"], env=env)
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    assert re.search(r"auth_token\s+f00d…feed\s+\(env TWILIO_AUTH_TOKEN\)", result.stdout)
    assert "(env TWILIO_EDGE)" in result.stdout
    assert "https://api.dublin.us1.twilio.com" in result.stdout


def test_show_follows_config_and_vault_references(env: dict[str, str], tmp_path: Path) -> None:
    """A profile's vault:NAME secret is read from the vault, masked, and attributed to both."""
    vault_path = tmp_path / "vault.json"
    Vault.create(vault_path, passphrase="pw", scrypt_n=2**14).set("prod-key", KEY_SECRET)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.prod]\naccount_sid = "{ACCOUNT}"\napi_key_sid = "{KEY_SID}"\n'
        'api_key_secret = "vault:prod-key"\nregion = "ie1"\n'
    )
    env.update(TWILIOKIT_VAULT=str(vault_path), TWILIOKIT_VAULT_PASSPHRASE="pw")
    result = CliRunner().invoke(
        app, ["connection", "show", "--config", str(config), "--profile", "prod", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    assert KEY_SECRET not in result.output
    document = json.loads(result.stdout)
    secret = document["fields"]["api_key_secret"]
    assert secret["value"] == "Zq8T…4UiO"
    assert secret["source"] == f"vault 'prod-key' via config {config} [profiles.prod]"
    assert document["auth_kind"] == "api_key"
    assert document["api_base_url"] == "https://api.ie1.twilio.com"


def test_base_url_option_and_variable_point_at_the_emulator(env: dict[str, str]) -> None:
    """--base-url beats TWILIOKIT_BASE_URL, and the source says which one was used."""
    env.update(
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIOKIT_BASE_URL="http://127.0.0.1:1111",
    )
    runner = CliRunner()
    from_env = json.loads(runner.invoke(app, ["connection", "show", "--json"], env=env).stdout)
    assert from_env["fields"]["base_url"]["source"] == "env TWILIOKIT_BASE_URL"
    result = runner.invoke(
        app, ["connection", "show", "--json", "--base-url", "http://127.0.0.1:2222"], env=env
    )
    document = json.loads(result.stdout)
    assert document["api_base_url"] == "http://127.0.0.1:2222"
    assert document["fields"]["base_url"]["source"] == "command-line option"


def test_bad_configuration_is_one_error_line_without_the_secret(env: dict[str, str]) -> None:
    """A malformed token exits 2 with one line naming its source, no value, no traceback."""
    env.update(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN + "0")
    result = CliRunner().invoke(app, ["connection", "show"], env=env)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: env TWILIO_AUTH_TOKEN: auth_token must be")
    assert TOKEN not in result.output
    assert "Traceback" not in result.output


def test_show_help_names_the_environment_variables() -> None:
    """--help shows (env: NAME) for --profile, --config and --base-url."""
    output = CliRunner().invoke(app, ["connection", "show", "--help"]).output
    plain = " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())
    for variable in ("TWILIOKIT_PROFILE", "TWILIOKIT_CONFIG", "TWILIOKIT_BASE_URL"):
        assert f"(env: {variable})" in plain
