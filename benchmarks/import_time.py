"""Cold import time of what sending an SMS needs: twiliokit vs Twilio's official SDK.

Each figure is the median over ``--runs`` fresh interpreters (the snippets take turns, so a
noisy neighbour hurts all of them alike), timed inside the child from its first statement to
its last, so interpreter start-up, the same for both, is left out:

- **warm**: bytecode caches filled by a first run (a ``PYTHONPYCACHEPREFIX`` temp directory;
  ``PYTHONDONTWRITEBYTECODE``, set in this environment, is removed for the children);
- **cold**: a new, empty cache directory for every run, so every module (the standard
  library's too) is compiled from source, as on a first run without ``.pyc`` files.

What is compared, from least to most:

1. *send operation*: ``from twiliokit import AsyncClient, Connection``, a connection, and a
   ``create_message`` operation built (no network), against ``import twilio.rest``;
2. *client ready*: the same plus ``AsyncClient(connection)`` (httpx loaded), against
   ``twilio.rest.Client(...).messages`` (its 2010 API classes loaded);
3. *first SMS*: a whole process's worth: ``AsyncClient``, one message sent to the emulator
   and its answer parsed into a ``Message`` (pydantic loaded), against the SDK's
   ``messages.create``; *first SMS, sync*: the same with the blocking ``Client``.

    .venv/bin/python -m benchmarks.import_time --runs 11 --cold-runs 3

``--against SRC`` also times the twiliokit snippets on another tree (``SRC`` is its ``src``
directory, e.g. a ``git worktree`` of an older commit), taking turns with the rest, and adds
the ratios this tree / that tree::

    .venv/bin/python -m benchmarks.import_time --against /tmp/old/src
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks._emulator import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, running_emulator

_CONNECTION = (
    f"connection = Connection(account_sid={ACCOUNT_SID!r}, auth_token={AUTH_TOKEN!r}, "
    "base_url=BASE_URL)\n"
)
_SEND_OPERATION = (
    "from twiliokit import AsyncClient, Connection\n"
    + _CONNECTION
    + "from twiliokit.resources import messages\n"
    f"operation = messages.create(connection, to='+14155551234', from_={FROM_NUMBER!r}, "
    "body='Your code is 123456')\n"
)
_CLIENT_READY = _SEND_OPERATION + "client = AsyncClient(connection)\n"
_FIRST_SMS = (
    "import asyncio\n"
    "from twiliokit import AsyncClient, Connection\n" + _CONNECTION + "async def send():\n"
    "    async with AsyncClient(connection) as client:\n"
    "        return await client.create_message(\n"
    f"            to='+14155551234', from_={FROM_NUMBER!r}, body='Your code is 123456')\n"
    "message = asyncio.run(send())\n"
    "assert message.sid.startswith('SM')\n"
)
_FIRST_SMS_SYNC = (
    "from twiliokit import Client, Connection\n"
    + _CONNECTION
    + "with Client(connection) as client:\n"
    "    message = client.create_message(\n"
    f"        to='+14155551234', from_={FROM_NUMBER!r}, body='Your code is 123456')\n"
    "assert message.sid.startswith('SM')\n"
)
_SDK_CLIENT = (
    f"client = twilio.rest.Client({ACCOUNT_SID!r}, {AUTH_TOKEN!r}, environment={{'BENCH': '1'}})\n"
)
_SDK_FIRST_SMS = (
    # The custom HttpClient its docs advise for another host (see benchmarks/_emulator.py).
    "from urllib.parse import urlsplit, urlunsplit\n"
    "import twilio.rest\n"
    "from twilio.http.http_client import TwilioHttpClient\n"
    "class EmulatorHttpClient(TwilioHttpClient):\n"
    "    def request(self, method, url, *args, **kwargs):\n"
    "        path, base = urlsplit(url), urlsplit(BASE_URL)\n"
    "        url = urlunsplit((base.scheme, base.netloc, path.path, path.query, ''))\n"
    "        return super().request(method, url, *args, **kwargs)\n"
    f"client = twilio.rest.Client({ACCOUNT_SID!r}, {AUTH_TOKEN!r}, "
    "http_client=EmulatorHttpClient(timeout=30), environment={'BENCH': '1'})\n"
    "message = client.messages.create(to='+14155551234', "
    f"from_={FROM_NUMBER!r}, body='Your code is 123456')\n"
    "assert message.sid.startswith('SM')\n"
)

#: (level, twiliokit snippet, SDK snippet, what the SDK side is).
LEVELS: tuple[tuple[str, str, str, str], ...] = (
    ("send operation", _SEND_OPERATION, "import twilio.rest\n", "import twilio.rest"),
    (
        "client ready",
        _CLIENT_READY,
        "import twilio.rest\n" + _SDK_CLIENT + "client.messages\n",
        "twilio.rest.Client(...).messages",
    ),
    ("first SMS", _FIRST_SMS, _SDK_FIRST_SMS, "Client(...).messages.create(...)"),
    ("first SMS, sync", _FIRST_SMS_SYNC, _SDK_FIRST_SMS, "Client(...).messages.create(...)"),
)

#: Runs in the child: times the snippet, then reports (after the clock stops).
_CHILD = """\
import sys, time
BASE_URL = sys.argv[1]
_started = time.perf_counter()
exec(compile(sys.argv[2], "<snippet>", "exec"))
_seconds = time.perf_counter() - _started
print(repr({"seconds": _seconds, "modules": len(sys.modules),
            "heavy": sorted(m for m in ("httpx", "pydantic", "requests", "aiohttp",
                                        "phonenumbers") if m in sys.modules)}))
