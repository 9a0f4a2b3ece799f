"""The package's public surface."""

from __future__ import annotations

import twiliokit


def test_version_is_exposed() -> None:
    """The installed package reports its version."""
    assert twiliokit.__version__.count(".") == 2
