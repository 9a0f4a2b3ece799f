"""`twiliokit worker` as a user runs it: it sends what is queued, logs each item it finishes
without secrets, stops with exit 0 on SIGTERM, and refuses a bad configuration clearly."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.processes import TWILIOKIT, run
from twiliokit.client import AsyncClient
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import open_ledger

from .conftest import message_item, worker_env

pytestmark = pytest.mark.anyio


def _lines(stream: Any) -> queue.Queue[str | None]:
    """The stream's lines as they come (``None`` once it ends), read on a thread."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


@pytest.mark.parametrize("signals", [1, 2])
async def test_the_worker_command_sends_logs_and_stops_cleanly_on_sigterm(
    emulator: RunningEmulator, ledger_url: str, client: AsyncClient, tmp_path: Path, signals: int
) -> None:
    """A queued item is sent by `twiliokit worker`, which logs its id and outcome (never the
    auth token or the body) and exits 0 on SIGTERM, logging that it stopped; a second SIGTERM
    at once (as GNU timeout sends) does not cut that short."""
    to = "+14155550166"
    item = message_item(to, "private words", at=datetime.now(UTC))
    store = await open_ledger(ledger_url)
    await store.enqueue([item])
    await store.close()
    process = subprocess.Popen(  # noqa: ASYNC220 - read on threads, never blocking the loop
        [TWILIOKIT, "worker", "--db", ledger_url, "--concurrency", "2"],
        env=worker_env(emulator, tmp_path, base_url=emulator.base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = _lines(process.stdout), _lines(process.stderr)
    logged: list[str] = []
    try:
        assert (stdout.get(timeout=60) or "").startswith("twiliokit worker ")
        while (line := stderr.get(timeout=60)) is not None:
            logged.append(line)
            if item.id in line and ": sent SM" in line:
                break
        for _ in range(signals):
            process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    while (line := stderr.get(timeout=10)) is not None:
        logged.append(line)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    text = "\n".join(logged)
    assert f"{item.id} message from" in text
    assert emulator.auth_token not in text
    assert "private words" not in text
    assert "Traceback" not in text
    assert text.endswith(": stopped")
    assert [m.body async for m in client.iter_messages(to=to)] == ["private words"]


def test_the_worker_refuses_an_in_memory_ledger_and_a_bad_outbox_table(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """`--db memory://` and ``concurrency = 0`` in ``[outbox]`` are one-line errors naming the
    flag or key, exit 2, no traceback."""
    env = worker_env(emulator, tmp_path, base_url=emulator.base_url)
    memory = run("worker", "--db", "memory://", env=env)
    assert memory.returncode == 2
    assert "shared ledger" in memory.stderr
    assert "Traceback" not in memory.stderr
    config = tmp_path / "config.toml"
    config.write_text("[outbox]\nconcurrency = 0\n")
    bad = run("worker", "--db", f"sqlite:///{tmp_path / 'l.db'}", "--config", str(config), env=env)
    assert bad.returncode == 2
    assert "concurrency" in bad.stderr
    assert "Traceback" not in bad.stderr
