"""The package's public surface."""

from __future__ import annotations

import subprocess
import sys

import twiliokit


def test_version_is_exposed() -> None:
    """The installed package reports its version."""
    assert twiliokit.__version__.count(".") == 2


def test_all_is_sorted_and_every_name_resolves() -> None:
    """`__all__` is sorted, and each public name imports from where the package says it lives."""
    assert twiliokit.__all__ == sorted(twiliokit.__all__)
    for name in twiliokit.__all__:
        assert getattr(twiliokit, name) is not None, name
    assert set(twiliokit.__all__) - {"__version__"} == set(twiliokit._LOCATIONS)


def test_public_names_are_defined_where_they_live() -> None:
    """Every exported class or function is the object of its home module (no stale copies)."""
    for name, module in twiliokit._LOCATIONS.items():
        home = sys.modules.get(module) or __import__(module, fromlist=[name])
        assert getattr(home, name) is getattr(twiliokit, name)


def test_import_twiliokit_is_cheap() -> None:
    """`import twiliokit` loads neither httpx nor pydantic nor phonenumbers."""
    code = (
        "import sys, twiliokit; "
        "print(sorted(m for m in ('httpx', 'pydantic', 'phonenumbers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
