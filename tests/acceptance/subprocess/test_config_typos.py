"""A misspelt table in the config file stops the command: ignored, a misspelt
``[compliance]`` would turn off the rules it was written to set."""

from __future__ import annotations

import pytest

from tests.acceptance.subprocess.conftest import User, emulator_messages
from twiliokit.cli.output import EXIT_INPUT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_a_misspelt_compliance_table_stops_the_send(user: User) -> None:
    """`[complance]` is refused naming it and the table meant; nothing is sent."""
    user.config('[complance]\nallowed_countries = ["CA"]\n')
    done = user("sms", "send", "+14155552671", "hi")
    assert done.returncode == EXIT_INPUT, done.stdout + done.stderr
    assert "'complance'" in done.stderr
    assert "did you mean 'compliance'" in done.stderr
    assert emulator_messages(user.emulator) == []


def test_a_table_of_the_users_own_is_still_allowed(user: User) -> None:
    """A table twiliokit does not read and that looks like none of its own (``[policy]``,
    for the user's code) is kept, and the send goes."""
    user.config('[policy]\nquiet_hours = "21:00-08:00"\n')
    done = user("sms", "send", "+14155552671", "hi")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_table_named_like_a_flag_is_named_as_the_file_spells_it(user: User) -> None:
    """`[profile.dev]` is refused naming the table `profiles` to write, not the `--profile`
    flag; a misspelt key's allowed keys read as the file's keys (`base_url`, not a flag)."""
    user.config('[profile.dev]\naccount_sid = "AC00000000000000000000000000000000"\n')
    done = user("sms", "send", "+14155552671", "hi")
    assert done.returncode == EXIT_INPUT, done.stdout + done.stderr
    assert "did you mean 'profiles'" in done.stderr
    assert "--profile" not in done.stderr
    user.config('[profiles.default]\nauth_tokn = "x"\n')
    done = user("sms", "send", "+14155552671", "hi")
    assert done.returncode == EXIT_INPUT, done.stdout + done.stderr
    assert "auth_token, base_url," in done.stderr
    assert "--base-url" not in done.stderr
    assert emulator_messages(user.emulator) == []
