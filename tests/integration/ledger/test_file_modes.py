"""A SQLite ledger holds message bodies and phone numbers: its directory, database file and
-wal/-shm files are readable by their owner only, as the vault is."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from twiliokit.ledger import default_ledger_path, open_ledger

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    """A umask that lets others read new files (a common default), so the modes checked
    are twiliokit's doing."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private user data directory (platformdirs reads XDG_DATA_HOME on Linux)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_default_ledger_and_its_wal_files_are_private(data_home: Path) -> None:
    """Opening the default ledger creates its directory 0700 and the database, -wal and
    -shm files 0600."""
    path = default_ledger_path()
    async with await open_ledger(None) as ledger:
        assert await ledger.claim("k", "test") is True
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        # WAL mode keeps -wal and -shm while the ledger is open (mode() fails if missing).
        assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    assert mode(path.parent) == 0o700


async def test_a_new_ledger_file_at_a_given_path_is_private(tmp_path: Path) -> None:
    """A sqlite:/// URL naming a new file in an existing directory creates the file private
    (and leaves the directory, the user's own, as it is)."""
    path = tmp_path / "ledger.db"
    directory = mode(tmp_path)
    async with await open_ledger(f"sqlite:///{path}") as ledger:
        assert await ledger.claim("k", "test") is True
        assert mode(Path(f"{path}-wal")) == 0o600
    assert (mode(path), mode(path.parent)) == (0o600, directory)


async def test_a_default_ledger_left_readable_is_tightened(data_home: Path) -> None:
    """A default ledger an earlier version created 0644 in a 0755 directory is made private
    when it is opened, and its records are kept."""
    path = default_ledger_path()
    async with await open_ledger(None) as ledger:
        assert await ledger.claim("kept", "test") is True
    path.chmod(0o644)
    path.parent.chmod(0o755)
    async with await open_ledger(None) as ledger:
        assert await ledger.claim("kept", "test") is False  # the same database
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)


async def test_a_users_own_readable_ledger_file_is_left_alone(tmp_path: Path) -> None:
    """A ledger file the user created elsewhere keeps the mode they gave it."""
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    async with await open_ledger(f"sqlite:///{path}") as ledger:
        assert await ledger.claim("k", "test") is True
    assert mode(path) == 0o640
