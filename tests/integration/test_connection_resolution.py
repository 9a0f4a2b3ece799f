"""resolve_connection: precedence, provenance, config profiles and vault references."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest

from twiliokit.connections import resolve_connection, resolve_connection_with_sources
from twiliokit.errors import ConfigurationError, VaultError
from twiliokit.vault import Vault

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
OTHER_ACCOUNT = "AC99999999999999999999999999999999"
TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"
ENV_TOKEN = "0123456789abcdef0123456789abcdef"
KEY_SID = "SKfedcba9876543210fedcba9876543210"
KEY_SECRET = "Zq8T3vLmN0pRx5YwKb2HcJd7EaGs4UiO"

ENV = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": ENV_TOKEN}

WriteConfig = Callable[[str], Path]


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """Factory: write a config.toml in tmp_path and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / "config.toml"
        path.write_text(text)
        return path

    return write


@pytest.fixture
def no_default_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the user config directory at an empty place."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    """A vault holding the profile's API key secret and a token."""
    opened = Vault.create(tmp_path / "vault.json", passphrase="pw", scrypt_n=2**14)
    opened.set("prod-key", KEY_SECRET)
    opened.set("dev-token", TOKEN)
    return opened


PROFILES = f"""
default_profile = "dev"

[profiles.dev]
account_sid = "{ACCOUNT}"
auth_token = "vault:dev-token"
base_url = "http://127.0.0.1:8787"
region = "ie1"

[profiles.prod]
account_sid = "{ACCOUNT}"
api_key_sid = "{KEY_SID}"
api_key_secret = "vault:prod-key"
region = "au1"
edge = "sydney"
default_from = "+14155550100"
"""


@pytest.mark.usefixtures("no_default_config")
def test_environment_alone_gives_a_connection_and_names_each_variable() -> None:
    """TWILIO_* variables build a connection, and provenance names each variable."""
    environ = {**ENV, "TWILIO_REGION": "ie1", "TWILIO_PHONE_NUMBER": "+14155550100"}
    connection, sources = resolve_connection_with_sources(environ=environ)
    assert connection.basic_auth() == (ACCOUNT, ENV_TOKEN)
    assert connection.default_from == "+14155550100"
    assert sources == {
        "account_sid": "env TWILIO_ACCOUNT_SID",
        "auth_token": "env TWILIO_AUTH_TOKEN",
        "region": "env TWILIO_REGION",
        "default_from": "env TWILIO_PHONE_NUMBER",
    }


@pytest.mark.usefixtures("no_default_config")
def test_api_key_variables_and_emulator_base_url() -> None:
    """TWILIO_API_KEY/SECRET select an API key; TWILIOKIT_BASE_URL points at the emulator."""
    environ = {
        **ENV,
        "TWILIO_API_KEY": KEY_SID,
        "TWILIO_API_SECRET": KEY_SECRET,
        "TWILIOKIT_BASE_URL": "http://127.0.0.1:9999/",
    }
    connection = resolve_connection(environ=environ)
    assert connection.basic_auth() == (KEY_SID, KEY_SECRET)
    assert connection.auth_token == ENV_TOKEN
    assert connection.base_url == "http://127.0.0.1:9999"


def test_overrides_beat_environment_which_beats_the_profile(
    write_config: WriteConfig, vault: Vault
) -> None:
    """Field by field: an override wins over the environment, which wins over the profile."""
    path = write_config(PROFILES)
    environ = {"TWILIO_REGION": "us1", "TWILIOKIT_BASE_URL": "http://env:1"}
    connection, sources = resolve_connection_with_sources(
        environ=environ,
        config_path=path,
        vault=vault,
        overrides={"base_url": "http://override:2", "edge": None},
    )
    assert connection.base_url == "http://override:2"
    assert sources["base_url"] == "override"
    assert connection.region == "us1"
    assert sources["region"] == "env TWILIO_REGION"
    assert connection.auth_token == TOKEN
    assert sources["auth_token"] == f"vault 'dev-token' via config {path} [profiles.dev]"
    assert sources["account_sid"] == f"config {path} [profiles.dev]"


def test_credentials_come_whole_from_one_source(write_config: WriteConfig, vault: Vault) -> None:
    """A token in the environment is never paired with an API key from the profile."""
    path = write_config(PROFILES)
    connection, sources = resolve_connection_with_sources(
        environ={"TWILIO_AUTH_TOKEN": ENV_TOKEN}, config_path=path, profile="prod", vault=vault
    )
    assert connection.api_key_sid is None
    assert connection.basic_auth() == (ACCOUNT, ENV_TOKEN)
    assert sources["account_sid"].startswith("config ")


def test_an_account_sid_contradicting_the_credentials_is_an_error(
    write_config: WriteConfig, vault: Vault
) -> None:
    """TWILIO_ACCOUNT_SID for another account than the profile's key fails, naming both."""
    path = write_config(PROFILES)
    with pytest.raises(ConfigurationError) as caught:
        resolve_connection(
            environ={"TWILIO_ACCOUNT_SID": OTHER_ACCOUNT}, config_path=path, profile="prod"
        )
    assert caught.value.field == "account_sid"
    assert "env TWILIO_ACCOUNT_SID" in caught.value.message
    assert "[profiles.prod]" in caught.value.message


