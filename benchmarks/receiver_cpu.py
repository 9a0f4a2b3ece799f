"""The webhook receiver's CPU per webhook, split by thread: its event loop and the ledger's
writer thread, without an HTTP server or a load generator on the same cores.

The receiver app (``create_receiver_app`` as in ``webhooks_throughput.py``: signatures checked,
a handler registered, every webhook recorded) is driven in-process as an ASGI app by
``--concurrency`` tasks, each handing it the next signed inbound SMS; CPU is read per thread
from /proc (Linux). What uvicorn adds per request (~90 µs on the 2-core machine) is left out,
so a change to the receiver or the ledger shows without the HTTP server's noise.

``--against SRC`` measures another source tree too (e.g. a ``git worktree`` of an older
commit: ``SRC`` is its ``src`` directory), taking turns round by round in fresh interpreters,
and prints the ratios::

    .venv/bin/python -m benchmarks.receiver_cpu
    git worktree add /tmp/old HEAD~1
    .venv/bin/python -m benchmarks.receiver_cpu --against /tmp/old/src --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, too

from benchmarks._databases import database  # noqa: E402

BASE_URL = "http://127.0.0.1:8000"
WARM_UP = 2000


def thread_cpu() -> dict[str, float]:
    """CPU seconds so far of this process's threads, by role (event loop, ledger writer)."""
    roles = {
        thread.native_id: (
            "event_loop" if thread is threading.main_thread() else thread.name.split("_")[0]
        )
        for thread in threading.enumerate()
    }
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        role = roles.get(int(task.name), "other")
        found[role] = found.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return found


async def drive(app: Any, requests: list[Any], concurrency: int) -> dict[str, float]:
    """Start the app, send ``requests`` (the first WARM_UP unmeasured), stop it; CPU per
    webhook (µs) by role and the rate."""
    startup: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await startup.put({"type": "lifespan.startup"})
    lifespan = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, startup.get, replies.put)
    )
    started = await replies.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"the receiver did not start: {started}")

    def scope(request: Any) -> tuple[dict[str, Any], bytes]:
        return (
            {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": request.url.path,
                "raw_path": request.url.raw_path,
                "query_string": b"",
                "headers": [(k.lower().encode(), v.encode()) for k, v in request.headers.items()],
                "client": ("127.0.0.1", 50000),
                "server": ("127.0.0.1", 8000),
            },
            request.content,
        )

    failures = 0

    async def send_all(work: list[tuple[dict[str, Any], bytes]]) -> None:
        queue = iter(work)

        async def one_connection() -> None:
            nonlocal failures
            for request_scope, body in queue:
                sent: list[dict[str, Any]] = []

                async def receive(body: bytes = body) -> dict[str, Any]:
                    return {"type": "http.request", "body": body, "more_body": False}

                async def send(message: dict[str, Any], sent: list[Any] = sent) -> None:
                    sent.append(message)

                await app(request_scope, receive, send)
                failures += sent[0]["status"] != 200

        await asyncio.gather(*(one_connection() for _ in range(concurrency)))

    work = [scope(r) for r in requests]
    await send_all(work[:WARM_UP])
    measured = work[WARM_UP:]
    before, wall = thread_cpu(), time.perf_counter()
    await send_all(measured)
    wall, after = time.perf_counter() - wall, thread_cpu()
    await startup.put({"type": "lifespan.shutdown"})
    await lifespan
    if failures:
        raise RuntimeError(f"{failures} webhooks were not answered 200")
    count = len(measured)
    result = {
        f"{role}_us": (after[role] - before.get(role, 0.0)) / count * 1e6
        for role in ("event_loop", "twiliokit-ledger-write")
        if role in after
    }
    result["rate"] = count / wall
    return result


def child(backend: str, requests: int, concurrency: int) -> None:
    """One measurement of the importable twiliokit; prints it as JSON."""
    import uvloop

    from benchmarks.webhooks_throughput import receiver_app, requests_for

    with database(backend, "receiver_cpu") as db:
        app = receiver_app(db)
        work = requests_for(BASE_URL, requests + WARM_UP, offset=0)
        result = uvloop.run(drive(app, work, concurrency))
    print(json.dumps(result), flush=True)


def measure(backend: str, requests: int, concurrency: int, src: str | None) -> dict[str, float]:
    """One measurement in a fresh interpreter, of ``src`` when given (else this tree)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    command = [sys.executable, __file__, "--child", "--backend", backend]
    command += ["--requests", str(requests), "--concurrency", str(concurrency)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"measurement failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--against", metavar="SRC", help="another tree's src directory")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.backend, args.requests, args.concurrency)
        return
    trees = {"this tree": None} | ({"against": args.against} if args.against else {})
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    for _ in range(args.rounds):
        for label, src in trees.items():
            runs[label].append(measure(args.backend, args.requests, args.concurrency, src))
    medians = {
        label: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for label, results in runs.items()
    }
    for label, m in medians.items():
        print(
            f"{args.backend} {label}: event loop {m['event_loop_us']:,.0f} us/webhook, "
            f"ledger writer {m.get('twiliokit-ledger-write_us', 0.0):,.0f} us/webhook "
            f"({m['rate']:,.0f} webhooks/s in-process; median of {args.rounds})",
            flush=True,
        )
    if args.against:
        new, old = medians["this tree"], medians["against"]
        ratios = ", ".join(
            f"{key.removesuffix('_us')} {new[key] / old[key]:.2f}x"
            for key in new
            if key.endswith("_us") and old.get(key)
        )
        print(f"this tree / against: {ratios}", flush=True)


if __name__ == "__main__":
    main()
