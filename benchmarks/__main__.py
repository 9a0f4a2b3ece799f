"""Run every benchmark in turn: ``python -m benchmarks`` (``make bench``).

A benchmark is a module ``benchmarks/NAME.py`` (not starting with ``_``) that defines a
top-level ``main()``; it is found by reading the source, not by importing it. Each runs in its
own interpreter with its default (bounded) settings, its output shown as it comes, and is
stopped, with everything it started, if it outlives ``--timeout``. A summary follows.

    .venv/bin/python -m benchmarks                      # all of them
    .venv/bin/python -m benchmarks client_cpu import_time
    .venv/bin/python -m benchmarks --list
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_TIMEOUT = 900.0


@dataclass(frozen=True)
class Outcome:
    """How one benchmark run ended."""

    name: str
    status: str  # "ok", "failed (exit N)" or "timed out"
    seconds: float


def discover(directory: Path = HERE) -> list[str]:
    """Names of the modules in ``directory`` that define a top-level ``main()``, sorted."""
    names = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        if any(
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main"
            for node in tree.body
        ):
            names.append(path.stem)
    return names


def _launcher(name: str) -> str:
    return (
        "import sys\n"
        f"sys.argv = ['benchmarks.{name}']\n"
        f"from benchmarks.{name} import main\n"
        "main()\n"
    )


def run(name: str, timeout: float) -> Outcome:
    """Run benchmark ``name`` in a fresh interpreter, in its own process group."""
    print(f"\n=== {name} ===", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", _launcher(name)],
        cwd=ROOT,
        start_new_session=True,  # its own process group, so a timeout stops its emulator too
    )
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        return Outcome(name, f"timed out after {timeout:.0f} s", time.monotonic() - started)
    except KeyboardInterrupt:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        raise
    status = "ok" if code == 0 else f"failed (exit {code})"
    return Outcome(name, status, time.monotonic() - started)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds each benchmark may take (default {DEFAULT_TIMEOUT:.0f})",
    )
    args = parser.parse_args(argv)
    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)} (have: {', '.join(available)})")
    names = args.names or available
    print(
        f"benchmarks on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}: {', '.join(names)}",
        flush=True,
    )
    outcomes = [run(name, args.timeout) for name in names]
    print("\n=== summary ===")
    for outcome in outcomes:
        print(f"  {outcome.name:<24} {outcome.status:<24} {outcome.seconds:7.1f} s")
    return 0 if all(outcome.status == "ok" for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