def test_profile_choice_argument_then_env_then_default(
    write_config: WriteConfig, vault: Vault
) -> None:
    """The profile argument wins over TWILIOKIT_PROFILE, which wins over default_profile."""
    path = write_config(PROFILES)

    def region(environ: dict[str, str], profile: str | None = None) -> str | None:
        return resolve_connection(
            environ=environ, config_path=path, profile=profile, vault=vault
        ).region

    assert region({}) == "ie1"
    assert region({"TWILIOKIT_PROFILE": "prod"}) == "au1"
    assert region({"TWILIOKIT_PROFILE": "prod"}, profile="dev") == "ie1"


def test_a_profile_named_default_is_used_when_none_is_chosen(write_config: WriteConfig) -> None:
    """Without default_profile, a [profiles.default] table is used."""
    path = write_config(f'[profiles.default]\naccount_sid = "{ACCOUNT}"\nauth_token = "{TOKEN}"\n')
    assert resolve_connection(environ={}, config_path=path).auth_token == TOKEN


def test_config_file_comes_from_twiliokit_config(write_config: WriteConfig, vault: Vault) -> None:
    """TWILIOKIT_CONFIG in the given environment names the config file."""
    path = write_config(PROFILES)
    connection = resolve_connection(environ={"TWILIOKIT_CONFIG": str(path)}, vault=vault)
    assert connection.region == "ie1"


def test_the_vault_is_opened_only_when_a_chosen_value_refers_to_it(
    write_config: WriteConfig,
) -> None:
    """A vault factory is not called when the environment supplies the credentials."""
    path = write_config(PROFILES)

    def unlock() -> Vault:
        raise AssertionError("the vault should not be opened")

    connection = resolve_connection(environ=ENV, config_path=path, vault=unlock)
    assert connection.auth_token == ENV_TOKEN


def test_vault_reference_without_a_vault_says_how_to_unlock(write_config: WriteConfig) -> None:
    """A vault:NAME reference with no vault explains which variable unlocks it."""
    path = write_config(PROFILES)
    with pytest.raises(ConfigurationError) as caught:
        resolve_connection(environ={}, config_path=path)
    assert caught.value.field == "auth_token"
    assert "vault:dev-token" in caught.value.message
    assert caught.value.hint is not None
    assert "TWILIOKIT_VAULT_PASSPHRASE" in caught.value.hint


def test_missing_vault_entry_names_the_config_that_refers_to_it(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    """An unknown vault:NAME fails with the profile that refers to it."""
    path = write_config(PROFILES)
    empty = Vault.create(tmp_path / "empty.json", passphrase="pw", scrypt_n=2**14)
    with pytest.raises(VaultError) as caught:
        resolve_connection(environ={}, config_path=path, vault=empty)
    assert "[profiles.dev]" in caught.value.message
    assert "dev-token" in caught.value.message


@pytest.mark.usefixtures("no_default_config")
def test_a_bad_value_error_says_where_it_came_from_without_the_value() -> None:
    """A malformed TWILIO_AUTH_TOKEN is reported as coming from that variable, value hidden."""
    bad = ENV_TOKEN[:-2] + "zz"
    with pytest.raises(ConfigurationError) as caught:
        resolve_connection(environ={"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": bad})
    assert caught.value.message.startswith("env TWILIO_AUTH_TOKEN: auth_token")
    assert bad not in str(caught.value.to_dict())


def test_base64_credentials_in_a_profile(write_config: WriteConfig) -> None:
    """credentials_base64 in a profile supplies both the account SID and the token."""
    encoded = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    path = write_config(f'[profiles.default]\ncredentials_base64 = "{encoded}"\n')
    connection, sources = resolve_connection_with_sources(environ={}, config_path=path)
    assert connection.basic_auth() == (ACCOUNT, TOKEN)
    assert sources["auth_token"] == f"config {path} [profiles.default] (credentials_base64)"
    assert sources["account_sid"] == sources["auth_token"]


@pytest.mark.usefixtures("no_default_config")
def test_nothing_configured_explains_every_way_to_configure() -> None:
    """With no source at all, the error lists the variables and the config file."""
    with pytest.raises(ConfigurationError) as caught:
        resolve_connection(environ={"TWILIO_AUTH_TOKEN": "  "})
    assert caught.value.hint is not None
    assert "TWILIO_ACCOUNT_SID" in caught.value.hint
    assert "config file" in caught.value.hint


@pytest.mark.usefixtures("no_default_config")
def test_only_the_given_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolution ignores os.environ: the caller (an edge) passes the environment in."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError):
        resolve_connection(environ={})


def test_an_explicit_config_path_must_exist(tmp_path: Path) -> None:
    """A config file named explicitly but missing is an error, not silently skipped."""
    with pytest.raises(ConfigurationError, match="No config file"):
        resolve_connection(environ=ENV, config_path=tmp_path / "nope.toml")
    with pytest.raises(ConfigurationError, match="No config file"):
        resolve_connection(environ={**ENV, "TWILIOKIT_CONFIG": str(tmp_path / "nope.toml")})


@pytest.mark.usefixtures("no_default_config")
def test_asking_for_a_profile_without_a_config_file_is_an_error() -> None:
    """--profile with no config file at the default location says where it looked."""
    with pytest.raises(ConfigurationError, match="no config file") as caught:
        resolve_connection(environ=ENV, profile="prod")
    assert caught.value.field == "profile"


def test_unknown_override_field_is_rejected() -> None:
    """A misspelled override key fails instead of being ignored."""
    with pytest.raises(ConfigurationError) as caught:
        resolve_connection(environ=ENV, overrides={"base_uri": "http://x"})
    assert caught.value.field == "base_uri"
