"""A SQLite ledger's files are private: they hold message bodies and phone numbers.

The directory twiliokit creates for it is 0700 and the database file 0600, created by
twiliokit before SQLite opens it (SQLite would create it 0644). SQLite gives the ``-wal``
and ``-shm`` files the database file's mode, so they are private too. The default ledger
(in the user data directory) is twiliokit's own: one that an earlier version left readable
by others is tightened when opened. A file or directory the user chose and created is left
as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

from twiliokit.errors import StorageError
from twiliokit.ledger.urls import default_ledger_path
from twiliokit.private_files import DIRECTORY_MODE, FILE_MODE, tighten

__all__ = ["prepare_sqlite_file"]

_COMPANIONS = ("-wal", "-shm", "-journal")


def prepare_sqlite_file(path: Path) -> None:
    """Create ``path``'s directory (0700) and an empty database file (0600) if missing;
    tighten the default ledger's. StorageError, naming the path, when that is impossible."""
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
    except OSError as exc:
        raise StorageError(
            f"cannot create the ledger directory {directory} ({exc.strerror})",
            hint="choose another ledger URL, or fix the directory's permissions",
        ) from exc
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        pass  # already there (or another process created it just now)
    except OSError as exc:
        raise StorageError(
            f"cannot create the ledger file {path} ({exc.strerror})",
            hint="choose another ledger URL, or fix the directory's permissions",
        ) from exc
    else:
        os.close(descriptor)  # an empty file is an empty SQLite database
    if _same(path, default_ledger_path()):
        tighten(directory, DIRECTORY_MODE)
        for name in ("", *_COMPANIONS):
            tighten(Path(f"{path}{name}"), FILE_MODE)


def _same(path: Path, other: Path) -> bool:
    try:
        return path.resolve() == other.resolve()
    except OSError:
        return False
