"""The TOML config file: profiles, default profile, free sections, and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from twiliokit.config_file import Config, default_config_path, parse_config
from twiliokit.errors import ConfigurationError

TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"

CONFIG = f"""
default_profile = "dev"

[profiles.dev]
account_sid = "AC0123456789abcdef0123456789abcdef"
auth_token = "{TOKEN}"
base_url = "http://127.0.0.1:8787"

[profiles.prod]
account_sid = "AC0123456789abcdef0123456789abcdef"
api_key_sid = "SKfedcba9876543210fedcba9876543210"
api_key_secret = "vault:twilio-prod-key"
region = "ie1"

[policy]
quiet_hours = "21:00-08:00"
countries = ["US", "GB"]
"""


def test_profiles_default_profile_and_free_sections_are_parsed() -> None:
    """Profiles become Profile objects; any other table is kept as-is in sections."""
    config = parse_config(CONFIG, path=Path("config.toml"))
    assert config.default_profile == "dev"
    assert sorted(config.profiles) == ["dev", "prod"]
    assert config.profile("prod").values["region"] == "ie1"
    assert config.sections["policy"] == {"quiet_hours": "21:00-08:00", "countries": ["US", "GB"]}


def test_profile_repr_masks_plaintext_secrets_but_shows_vault_references() -> None:
    """A profile's repr hides a token written in the file and shows vault:NAME references."""
    config = parse_config(CONFIG)
    assert TOKEN not in repr(config.profile("dev"))
    assert TOKEN not in repr(config)
    assert "vault:twilio-prod-key" in repr(config.profile("prod"))
    assert config.profile("dev").plaintext_secrets() == ["auth_token"]
    assert config.profile("prod").plaintext_secrets() == []


@pytest.mark.parametrize(
    ("text", "field", "fix"),
    [
        ("[profiles.dev]\nauth_tokn = 'x'\n", "profiles.dev.auth_tokn", "Allowed keys"),
        ("[profiles.dev]\nregion = 1\n", "profiles.dev.region", "Quote it"),
        ("[profiles.dev]\nauth_token = 'vault:'\n", "profiles.dev.auth_token", "vault:NAME"),
        ("default_profile = 'missing'\n[profiles.dev]\n", "default_profile", "dev"),
        ("profiles = 'dev'\n", "profiles", "[profiles.NAME]"),
        ("[profiles.'bad name']\n", "profile", "letters, digits"),
    ],
    ids=["unknown-key", "not-a-string", "empty-vault-ref", "bad-default", "not-tables", "bad-name"],
)
def test_config_mistakes_name_the_key_and_the_fix(text: str, field: str, fix: str) -> None:
    """Typos and wrong types fail with the offending key and how to correct it."""
    with pytest.raises(ConfigurationError) as caught:
        parse_config(text, path=Path("/etc/twiliokit.toml"))
    assert caught.value.field == field
    assert caught.value.hint is not None
    assert fix in caught.value.hint


def test_invalid_toml_error_gives_the_position_but_not_the_line() -> None:
    """A syntax error names the file and position and never echoes the (secret) content."""
    with pytest.raises(ConfigurationError) as caught:
        parse_config(f"[profiles.dev]\nauth_token = {TOKEN}\n", path=Path("c.toml"))
    assert "c.toml" in caught.value.message
    assert "line 2" in caught.value.message
    assert TOKEN not in str(caught.value)


def test_missing_profile_lists_the_ones_that_exist() -> None:
    """Asking for an unknown profile says which profiles there are."""
    with pytest.raises(ConfigurationError) as caught:
        parse_config(CONFIG).profile("staging")
    assert caught.value.field == "profile"
    assert caught.value.hint is not None
    assert "dev, prod" in caught.value.hint


def test_config_path_comes_from_twiliokit_config_or_the_user_config_dir() -> None:
    """TWILIOKIT_CONFIG names the file; otherwise it is twiliokit/config.toml."""
    assert default_config_path({"TWILIOKIT_CONFIG": "/srv/tk.toml"}) == Path("/srv/tk.toml")
    default = default_config_path({})
    assert default.parts[-2:] == ("twiliokit", "config.toml")


def test_empty_config_has_no_profiles() -> None:
    """An empty file is a valid config with nothing in it."""
    assert parse_config("") == Config()
