"""The pytest plugin costs nothing to load: pytest imports it in every run of every project
that has twiliokit installed, most of which never ask for the emulator."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points


def test_the_plugin_is_registered_with_pytest() -> None:
    """twiliokit's metadata declares the plugin under pytest's `pytest11` entry point group."""
    (plugin,) = [ep for ep in entry_points(group="pytest11") if ep.name == "twiliokit"]
    assert plugin.value == "twiliokit.pytest_plugin"


def test_loading_the_plugin_imports_no_emulator() -> None:
    """Importing the plugin loads neither the emulator nor httpx, starlette or pydantic."""
    code = (
        "import sys, twiliokit.pytest_plugin; "
        "print(sorted(m for m in ('httpx', 'starlette', 'pydantic', 'twiliokit.emulator')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
