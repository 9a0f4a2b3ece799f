"""Private files: what counts as readable by others, and a private write that replaces a file
whole, 0600, in a 0700 directory, leaving no temporary file behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from twiliokit.private_files import readable_by_others, tighten, write_private

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@posix_only
@pytest.mark.parametrize(
    ("mode", "readable"),
    [(0o600, False), (0o400, False), (0o640, True), (0o604, True), (0o660, True)],
)
def test_a_file_is_readable_by_others_when_its_group_or_others_have_any_bit(
    mode: int, readable: bool
) -> None:
    """0600 and 0400 are private; any bit for the group or others is not."""
    assert readable_by_others(stat.S_IFREG | mode) is readable


@posix_only
def test_write_private_replaces_a_file_whole_with_owner_only_modes(tmp_path: Path) -> None:
    """A file written into a new directory is 0600 there, the directory 0700; writing again
    replaces the content (a readable old file becomes 0600) and leaves no temporary file."""
    path = tmp_path / "new" / "secret.toml"
    write_private(path, b"first")
    assert path.read_bytes() == b"first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)
    write_private(path, b"second")
    assert path.read_bytes() == b"second"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret.toml"]


@posix_only
def test_tighten_drops_group_and_other_bits_only(tmp_path: Path) -> None:
    """A 0664 file becomes 0600; a 0400 file stays 0400; a missing one is no error."""
    loose, strict = tmp_path / "loose", tmp_path / "strict"
    loose.write_text("x")
    strict.write_text("x")
    loose.chmod(0o664)
    strict.chmod(0o400)
    tighten(loose)
    tighten(strict)
    tighten(tmp_path / "missing")
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    assert stat.S_IMODE(strict.stat().st_mode) == 0o400
