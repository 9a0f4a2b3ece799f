"""`twiliokit serve` as a subprocess: it shows the API token only on the run that generated
it, reports a configuration error as itself even when its port is taken, and applies its
connection bounds (--request-timeout) to a real slow client."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import httpx
import pytest

from tests.helpers.processes import TWILIOKIT, run, running

pytestmark = pytest.mark.slow

ACCOUNT = "AC" + "0" * 32
AUTH_TOKEN = "0123456789abcdef" * 2
API_TOKEN = "operator-chosen-api-token-7d1e4b"
READY = "Ctrl-C to stop."


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Credentials to sign webhooks with, and the test's own config and data dirs."""
    return {
        "PATH": f"{Path(TWILIOKIT).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "LANG": "C.UTF-8",
        **extra,
    }


def test_a_token_from_the_environment_is_never_printed(tmp_path: Path) -> None:
    """With TWILIOKIT_API_TOKEN set, nothing serve prints contains it; the guide refers to the
    variable instead."""
    env = environment(tmp_path, TWILIOKIT_API_TOKEN=API_TOKEN)
    with running("serve", "--port", "0", "--db", "memory://", env=env, ready=READY) as (_, out):
        pass
    assert API_TOKEN not in out.everything
    assert "$TWILIOKIT_API_TOKEN" in "\n".join(out.stdout)


def test_a_generated_token_is_shown_on_the_first_run_only(tmp_path: Path) -> None:
    """The run that generates the token shows it; the next run, using the kept token, shows
    where it is kept instead of the token."""
    env = environment(tmp_path)
    kept = tmp_path / "config" / "twiliokit" / "api-token"
    args = ("serve", "--port", "0", "--db", "memory://")
    with running(*args, env=env, ready=READY) as (_, first):
        token = kept.read_text().strip()
    with running(*args, env=env, ready=READY) as (_, second):
        pass
    assert token in first.everything
    assert token not in second.everything
    assert str(kept) in "\n".join(second.stdout)


@pytest.fixture
def taken_port() -> socket.socket:
    """A port another process is listening on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


@pytest.mark.parametrize(
    ("config", "extra", "named"),
    [
        ("[webhooks]\npublic_url = 3\n", {}, "[webhooks]"),
        ("", {"TWILIO_AUTH_TOKEN": ""}, "auth token"),
    ],
)
def test_a_config_error_is_reported_even_when_the_port_is_taken(
    tmp_path: Path, taken_port: socket.socket, config: str, extra: dict[str, str], named: str
) -> None:
    """serve checks its configuration before binding: a bad [webhooks] table or a missing
    auth token is reported as such (exit 2), not as "address already in use"."""
    path = tmp_path / "config.toml"
    path.write_text(config)
    port = str(taken_port.getsockname()[1])
    with taken_port:
        done = run(
            "serve", "--port", port, "--config", str(path), env=environment(tmp_path, **extra)
        )
    assert done.returncode == 2
    assert named in done.stderr
    assert "in use" not in done.stderr


def test_a_taken_port_is_still_a_clear_error(tmp_path: Path, taken_port: socket.socket) -> None:
    """With a good configuration, a taken port is reported naming --port."""
    port = str(taken_port.getsockname()[1])
    with taken_port:
        done = run("serve", "--port", port, "--db", "memory://", env=environment(tmp_path))
    assert done.returncode == 2
    assert "--port" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_answers_a_slow_request_408_and_logs_no_error(tmp_path: Path) -> None:
    """With --request-timeout, a request whose body stalls is answered 408 and closed, and
    the server's log has no error or traceback for it."""
    env = environment(tmp_path, TWILIOKIT_API_TOKEN=API_TOKEN)
    args = ("serve", "--port", "0", "--db", "memory://", "--request-timeout", "0.5")
    with running(*args, env=env, ready=READY) as (_, out):
        api = next(line.split()[2] for line in out.stdout if "HTTP API:" in line)
        host, _, port = api.removeprefix("http://").partition("/")[0].rpartition(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.settimeout(10)
            sock.sendall(
                b"POST /v1/actions/search_ledger HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer " + API_TOKEN.encode() + b"\r\n"
                b"Content-Length: 1000\r\n\r\n{"
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert "ERROR" not in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(("flags", "without_token"), [((), 401), (("--metrics-public",), 200)])
def test_serve_serves_metrics_behind_the_token_unless_public(
    tmp_path: Path, flags: tuple[str, ...], without_token: int
) -> None:
    """`serve` prints where /metrics is; it needs the token unless --metrics-public."""
    env = environment(tmp_path, TWILIOKIT_API_TOKEN=API_TOKEN)
    args = ("serve", "--port", "0", "--db", "memory://", *flags)
    with running(*args, env=env, ready=READY) as (_, out):
        url = next(line.split()[1] for line in out.stdout if "metrics:" in line)
        assert httpx.get(url).status_code == without_token
        scraped = httpx.get(url, headers={"Authorization": f"Bearer {API_TOKEN}"})
        assert scraped.status_code == 200
        assert "twiliokit_actions_total" in scraped.text


def test_listening_beyond_this_machine_over_http_warns(tmp_path: Path) -> None:
    """`serve --host 0.0.0.0` without an https --public-url warns on stderr that the token and
    messages cross the network unencrypted; on 127.0.0.1 it says nothing of the kind."""
    env = environment(tmp_path, TWILIOKIT_API_TOKEN=API_TOKEN)
    args = ("serve", "--port", "0", "--db", "memory://")
    with running(*args, "--host", "0.0.0.0", env=env, ready=READY) as (_, exposed):  # noqa: S104
        pass
    with running(*args, env=env, ready=READY) as (_, loopback):
        pass
    assert "WARNING: listening on 0.0.0.0, reachable from other machines, over plain HTTP" in (
        exposed.stderr
    )
    assert "--public-url" in exposed.stderr
    assert "reachable from other machines" not in loopback.everything
