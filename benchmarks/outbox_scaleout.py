"""Outbox throughput as workers are added: 1, 2 and 4 ``twiliokit worker`` processes on one
PostgreSQL database, the emulator at 100 ms latency; each at least 90% of what its in-flight
limit allows, growing with workers until the account-wide cap (issue 13).

Each worker sends ``--concurrency`` items at once, and ``max_in_flight`` (the ``[outbox]``
setting, shared through the database) caps them all together, so ``N`` workers may have
``min(N x concurrency, cap)`` requests in flight, and at 100 ms per request the most they can
send is that divided by 0.1 s: the target. Senders' paces are set far above it, so only the
in-flight limit holds them. Each step gets a fresh database and ``target x --seconds`` items,
all due at once; the rate is read from the emulator's own creation times
(``benchmarks/_outbox.py``) over the middle 80% of the step's messages (start-up and the
last stragglers left out). The CPU of the workers, the emulator and PostgreSQL per message
is shown too, as the machine is 2 shared cores.

The default limits (4 requests per worker, 8 for the account: 40, 80 and 80 messages/s) keep
the target within what this 2-core machine can serve beside PostgreSQL and the emulator (each
message costs about 11 ms of CPU in all, workers, database and emulator together), so that
the figure measures the outbox, not the machine; ``--concurrency 8 --cap 24`` asks for 240/s,
more than two cores give at that cost.

::

    .venv/bin/python -m benchmarks.outbox_scaleout            # 20 s per step
    .venv/bin/python -m benchmarks.outbox_scaleout --quick    # 5 s per step
    .venv/bin/python -m benchmarks.outbox_scaleout --workers 1 2 4 8 --concurrency 8 --cap 24
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too

from benchmarks._databases import backend_cpu_seconds, durable_postgres
from benchmarks._outbox import (
    SENDERS,
    BenchEmulator,
    counts,
    cpu_seconds,
    enqueue_batch,
    finished_states,
    poll_until,
    recipient,
    report,
    running_bench_emulator,
    set_paces,
    worker_pool,
)

GOAL = 0.9  # of the in-flight limit's throughput
FAST = 10_000.0  # a pace no sender reaches here


async def _step(
    server: Any,
    emulator: BenchEmulator,
    step: int,
    *,
    workers: int,
    concurrency: int,
    cap: int,
    latency: float,
    seconds: float,
) -> dict[str, Any]:
    from twiliokit.ledger import open_ledger

    name = f"scaleout_{step}"
    db_url = server.create_database(name)
    in_flight = min(workers * concurrency, cap)
    target = in_flight / latency
    store: Any = await open_ledger(db_url)
    rates = dict.fromkeys(SENDERS, FAST)
    prefix = f"scale {step} "
    try:
        await set_paces(store, rates)
        senders = itertools.cycle(SENDERS)
        total = round(target * seconds)
        messages = [(next(senders), recipient(n), f"{prefix}{n}") for n in range(total)]
        outbox = {"rates": rates, "max_in_flight": cap, "reconcile_grace_seconds": 5}
        with worker_pool(db_url, emulator.base_url, outbox, concurrency=concurrency) as pool:
            pool.start_all(workers)
            await asyncio.to_thread(pool.wait_ready)
            worker_cpu = sum(cpu_seconds(p.pid) for p in pool.processes.values())
            database_cpu, emulator_cpu = backend_cpu_seconds(name), emulator.cpu_seconds()
            started = time.monotonic()
            batch = await enqueue_batch(store, messages)

            async def done() -> bool:
                return finished_states(await counts(store, batch))

            finished = await poll_until(done, within=seconds * 4 + 60)
            wall = time.monotonic() - started
            worker_cpu = sum(cpu_seconds(p.pid) for p in pool.processes.values()) - worker_cpu
            database_cpu = backend_cpu_seconds(name) - database_cpu
            emulator_cpu = emulator.cpu_seconds() - emulator_cpu
            states = {k: v for k, v in (await counts(store, batch)).items() if v}
            if not finished or pool.died():
                print(pool.log_tail(), file=sys.stderr)
            died = pool.died()
    finally:
        await store.close()
    times = sorted(m.created for m in emulator.messages() if m.body.startswith(prefix))
    low, high = round(len(times) * 0.1), round(len(times) * 0.9) - 1
    rate = (high - low) / (times[high] - times[low]) if high > low else 0.0
    return {
        "workers": workers,
        "in_flight_limit": in_flight,
        "target_per_s": round(target, 1),
        "messages_per_s": round(rate, 1),
        "of_target": round(rate / target, 3),
        "items": total,
        "emulator_messages": len(times),
        "finished": finished,
        "states": states,
        "wall_seconds": round(wall, 1),
        "cpu_ms_per_message": {
            "workers": round(worker_cpu / max(1, len(times)) * 1000, 2),
            "postgres": round(database_cpu / max(1, len(times)) * 1000, 2),
            "emulator": round(emulator_cpu / max(1, len(times)) * 1000, 2),
        },
        "workers_died": died,
    }


async def _run(args: argparse.Namespace, seconds: float) -> list[dict[str, Any]]:
    steps = []
    with (
        running_bench_emulator(latency_ms=args.latency_ms) as emulator,
        durable_postgres(warm_wal=not args.quick) as server,
    ):
        for step, workers in enumerate(args.workers):
            result = await _step(
                server,
                emulator,
                step,
                workers=workers,
                concurrency=args.concurrency,
                cap=args.cap,
                latency=args.latency_ms / 1000,
                seconds=seconds,
            )
            print(
                f"{workers} worker(s): {result['messages_per_s']:,.1f} messages/s, "
                f"{result['of_target']:.0%} of {result['target_per_s']:,.0f}",
                flush=True,
            )
            steps.append(result)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s per step instead of 20")
    parser.add_argument("--seconds", type=float, default=None, help="seconds of sending a step")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=4, help="per worker")
    parser.add_argument("--cap", type=int, default=8, help="max_in_flight, all workers")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    steps = asyncio.run(_run(args, seconds))
    checks: dict[str, bool] = {}
    for result in steps:
        checks[f"{result['workers']} worker(s): every item sent once"] = (
            result["finished"]
            and sum(v for k, v in result["states"].items() if k in {"sent", "delivered"})
            == result["items"]
            == result["emulator_messages"]
        )
        checks[f"{result['workers']} worker(s): >= 90% of {result['target_per_s']:g}/s"] = (
            result["of_target"] >= GOAL
        )
    for before, after in itertools.pairwise(steps):
        if after["in_flight_limit"] > before["in_flight_limit"]:
            checks[f"{after['workers']} workers faster than {before['workers']}"] = (
                after["messages_per_s"] > before["messages_per_s"]
            )
    figures = {
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "max_in_flight": args.cap,
        "seconds_per_step": seconds,
        "steps": steps,
    }
    sys.exit(0 if report("outbox_scaleout", figures, checks) else 1)


if __name__ == "__main__":
    main()
