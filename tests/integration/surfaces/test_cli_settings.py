"""``twiliokit.cli.service_config.service_settings``: what `twiliokit serve` builds the service from
(the environment, the config file's [guardrails] and [compliance], the kept API token)."""

from __future__ import annotations

from pathlib import Path

import pytest

from twiliokit.cli.service_config import service_settings
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import ConfigurationError


@pytest.fixture
def environ(
    emulator: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Credentials in the environment and a config file of the test's own."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return {
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIOKIT_CONFIG": str(tmp_path / "config.toml"),
    }


def test_settings_come_from_the_config_and_the_token_is_kept(
    environ: dict[str, str], tmp_path: Path
) -> None:
    """[guardrails] plus the flags, a generated token kept for the next run, and every secret
    listed for the log filter."""
    Path(environ["TWILIOKIT_CONFIG"]).write_text(
        '[guardrails]\ndeny_tools = ["raw_request"]\nmax_calls_per_hour = 3\n'
    )
    settings, token, secrets = service_settings(
        environ=environ, profile=None, config=None, read_only=True, ledger_url="memory://"
    )
    assert settings.guardrails.read_only
    assert settings.guardrails.deny_tools == {"raw_request"}
    assert settings.guardrails.max_calls_per_hour == 3
    assert settings.api_token == token.value
    assert token.source == "generated"
    assert token.path == tmp_path / "xdg" / "twiliokit" / "api-token"
    assert {token.value, environ["TWILIO_AUTH_TOKEN"]} <= set(secrets)
    _, again, _ = service_settings(environ=environ, profile=None, config=None)
    assert (again.value, again.source) == (token.value, "file")


def test_a_guardrail_naming_no_action_stops_the_server(environ: dict[str, str]) -> None:
    """A typo in deny_tools is caught when the settings are built, before serving."""
    Path(environ["TWILIOKIT_CONFIG"]).write_text('[guardrails]\ndeny_tools = ["raw_requests"]\n')
    with pytest.raises(ConfigurationError, match="raw_requests"):
        service_settings(environ=environ, profile=None, config=None)
