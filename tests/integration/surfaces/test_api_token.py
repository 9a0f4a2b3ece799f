"""The API's bearer token: from the environment, else kept in the user config directory,
generated there once with mode 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from twiliokit.errors import ConfigurationError
from twiliokit.server.service import ServiceSettings, api_token_path, resolve_api_token

LONG = "an-operator-chosen-token-1234"


def test_environment_token_wins(tmp_path: Path) -> None:
    """TWILIOKIT_API_TOKEN is used as it is and nothing is written."""
    path = tmp_path / "api-token"
    token = resolve_api_token({"TWILIOKIT_API_TOKEN": LONG}, path=path)
    assert (token.value, token.source) == (LONG, "environment")
    assert not path.exists()


def test_first_run_generates_a_private_token_that_later_runs_reuse(tmp_path: Path) -> None:
    """The first run generates a token into a 0600 file; the next run reads the same one."""
    path = tmp_path / "twiliokit" / "api-token"
    first = resolve_api_token({}, path=path)
    assert first.source == "generated"
    assert len(first.value) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = resolve_api_token({}, path=path)
    assert (again.value, again.source) == (first.value, "file")
    assert first.value not in repr(first)


def test_a_token_file_others_can_read_is_refused(tmp_path: Path) -> None:
    """A token file readable by group or others is not trusted: the error says chmod 600."""
    path = tmp_path / "api-token"
    path.write_text(LONG)
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="other users") as caught:
        resolve_api_token({}, path=path)
    assert caught.value.hint == f"Run: chmod 600 {path}"


def test_short_tokens_are_refused() -> None:
    """A token that could be guessed is refused from the environment and in the settings."""
    with pytest.raises(ConfigurationError, match="shorter than 16"):
        resolve_api_token({"TWILIOKIT_API_TOKEN": "short"})
    with pytest.raises(ConfigurationError, match="at least 16"):
        ServiceSettings(connection=None, api_token="short")  # type: ignore[arg-type]


def test_default_path_is_in_the_user_config_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token lives beside config.toml in the user config directory."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert api_token_path({}) == tmp_path / "twiliokit" / "api-token"