"""


@dataclass
class Timing:
    """One snippet's runs."""

    name: str
    code: str
    warm: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    modules: int = 0
    heavy: list[str] = field(default_factory=list)
    #: The ``src`` directory to import twiliokit from (``None``: the installed one).
    src: str | None = None


def _environment(src: str | None = None) -> dict[str, str]:
    # No PYTHON* variables (PYTHONDONTWRITEBYTECODE would keep the warm cache empty) and no
    # Twilio settings for either library to pick up; PYTHONPATH only to pick another tree.
    found = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TWILIO_", "TWILIOKIT_", "PYTHON"))
    }
    return found | ({"PYTHONPATH": src} if src else {})


def run_once(timing: Timing, base_url: str, cache: Path, root: Path) -> float:
    """Run ``timing``'s snippet in a fresh interpreter; its seconds."""
    command = [
        sys.executable,
        "-X",
        f"pycache_prefix={cache}",
        "-c",
        _CHILD,
        base_url,
        timing.code,
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=_environment(timing.src),
        cwd=root,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{timing.name} failed:\n{done.stderr.strip()}")
    report = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    timing.modules, timing.heavy = report["modules"], report["heavy"]
    return float(report["seconds"])


Level = tuple[str, str, Timing, Timing, Timing | None]


def measure(runs: int, cold_runs: int, against: str | None = None) -> list[Level]:
    root = Path(__file__).resolve().parent.parent
    levels: list[Level] = [
        (
            level,
            sdk_name,
            Timing("twiliokit", mine, src=str(root / "src") if against else None),
            Timing("twilio SDK", theirs),
            Timing("against", mine, src=against) if against else None,
        )
        for level, mine, theirs, sdk_name in LEVELS
    ]
    timings = [
        timing for *_, mine, theirs, other in levels for timing in (mine, theirs, other) if timing
    ]
    with (
        running_emulator(latency_ms=0, time_rate=0) as emulator,
        tempfile.TemporaryDirectory(prefix="bench-pyc-") as scratch,
    ):
        warm_cache = Path(scratch) / "warm"
        for timing in timings:  # fills the warm cache
            run_once(timing, emulator.base_url, warm_cache, root)
        for _ in range(runs):
            for timing in timings:
                timing.warm.append(run_once(timing, emulator.base_url, warm_cache, root))
        for number in range(cold_runs):
            for index, timing in enumerate(timings):
                cold_cache = Path(scratch) / f"cold-{number}-{index}"
                timing.cold.append(run_once(timing, emulator.base_url, cold_cache, root))
    return levels


def _ms(values: Sequence[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f} ms" if values else "-"


def _ratio(mine: Sequence[float], theirs: Sequence[float]) -> str:
    if not mine or not theirs:
        return "-"
    return f"{statistics.median(mine) / statistics.median(theirs):.2f}x"


def report(levels: Sequence[Level], runs: int, cold_runs: int) -> str:
    against = any(other for *_, other in levels)
    lines = [
        f"import time (median of {runs} warm and {cold_runs} cold runs, fresh interpreters; "
        "start-up excluded)",
        f"  {'level':<16} {'twiliokit':>10} {'SDK':>10} {'ratio':>6} | {'cold':>9} "
        f"{'SDK cold':>10} {'ratio':>6} | SDK side; heavy modules loaded (twiliokit / SDK)",
    ]
    for level, sdk_name, mine, theirs, _ in levels:
        lines.append(
            f"  {level:<16} {_ms(mine.warm):>10} {_ms(theirs.warm):>10} "
            f"{_ratio(mine.warm, theirs.warm):>6} | {_ms(mine.cold):>9} {_ms(theirs.cold):>10} "
            f"{_ratio(mine.cold, theirs.cold):>6} | {sdk_name}; "
            f"{','.join(mine.heavy) or 'none'} ({mine.modules} modules) / "
            f"{','.join(theirs.heavy) or 'none'} ({theirs.modules} modules)"
        )
    if against:
        lines.append(
            f"  {'this tree vs':<16} {'this tree':>10} {'against':>10} {'ratio':>6} | "
            f"{'cold':>9} {'against':>10} {'ratio':>6} | modules (this tree / against)"
        )
    for level, _, mine, _, other in levels:
        if other is not None:
            lines.append(
                f"  {level:<16} {_ms(mine.warm):>10} {_ms(other.warm):>10} "
                f"{_ratio(mine.warm, other.warm):>6} | {_ms(mine.cold):>9} {_ms(other.cold):>10} "
                f"{_ratio(mine.cold, other.cold):>6} | {mine.modules} / {other.modules}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="warm runs per snippet")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold runs per snippet")
    parser.add_argument("--against", metavar="SRC", help="another tree's src directory")
    args = parser.parse_args(argv)
    levels = measure(args.runs, args.cold_runs, args.against)
    print(report(levels, args.runs, args.cold_runs))


if __name__ == "__main__":
    main()
