"""A SQLite ledger's file: checked before SQLite opens it, and private.

Checked: SQLite's own errors say "unable to open database file" or "file is not a database"
without the path, so the path is looked at first and a problem is said in plain words (a
directory, a device, another kind of file, a directory that does not exist). Only the default
ledger's directory (in the user data directory, twiliokit's own) is created; a path the user
gave must be in a directory that exists, so that a mistyped path is refused rather than
creating directories nobody asked for.

Private: the files hold message bodies and phone numbers. The directory twiliokit creates for
it is 0700 and the database file 0600, created by twiliokit before SQLite opens it (SQLite
would create it 0644). SQLite gives the ``-wal`` and ``-shm`` files the database file's mode,
so they are private too. The default ledger is twiliokit's own: one that an earlier version
left readable by others is tightened when opened. A file or directory the user chose and
created is left as it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from twiliokit.errors import LedgerLocationError
from twiliokit.ledger.urls import default_ledger_path
from twiliokit.private_files import DIRECTORY_MODE, FILE_MODE, tighten

__all__ = ["SQLITE_HEADER", "prepare_sqlite_file"]

_COMPANIONS = ("-wal", "-shm", "-journal")

#: The first bytes of every SQLite 3 database file (an empty file is an empty database).
SQLITE_HEADER: Final = b"SQLite format 3\x00"

_PERMISSIONS_HINT = "Choose another ledger URL, or fix the directory's permissions."
_FILE_HINT = (
    "Give the path of a SQLite ledger file, or of a file to create in an existing directory."
)


def prepare_sqlite_file(path: Path) -> None:
    """Check ``path`` and create an empty database file (0600) if missing; create the default
    ledger's directory (0700) and tighten its files. LedgerLocationError (a StorageError,
    field ``ledger_url``), naming the path and what is wrong with it, when the path cannot be
    a SQLite ledger."""
    default = _same(path, default_ledger_path())
    directory = path.parent
    if default:
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
        except OSError as exc:
            raise _error(
                f"cannot create the ledger directory {directory} ({_strerror(exc)})",
                _PERMISSIONS_HINT,
            ) from exc
    else:
        _check_directory(directory)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        _check_existing(path)  # already there (or another process created it just now)
    except OSError as exc:  # (an existing directory is FileExistsError, judged above)
        raise _error(
            f"cannot create the ledger file {path} ({_strerror(exc)})", _PERMISSIONS_HINT
        ) from exc
    else:
        os.close(descriptor)  # an empty file is an empty SQLite database
    if default:
        tighten(directory, DIRECTORY_MODE)
        for name in ("", *_COMPANIONS):
            tighten(Path(f"{path}{name}"), FILE_MODE)


def _check_directory(directory: Path) -> None:
    """The directory of a ledger path the user gave exists and is one."""
    try:
        found = directory.stat()
    except FileNotFoundError:
        raise _error(
            f"the directory {directory} does not exist",
            f"Create it first (mkdir -p {directory}), or give a path in an existing directory.",
        ) from None
    except OSError as exc:
        raise _error(
            f"cannot use the directory {directory} ({_strerror(exc)})", _PERMISSIONS_HINT
        ) from exc
    if not stat.S_ISDIR(found.st_mode):
        raise _error(f"{directory} is not a directory", _FILE_HINT)


def _check_existing(path: Path) -> None:
    """An existing ``path`` is a regular file that is empty or starts like a SQLite database."""
    try:
        found = path.stat()
        if stat.S_ISDIR(found.st_mode):
            raise _error(f"{path} is a directory, not a SQLite database file", _FILE_HINT)
        if not stat.S_ISREG(found.st_mode):
            raise _error(f"{path} is not a regular file, so not a SQLite database", _FILE_HINT)
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise _error(
            f"cannot read the ledger file {path} ({_strerror(exc)})", _PERMISSIONS_HINT
        ) from exc
    if head and head != SQLITE_HEADER:
        raise _error(
            f"{path} is not a SQLite database",
            "Give the path of a SQLite ledger twiliokit created, or of a new file; this file "
            "was left as it is.",
        )


def _error(message: str, hint: str) -> LedgerLocationError:
    return LedgerLocationError(message, hint=hint, field="ledger_url")


def _strerror(exc: OSError) -> str:
    return (exc.strerror or "unusable").lower()


def _same(path: Path, other: Path) -> bool:
    try:
        return path.resolve() == other.resolve()
    except OSError:
        return False
