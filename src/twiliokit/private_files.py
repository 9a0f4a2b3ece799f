"""Files only their owner may read: the API token, the vault and its key, config profiles,
the default ledger. What "private" means, and how such a file is written, in one place.

I/O helpers on the standard library only; each caller words its own errors.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["DIRECTORY_MODE", "FILE_MODE", "readable_by_others", "tighten", "write_private"]

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def readable_by_others(mode: int) -> bool:
    """Whether a file of ``mode`` (``st_mode``) lets its group or other users in. Only POSIX
    modes say who may read a file (Windows reports 0o666 for every writable one): ``False``
    elsewhere."""
    return os.name == "posix" and bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def tighten(path: Path, mode: int = FILE_MODE) -> None:
    """Drop group and other permissions from ``path`` if it has any (best effort: a file
    this user does not own is left alone)."""
    with contextlib.suppress(OSError):
        current = stat.S_IMODE(path.stat().st_mode)
        if current & (stat.S_IRWXG | stat.S_IRWXO):
            path.chmod(current & mode)


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once, mode 0600, in a directory made 0700 if
    missing: a reader sees the old file or the new one, never part of it, and a crash leaves
    one of them."""
    path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    # mkstemp creates the file with mode 0600 and O_EXCL (a name of its own, so two writers
    # never share it), in the same directory so that os.replace is an atomic rename on the
    # same file system.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, FILE_MODE)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    if os.name == "posix":
        # Make the rename itself durable.
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
