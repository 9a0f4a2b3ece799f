"""The installed `twiliokit` command run as a user runs it: a subprocess of `.venv/bin/twiliokit`
whose environment holds only what a user would set (credentials, TWILIOKIT_* variables, a
config file) plus PATH and a HOME and XDG directories inside the test's own tmp_path, against
the emulator over real HTTP.

``user`` is the entry point: ``user("sms", "send", TO, "hi", "--json")`` runs the command and
returns the finished process; ``user.config(TOML)`` writes the config file TWILIOKIT_CONFIG
names; ``user.ledger_url`` is the SQLite ledger TWILIOKIT_DATABASE_URL names.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult

from tests.helpers.ledger import read_ledger
from twiliokit.emulator.testing import RunningEmulator

#: The installed console script, next to the interpreter running the tests.
TWILIOKIT = Path(sys.executable).with_name("twiliokit")
#: The longest one command may take (a loaded two-core machine is slow to start Python).
COMMAND_TIMEOUT = 120


@pytest.fixture(scope="session")
def installed_twiliokit() -> Path:
    """The `twiliokit` executable the package installed (fails clearly when it is missing)."""
    assert TWILIOKIT.is_file(), f"{TWILIOKIT} is missing: install the package (make test does)"
    return TWILIOKIT


@pytest.fixture(scope="session")
def migrated_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite ledger migrated once per session; each test starts from a copy of it, so the
    commands under test do not each pay for creating the schema."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"
    read_ledger(f"sqlite:///{path}", _nothing)
    return path


async def _nothing(_: object) -> None:
    return None


@dataclass
class User:
    """A user's shell: the environment they set and the command they run."""

    executable: Path
    home: Path
    env: dict[str, str]
    ledger_path: Path
    emulator: RunningEmulator

    @property
    def ledger_url(self) -> str:
        """The ledger TWILIOKIT_DATABASE_URL names."""
        return f"sqlite:///{self.ledger_path}"

    def __call__(
        self, *args: str, env: Mapping[str, str | None] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `twiliokit ARGS`; ``env`` adds (or, with ``None``, removes) variables."""
        environment = dict(self.env)
        for name, value in (env or {}).items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        return subprocess.run(
            [str(self.executable), *args],
            env=environment,
            cwd=self.home,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=COMMAND_TIMEOUT,
        )

    def json(self, *args: str, env: Mapping[str, str | None] | None = None) -> Any:
        """Run a command that prints JSON and succeeds; fails the test with its output if not."""
        done = self(*args, env=env)
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return json.loads(done.stdout)

    @asynccontextmanager
    async def mcp_session(self) -> AsyncIterator[ClientSession]:
        """`twiliokit mcp` in this environment, as the MCP SDK's stdio client talks to it
        (its stderr goes to mcp.log in the home folder)."""
        server = StdioServerParameters(command=str(self.executable), args=["mcp"], env=self.env)
        with (self.home / "mcp.log").open("w") as log:
            async with (
                stdio_client(server, errlog=log) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                yield session

    def config(self, text: str) -> Path:
        """Write the config file TWILIOKIT_CONFIG names."""
        path = self.home / "twiliokit.toml"
        path.write_text(text, encoding="utf-8")
        self.env["TWILIOKIT_CONFIG"] = str(path)
        return path


def tool_answer(result: CallToolResult) -> dict[str, Any]:
    """An MCP tool's JSON answer (its text content)."""
    first = result.content[0]
    assert first.type == "text"
    content: dict[str, Any] = json.loads(first.text)
    return content


@pytest.fixture
def user(
    installed_twiliokit: Path,
    migrated_ledger: Path,
    emulator: RunningEmulator,
    tmp_path: Path,
) -> User:
    """A clean environment on the reset emulator, a fresh ledger in TWILIOKIT_DATABASE_URL."""
    home = tmp_path / "home"
    home.mkdir()
    ledger = tmp_path / "ledger.sqlite3"
    shutil.copyfile(migrated_ledger, ledger)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIO_PHONE_NUMBER": emulator.phone_number,
        "TWILIOKIT_BASE_URL": emulator.base_url,
        "TWILIOKIT_DATABASE_URL": f"sqlite:///{ledger}",
    }
    return User(installed_twiliokit, home, env, ledger, emulator)


def emulator_messages(emulator: RunningEmulator) -> list[dict[str, Any]]:
    """The emulator's messages for the development account, newest first (read over HTTP,
    without the client under test)."""
    auth = (emulator.account_sid, emulator.auth_token)
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json"
    response = httpx.get(emulator.base_url + path, params={"PageSize": 1000}, auth=auth)
    response.raise_for_status()
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages
