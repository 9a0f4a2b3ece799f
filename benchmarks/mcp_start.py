"""Cold start of an MCP server over stdio: `twiliokit mcp` vs Twilio's `@twilio-alpha/mcp`.

An MCP client starts its stdio servers often (every chat, every editor window) and waits for
``initialize`` and ``tools/list`` before the model can do anything. Each run starts the
server in a fresh process, sends ``initialize`` at once, then ``notifications/initialized``
and ``tools/list``, and takes, from the moment the process was started:

- the wall time until each answer arrives;
- the server process's CPU time (user + system, from ``/proc``) when it arrives: less
  sensitive than wall time to a busy machine.

The servers take turns, ``--runs`` times after a first, untimed run each (whose tools/list
figures are shown apart: a first start, before any cache); figures are medians. Also the
size in bytes of each ``tools/list`` answer: everything each offers, and its messaging tools
(ours: ``--group messaging``; theirs: ``--services twilio_api_v2010 --tags
Api20100401Message``).

Twilio's server is installed with npm into a temporary directory (``npm install
@twilio-alpha/mcp@VERSION``, about 40 s and 185 packages, not timed) and run with node. It
takes ``ACCOUNT_SID/API_KEY:API_SECRET`` as its first argument; fake ones do, since neither
answer needs the network. Both start cold: no ledger, no config file, fresh XDG directories.

    .venv/bin/python -m benchmarks.mcp_start --runs 7
    .venv/bin/python -m benchmarks.mcp_start --no-twilio   # ours only (no npm, no node)

``--against SRC`` also times ``python -m twiliokit mcp`` from another tree's ``src``
directory (e.g. ``git archive HEAD src | tar -x -C /tmp/old``), taking turns with the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TWILIO_PACKAGE = "@twilio-alpha/mcp"
TWILIO_VERSION = "0.7.0"
ACCOUNT_SID = "AC" + "a" * 32
AUTH_TOKEN = "b" * 32
API_KEY = "SK" + "c" * 32
API_SECRET = "fake-secret-for-the-benchmark"
PROTOCOL_VERSION = "2025-06-18"
TIMEOUT = 120.0
#: Twilio's server's filter for its messaging tools (see its README: services, then tags).
_TWILIO_MESSAGING = ("--services", "twilio_api_v2010", "--tags", "Api20100401Message")
_TWILIOKIT = str(Path(sys.executable).with_name("twiliokit"))


@dataclass
class Server:
    """One server configuration and its runs."""

    name: str
    command: list[str]
    initialize: list[float] = field(default_factory=list)
    tools_list: list[float] = field(default_factory=list)
    cpu_initialize: list[float] = field(default_factory=list)
    cpu_tools_list: list[float] = field(default_factory=list)
    tools: int = 0
    size: int = 0
    #: The first run's tools/list wall and CPU seconds (empty caches: ours keeps the tool
    #: definitions in the user cache directory, see twiliokit.server.tool_cache).
    first: tuple[float, float] = (0.0, 0.0)
    #: Extra environment (``PYTHONPATH`` for ``--against``).
    env: dict[str, str] = field(default_factory=dict)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _answer(process: subprocess.Popen[bytes], ident: int) -> bytes:
    """The line answering request ``ident`` (Twilio's server also writes log lines)."""
    assert process.stdout is not None
    while True:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the server closed stdout before answering request {ident}")
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("id") == ident and ("result" in message or "error" in message):
            if "error" in message:
                raise RuntimeError(f"request {ident} failed: {message['error']}")
            return bytes(line)


def _send(process: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert process.stdin is not None
    process.stdin.write(json.dumps(message).encode() + b"\n")
    process.stdin.flush()


def run_once(server: Server, env: dict[str, str], cwd: Path) -> None:
    """Start ``server`` cold, time its initialize and tools/list answers, stop it."""
    started = time.perf_counter()
    process = subprocess.Popen(
        server.command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env | server.env,
        cwd=cwd,
    )
    try:
        _send(process, {
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                "clientInfo": {"name": "benchmarks.mcp_start", "version": "1"},
            },
        })  # fmt: skip
        _answer(process, 1)
        server.initialize.append(time.perf_counter() - started)
        server.cpu_initialize.append(_cpu_seconds(process.pid))
        _send(process, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        _send(process, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        line = _answer(process, 2)
        server.tools_list.append(time.perf_counter() - started)
        server.cpu_tools_list.append(_cpu_seconds(process.pid))
        server.size = len(line)
        server.tools = len(json.loads(line)["result"]["tools"])
    finally:
        process.kill()
        process.wait()


def install_twilio(directory: Path, version: str) -> Path:
    """Install Twilio's MCP server with npm into ``directory``; its entry script."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("Twilio's server needs node and npm; run with --no-twilio")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", f"{TWILIO_PACKAGE}@{version}"],
        cwd=directory,
        check=True,
        timeout=600,
    )
    package = directory / "node_modules" / TWILIO_PACKAGE
    entry = str(json.loads((package / "package.json").read_text())["bin"]["twilio-mcp-server"])
    return (package / entry).resolve()


def servers(twilio_entry: Path | None, against: str | None = None) -> list[Server]:
    ours = [
        Server("twiliokit mcp", [_TWILIOKIT, "mcp"]),
        Server("twiliokit mcp --group messaging", [_TWILIOKIT, "mcp", "--group", "messaging"]),
    ]
    if against is not None:
        command = [sys.executable, "-m", "twiliokit", "mcp"]
        ours.append(Server("against: twiliokit mcp", command, env={"PYTHONPATH": against}))
    if twilio_entry is None:
        return ours
    node = shutil.which("node") or "node"
    credentials = f"{ACCOUNT_SID}/{API_KEY}:{API_SECRET}"
    return [
        *ours,
        Server("@twilio-alpha/mcp", [node, str(twilio_entry), credentials]),
        Server(
            "@twilio-alpha/mcp messaging",
            [node, str(twilio_entry), credentials, *_TWILIO_MESSAGING],
        ),
    ]


def environment(home: Path) -> dict[str, str]:
    """A cold user: fresh home and XDG directories, dev credentials, no other settings."""
    found = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TWILIO_", "TWILIOKIT_", "XDG_", "PYTHON"))
    }
    return found | {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    }


def measure(runs: int, twilio: bool, version: str, against: str | None) -> list[Server]:
    with tempfile.TemporaryDirectory(prefix="bench-mcp-") as scratch:
        root = Path(scratch)
        entry = install_twilio(root, version) if twilio else None
        chosen = servers(entry, against)
        env = environment(root / "home")
        for server in chosen:  # a first run each: what a first start costs, then caches warm
            run_once(server, env, root)
        for server in chosen:
            server.first = (server.tools_list[0], server.cpu_tools_list[0])
            server.initialize, server.tools_list = [], []
            server.cpu_initialize, server.cpu_tools_list = [], []
        for _ in range(runs):
            for server in chosen:
                run_once(server, env, root)
    return chosen


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(chosen: Sequence[Server], runs: int) -> str:
    lines = [
        f"MCP stdio cold start (median of {runs} runs, taking turns; wall time from process "
        "start, and the server's CPU time, at each answer)",
        f"  {'server':<32} {'initialize':>10} {'tools/list':>10} | {'cpu init':>8} "
        f"{'cpu list':>8} | {'tools':>5} {'tools/list bytes':>16} | first run: list, cpu",
    ]
    for server in chosen:
        lines.append(
            f"  {server.name:<32} {_median(server.initialize):>9.2f}s "
            f"{_median(server.tools_list):>9.2f}s | {_median(server.cpu_initialize):>7.2f}s "
            f"{_median(server.cpu_tools_list):>7.2f}s | {server.tools:>5} {server.size:>16,} | "
            f"{server.first[0]:.2f}s, {server.first[1]:.2f}s"
        )
    by_name = {server.name: server for server in chosen}
    pairs = [
        ("twiliokit mcp", "against: twiliokit mcp"),
        ("twiliokit mcp", "@twilio-alpha/mcp"),
        ("twiliokit mcp --group messaging", "@twilio-alpha/mcp messaging"),
    ]
    for mine, theirs in pairs:
        if mine in by_name and theirs in by_name:
            a, b = by_name[mine], by_name[theirs]
            lines.append(
                f"  ratio {mine} / {theirs}: initialize "
                f"{_median(a.initialize) / _median(b.initialize):.2f}x, tools/list "
                f"{_median(a.tools_list) / _median(b.tools_list):.2f}x, CPU at tools/list "
                f"{_median(a.cpu_tools_list) / _median(b.cpu_tools_list):.2f}x, "
                f"tools/list size {a.size / b.size:.2f}x"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per server")
    parser.add_argument(
        "--no-twilio", action="store_true", help="skip Twilio's server (no npm or node needed)"
    )
    parser.add_argument(
        "--twilio-version", default=TWILIO_VERSION, help=f"default {TWILIO_VERSION}"
    )
    parser.add_argument(
        "--against", metavar="SRC", help="also time `twiliokit mcp` from another tree's src"
    )
    args = parser.parse_args(argv)
    chosen = measure(args.runs, not args.no_twilio, args.twilio_version, args.against)
    print(report(chosen, args.runs))


if __name__ == "__main__":
    main()
