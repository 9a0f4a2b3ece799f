"""`twiliokit serve` serves the console (the installed command as a subprocess): the guide
prints its address, the API token signs in, the emulator's handset is there; `--no-console`
turns it off."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from tests.helpers.processes import running
from tests.integration.console.conftest import TOKEN
from tests.integration.console.html import parse

pytestmark = pytest.mark.slow

_CONSOLE = re.compile(r"console:\s+(http://\S+)/console\s")


def _env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "LANG": "C.UTF-8",
        "TWILIOKIT_API_TOKEN": TOKEN,
    }


def test_serve_on_the_emulator_prints_the_console_and_serves_it(tmp_path: Path) -> None:
    """The guide names the console's address; there a browser signs in with the API token
    (the token never in a URL) and finds the handset page."""
    args = ("serve", "--emulator", "--port", "0")
    with running(*args, env=_env(tmp_path), ready="Ctrl-C to stop.", timeout=120) as (_, out):
        found = _CONSOLE.search("\n".join(out.stdout) + "\n")
        assert found is not None, out.stdout
        with httpx.Client(base_url=found.group(1), timeout=30) as browser:
            assert browser.get("/console").headers["location"] == "/console/sign-in"
            form = parse(browser.get("/console/sign-in").text).one("form", id="sign-in")
            csrf = form.one("input", name="csrf_token").attrs["value"]
            signed = browser.post("/console/sign-in", data={"csrf_token": csrf, "token": TOKEN})
            assert signed.status_code == 303
            assert TOKEN not in signed.headers["location"]
            handset = browser.get("/console/handset")
            assert handset.status_code == 200
            assert parse(handset.text).one("form", id="handset")


def test_serve_with_no_console_serves_none(tmp_path: Path) -> None:
    """With --no-console the guide has no console line and /console is not a page (the API's
    token check answers instead)."""
    args = ("serve", "--emulator", "--port", "0", "--no-console")
    with running(*args, env=_env(tmp_path), ready="Ctrl-C to stop.", timeout=120) as (_, out):
        guide = "\n".join(out.stdout)
        assert "console:" not in guide
        api = re.search(r"HTTP API:\s+(http://\S+)/v1/actions", guide)
        assert api is not None, guide
        response = httpx.get(f"{api.group(1)}/console/sign-in", timeout=30)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/json")
