"""The [compliance] table: defaults, every key, and clear errors for bad values."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest

from twiliokit.compliance import ComplianceSettings, QuietHours
from twiliokit.config_file import parse_config
from twiliokit.errors import ConfigurationError


def test_defaults_check_opt_outs_and_the_window_only() -> None:
    """With no [compliance] table, opt-outs and the WhatsApp window are on, nothing else."""
    settings = ComplianceSettings.from_config(parse_config(""))
    assert settings == ComplianceSettings()
    assert (settings.opt_outs, settings.whatsapp_window) == (True, True)
    assert settings.quiet_hours is None
    assert settings.allowed_countries is None
    assert settings.daily_cap is None


def test_every_key_is_read_from_the_config_file() -> None:
    """A full [compliance] table becomes the matching settings."""
    config = parse_config(
        """
        [compliance]
        opt_outs = true
        whatsapp_window = false
        quiet_hours_start = "21:30"
        quiet_hours_end = 08:00:00
        fallback_timezone = "America/New_York"
        allowed_countries = ["us", "CA"]
        daily_cap = 5
        """,
        path=Path("/etc/twiliokit.toml"),
    )
    settings = ComplianceSettings.from_config(config)
    assert settings.whatsapp_window is False
    assert settings.quiet_hours == QuietHours(
        start=time(21, 30), end=time(8), fallback_timezone="America/New_York"
    )
    assert settings.allowed_countries == frozenset({"US", "CA"})
    assert settings.daily_cap == 5
    assert settings.source == "[compliance] of /etc/twiliokit.toml"


@pytest.mark.parametrize(
    ("table", "field", "words"),
    [
        ({"quiet_hours": "21:00-08:00"}, "compliance.quiet_hours", "unknown key"),
        ({"quiet_hours_start": "21:00"}, "compliance.quiet_hours_end", "not quiet_hours_end"),
        ({"quiet_hours_start": "9pm", "quiet_hours_end": "08:00"}, "quiet_hours_start", "HH:MM"),
        ({"quiet_hours_start": "25:00", "quiet_hours_end": "08:00"}, "quiet_hours_start", "HH:MM"),
        ({"quiet_hours_start": 21, "quiet_hours_end": "08:00"}, "quiet_hours_start", "HH:MM"),
        ({"quiet_hours_start": "08:00", "quiet_hours_end": "08:00"}, "quiet_hours_start", "empty"),
        ({"fallback_timezone": "Mars/Olympus"}, "fallback_timezone", "not a known time zone"),
        ({"allowed_countries": "US"}, "allowed_countries", "list"),
        ({"allowed_countries": []}, "allowed_countries", "refuse every send"),
        ({"allowed_countries": ["UK"]}, "allowed_countries", "not an ISO 3166"),
        ({"daily_cap": 0}, "daily_cap", "at least 1"),
        ({"daily_cap": True}, "daily_cap", "at least 1"),
        ({"opt_outs": "yes"}, "opt_outs", "true or false"),
    ],
)
def test_bad_values_name_the_key_and_the_fix(table: dict[str, Any], field: str, words: str) -> None:
    """Each mistake is a ConfigurationError naming the key, with a hint."""
    with pytest.raises(ConfigurationError) as caught:
        ComplianceSettings.from_section(table)
    assert caught.value.field == field
    assert words in caught.value.message
    assert caught.value.hint


def test_uk_is_corrected_to_gb() -> None:
    """The common mistake UK gets a hint pointing at GB."""
    with pytest.raises(ConfigurationError) as caught:
        ComplianceSettings.from_section({"allowed_countries": ["UK"]})
    assert "GB" in (caught.value.hint or "")


def test_the_section_must_be_a_table() -> None:
    """compliance = "strict" is refused, naming the table."""
    with pytest.raises(ConfigurationError) as caught:
        ComplianceSettings.from_section("strict")  # type: ignore[arg-type]
    assert caught.value.field == "compliance"


def test_settings_built_in_python_are_checked_too() -> None:
    """ComplianceSettings(...) in code checks its values like the config file does."""
    with pytest.raises(ConfigurationError):
        ComplianceSettings(daily_cap=-1)
    with pytest.raises(ConfigurationError):
        QuietHours(start="22:00", end="22:00")  # type: ignore[arg-type]
    assert QuietHours(start="22:00", end="06:00").describe() == "22:00-06:00"  # type: ignore[arg-type]
