"""`make run`, the main job, from the repository: the service on the built-in emulator."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shlex
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@contextlib.contextmanager
def make_run(home: Path) -> Iterator[list[str]]:
    """Start `make run ARGS=--port 0`; yield the guide it prints once ready; stop it after."""
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}
    process = subprocess.Popen(
        ["make", "-s", "run", "ARGS=--port 0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    guide: list[str] = []
    try:
        while not guide or guide[-1] != "Ctrl-C to stop.":
            line = lines.get(timeout=120)
            if line is None:
                raise AssertionError("make run exited early:\n" + "\n".join(guide))
            guide.append(line)
        yield guide
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        reader.join(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def run_curl(command: str) -> str:
    """Run a printed curl line (with curl when installed, else the same request with httpx)."""
    if shutil.which("curl"):
        done = subprocess.run(shlex.split(command), capture_output=True, text=True, check=True)
        return done.stdout
    words = shlex.split(command)[1:]
    headers, data, url = {}, None, ""
    while words:
        word = words.pop(0)
        if word == "-H":
            name, _, value = words.pop(0).partition(": ")
            headers[name] = value
        elif word == "-d":
            data = words.pop(0)
        elif not word.startswith("-"):
            url = word
    return httpx.post(url, headers=headers, content=data).text


def after(guide: list[str], heading: str) -> str:
    return guide[guide.index(heading) + 1].strip()


def test_make_run_serves_and_the_printed_curl_delivers(tmp_path: Path) -> None:
    """`make run` comes up; its printed curl sends an SMS via the emulator; status callbacks
    arrive in the ledger and the message ends delivered."""
    with make_run(tmp_path) as guide:
        token = next(line.split()[-1] for line in guide if "API token:" in line)
        api = next(line.split()[2] for line in guide if "HTTP API:" in line)
        base = api.removesuffix("/v1/actions")
        sent = json.loads(
            run_curl(
                after(
                    guide,
                    "Send an SMS (through the emulator; delivery status comes back to the ledger):",
                )
            )
        )
        assert sent["status"] == "queued"
        assert sent["to"] == "+14155550123"
        auth = {"Authorization": f"Bearer {token}"}
        waited = httpx.post(
            f"{base}/v1/actions/wait_for_delivery",
            headers=auth,
            json={"sid": sent["sid"], "timeout_seconds": 60},
            timeout=90,
        )
        assert waited.status_code == 200, waited.text
        assert waited.json()["status"] == "delivered"
        events = httpx.get(f"{base}/v1/messages/{sent['sid']}/events", headers=auth).json()
        from_callbacks = [e["status"] for e in events["events"] if e["source"] == "callback"]
        assert "delivered" in from_callbacks
        conversation = httpx.get(f"{base}/v1/conversations/+14155550123", headers=auth).json()
        bodies = [m["body"] for m in conversation["messages"]]
        assert "Hi! Is my order on its way?" in bodies  # the seeded demo message
