"""`twiliokit vault`: secrets in through stdin, never argv; out masked unless --reveal."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

import twiliokit.cli.vault  # noqa: F401  (registers the command group)
from twiliokit.cli.app import app

SECRET = "f00dfeedf00dfeedf00dfeedf00dfeed"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Environment pointing the CLI at a vault in tmp_path, unlocked by passphrase."""
    return {
        "TWILIOKIT_VAULT": str(tmp_path / "vault.json"),
        "TWILIOKIT_VAULT_PASSPHRASE": "correct horse",
    }


def _plain(text: str) -> str:
    """Help text without the box drawing and line wrapping rich adds."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_set_get_list_delete_round_trip_hides_the_secret(env: dict[str, str]) -> None:
    """A secret piped to `set` is stored; nothing prints it except `get --reveal`."""
    runner = CliRunner()
    stored = runner.invoke(app, ["vault", "set", "twilio-prod"], input=SECRET + "\n", env=env)
    assert stored.exit_code == 0, stored.output
    assert "Stored twilio-prod" in stored.output

    masked = runner.invoke(app, ["vault", "get", "twilio-prod"], env=env)
    listed = runner.invoke(app, ["vault", "list"], env=env)
    revealed = runner.invoke(app, ["vault", "get", "twilio-prod", "--reveal"], env=env)
    assert masked.stdout == "f00d…feed\n"
    assert listed.stdout == "twilio-prod\n"
    assert revealed.stdout == SECRET + "\n"
    for result in (stored, masked, listed):
        assert SECRET not in result.output

    deleted = runner.invoke(app, ["vault", "delete", "twilio-prod"], env=env)
    assert deleted.exit_code == 0
    assert runner.invoke(app, ["vault", "list"], env=env).stdout == ""


def test_set_has_no_way_to_take_the_secret_from_argv(env: dict[str, str]) -> None:
    """`vault set` offers only NAME positionally, and an extra argument (a secret typed on the
    command line) is refused without being repeated, and not stored."""
    command = typer.main.get_command(app)
    vault_group = command.commands["vault"]  # type: ignore[attr-defined]
    set_command = vault_group.commands["set"]
    positional = [
        p.name
        for p in set_command.params
        if p.param_type_name == "argument" and not getattr(p, "hidden", False)
    ]
    options = {opt for p in set_command.params for opt in getattr(p, "opts", [])}
    assert positional == ["name"]
    assert not {o for o in options if re.search("secret|value|token|passphrase|password", o)}

    result = CliRunner().invoke(app, ["vault", "set", "tok", SECRET], input="", env=env)
    assert result.exit_code == 2
    assert "does not take the secret on the command line" in result.output
    assert SECRET not in result.output
    assert not Path(env["TWILIOKIT_VAULT"]).exists()


def test_wrong_passphrase_is_one_line_on_stderr_with_exit_2(env: dict[str, str]) -> None:
    """A wrong passphrase prints one clear error line and no traceback."""
    runner = CliRunner()
    runner.invoke(app, ["vault", "set", "tok"], input=SECRET, env=env)
    result = runner.invoke(
        app, ["vault", "get", "tok"], env={**env, "TWILIOKIT_VAULT_PASSPHRASE": "wrong"}
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: Cannot open the vault")
    assert "wrong passphrase" in lines[0]
    assert "Traceback" not in result.output


def test_without_passphrase_or_terminal_it_fails_instead_of_waiting(
    env: dict[str, str],
) -> None:
    """With no passphrase variable and no terminal, `set` explains what to set and exits 2."""
    del env["TWILIOKIT_VAULT_PASSPHRASE"]
    result = CliRunner().invoke(app, ["vault", "set", "tok"], input=SECRET, env=env)
    assert result.exit_code == 2
    assert "TWILIOKIT_VAULT_PASSPHRASE" in result.stderr
    assert SECRET not in result.output


def test_key_file_from_the_environment_unlocks_the_vault(
    env: dict[str, str], tmp_path: Path
) -> None:
    """TWILIOKIT_VAULT_KEY_FILE replaces the passphrase."""
    key = tmp_path / "vault.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    keyed = {"TWILIOKIT_VAULT": env["TWILIOKIT_VAULT"], "TWILIOKIT_VAULT_KEY_FILE": str(key)}
    runner = CliRunner()
    assert runner.invoke(app, ["vault", "set", "tok"], input=SECRET, env=keyed).exit_code == 0
    assert runner.invoke(app, ["vault", "get", "tok", "--reveal"], env=keyed).stdout == (
        SECRET + "\n"
    )


def test_empty_stdin_and_missing_entries_are_clear_errors(env: dict[str, str]) -> None:
    """An empty secret, or an entry or vault that does not exist, exits 2 with a hint."""
    runner = CliRunner()
    missing_vault = runner.invoke(app, ["vault", "list"], env=env)
    assert missing_vault.exit_code == 2
    assert "There is no vault" in missing_vault.stderr
    empty = runner.invoke(app, ["vault", "set", "tok"], input="\n", env=env)
    assert empty.exit_code == 2
    assert "No secret was given" in empty.stderr
    runner.invoke(app, ["vault", "set", "tok"], input=SECRET, env=env)
    unknown = runner.invoke(app, ["vault", "delete", "nope"], env=env)
    assert unknown.exit_code == 2
    assert "no entry named 'nope'" in unknown.stderr


def test_help_names_the_environment_variable_behind_each_option() -> None:
    """--help shows (env: NAME) for the vault path, key file and passphrase."""
    runner = CliRunner()
    group_help = _plain(runner.invoke(app, ["vault", "--help"]).output)
    set_help = _plain(runner.invoke(app, ["vault", "set", "--help"]).output)
    assert "(env: TWILIOKIT_VAULT_PASSPHRASE;" in group_help
    assert "(env: TWILIOKIT_VAULT_KEY_FILE)" in group_help
    assert "(env: TWILIOKIT_VAULT)" in set_help
    assert "(env: TWILIOKIT_VAULT_KEY_FILE)" in set_help
