"""`twiliokit serve --workers 2`: two processes behind one address record signed webhooks in
one ledger (each once), answer MCP without sessions, and stop together."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from twilio.request_validator import RequestValidator

from tests.acceptance.surfaces.conftest import TWILIOKIT, emulator_environment, structured
from tests.helpers.worker_apps import running, stop, worker_pids
from twiliokit.cli import main
from twiliokit.emulator.testing import RunningEmulator

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

API_TOKEN = "workers-token-0123456789abcdef"
CONTACT = "+14155550123"


@contextlib.contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`twiliokit serve ARGS` on a free port; yields (process, base URL) once it is ready."""
    process = subprocess.Popen(
        [TWILIOKIT, "serve", "--port", "0", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = None
        for line in process.stdout:
            if line.strip().startswith("webhooks:"):
                url = line.split()[1].removesuffix("/webhooks/twilio/...")
            if line.strip() == "Ctrl-C to stop.":
                break
        assert url is not None, "serve exited before it was ready"
        yield process, url
    finally:
        stop(process)


def inbound(n: int) -> dict[str, str]:
    return {
        "MessageSid": f"SM{n:032x}",
        "AccountSid": "AC" + "0" * 32,
        "From": CONTACT,
        "To": "+15005550006",
        "Body": f"message {n}",
        "NumMedia": "0",
    }


async def test_two_workers_record_each_webhook_once_and_serve_mcp(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """Signed inbound messages, each sent twice on fresh connections, land once each in the
    shared ledger whichever worker took them; forged ones are refused; an MCP client reads
    the conversation; SIGINT stops everything with exit 0."""
    env = {**emulator_environment(emulator, tmp_path), "TWILIOKIT_API_TOKEN": API_TOKEN}
    ledger = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    with serving(env, "--workers", "2", "--db", ledger) as (process, url):
        workers = worker_pids(process.pid)
        assert len(workers) == 2
        target = f"{url}/webhooks/twilio/messaging"
        validator = RequestValidator(emulator.auth_token)
        # No keep-alive: each request is a new connection, which the kernel gives to either.
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits) as http:
            for n in [*range(12), *range(12)]:
                params = inbound(n)
                signature = validator.compute_signature(target, params)
                answer = await http.post(
                    target, data=params, headers={"X-Twilio-Signature": signature}
                )
                assert answer.status_code == 200, answer.text
            forged = await http.post(
                target, data=inbound(99), headers={"X-Twilio-Signature": "bm90IGl0"}
            )
            assert forged.status_code == 403
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {API_TOKEN}"}) as mcp_http,
            Client(streamable_http_client(f"{url}/mcp", http_client=mcp_http)) as client,
        ):
            result = await client.call_tool("get_conversation", {"contact": CONTACT})
        conversation = structured(result)
        bodies = sorted(item["body"] for item in conversation["messages"])
        assert bodies == sorted(f"message {n}" for n in range(12))
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert process.stderr is not None
        assert "the ledger is SQLite, which takes one writer at a time" in process.stderr.read()
    assert not any(running(pid) for pid in workers)


def test_workers_are_refused_with_the_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve --emulator --workers 2` exits 2 naming --workers: the emulator lives in one
    process."""
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--emulator", "--workers", "2", "--port", "0"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--workers cannot be used with --emulator" in err
    assert "Traceback" not in err


def test_workers_are_refused_with_an_in_memory_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve --workers 2 --db memory://` exits 2: each worker would keep its own ledger."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "0123456789abcdef" * 2)
    monkeypatch.setenv("TWILIOKIT_API_TOKEN", API_TOKEN)
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--workers", "2", "--db", "memory://", "--port", "0"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--workers needs a shared ledger" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "environ", "named"),
    [
        (["serve", "--workers", "0"], {}, "--workers"),
        (["serve"], {"TWILIOKIT_WORKERS": "two"}, "--workers"),
    ],
)
def test_a_bad_worker_count_is_a_usage_error(
    argv: list[str],
    environ: dict[str, str],
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--workers 0`, or a non-number in TWILIOKIT_WORKERS, exits 2 in one line naming the
    option."""
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert named in err
