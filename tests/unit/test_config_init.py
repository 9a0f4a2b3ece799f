"""The profile `twiliokit config init` writes into a config file, the rest kept as it was."""

from __future__ import annotations

import pytest

from twiliokit.cli.config_init import with_profile
from twiliokit.config_file import parse_config
from twiliokit.errors import ConfigurationError

VALUES = {"account_sid": "AC" + "1" * 32, "auth_token": "vault:twilio-dev"}
EXISTING = (
    """default_profile = "prod"

[profiles.prod]
account_sid = "AC"""
    + "2" * 32
    + """"
auth_token = "vault:twilio-prod"

[policy]
quiet_hours = "21:00-08:00"
"""
)


def test_a_new_file_gets_the_profile_as_default() -> None:
    """The first profile written to an empty file becomes default_profile."""
    config = parse_config(with_profile("", "dev", VALUES, replace=False))
    assert config.default_profile == "dev"
    assert dict(config.profiles["dev"].values) == VALUES


def test_other_profiles_and_sections_are_kept() -> None:
    """Adding a profile keeps the default, the other profiles and the other tables."""
    config = parse_config(with_profile(EXISTING, "dev", VALUES, replace=False))
    assert config.default_profile == "prod"
    assert set(config.profiles) == {"dev", "prod"}
    assert config.sections["policy"] == {"quiet_hours": "21:00-08:00"}


def test_an_existing_profile_is_replaced_only_when_asked() -> None:
    """The same name is refused (naming --force), and replaced with replace=True."""
    with pytest.raises(ConfigurationError, match="already has a profile 'prod'") as caught:
        with_profile(EXISTING, "prod", VALUES, replace=False)
    assert "--force" in (caught.value.hint or "")
    config = parse_config(with_profile(EXISTING, "prod", VALUES, replace=True))
    assert dict(config.profiles["prod"].values) == VALUES
    assert config.sections["policy"] == {"quiet_hours": "21:00-08:00"}


def test_values_are_escaped_as_toml_strings() -> None:
    """Quotes and backslashes in a value read back unchanged."""
    tricky = {**VALUES, "base_url": 'http://h/"x"\\y'}
    config = parse_config(with_profile("", "dev", tricky, replace=False))
    assert config.profiles["dev"].values["base_url"] == 'http://h/"x"\\y'
