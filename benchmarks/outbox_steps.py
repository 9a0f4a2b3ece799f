"""Where one outbox item's cost goes: each step a worker takes to send it, timed on its own
(CPU and wall per item), on SQLite and on PostgreSQL. The profile behind the throughput
figures of ``outbox_scaleout`` and ``outbox_pacing``.

The steps are the worker's own (``twiliokit.outbox.running.build_worker``: the store, the
compliance check when an item leaves, the executor on the client), called one after another
for one item at a time, so that each step's CPU can be told apart: ``claim_due`` (8 items per
claim, its cost shared), the compliance check, ``mark_started``, the request (the emulator at
0 ms latency, in its own process), the ledger record of Twilio's answer, ``finish``. CPU is
this process's (every thread: the event loop and the ledger's threads); PostgreSQL's backends
are counted apart. No goal: it shows what a worker spends per message, and on what.

::

    .venv/bin/python -m benchmarks.outbox_steps               # 500 items per backend
    .venv/bin/python -m benchmarks.outbox_steps --quick       # 100
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import sys
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too

from benchmarks._databases import backend_cpu_seconds
from benchmarks._emulator import ACCOUNT_SID, AUTH_TOKEN
from benchmarks._outbox import (
    SENDERS,
    enqueue_batch,
    fresh_databases,
    machine,
    recipient,
    running_bench_emulator,
    set_paces,
)

T = TypeVar("T")
CLAIM = 8


class Steps:
    """CPU and wall seconds spent in each named step."""

    def __init__(self, database_name: str) -> None:
        self.database_name = database_name
        self.cpu: dict[str, float] = collections.defaultdict(float)
        self.wall: dict[str, float] = collections.defaultdict(float)
        self.database: dict[str, float] = collections.defaultdict(float)

    async def run(self, name: str, step: Awaitable[T]) -> T:
        backends = backend_cpu_seconds(self.database_name) if self.database_name else 0.0
        cpu, wall = time.process_time(), time.perf_counter()
        result = await step
        self.cpu[name] += time.process_time() - cpu
        self.wall[name] += time.perf_counter() - wall
        if self.database_name:
            self.database[name] += backend_cpu_seconds(self.database_name) - backends
        return result

    def per_item(self, items: int) -> dict[str, dict[str, float]]:
        table = {
            name: {
                "cpu_ms": round(self.cpu[name] / items * 1000, 3),
                "postgres_cpu_ms": round(self.database[name] / items * 1000, 3),
                "wall_ms": round(self.wall[name] / items * 1000, 3),
            }
            for name in self.cpu
        }
        table["total"] = {
            key: round(sum(row[key] for row in table.values()), 3)
            for key in ("cpu_ms", "postgres_cpu_ms", "wall_ms")
        }
        return table


async def _measure(url: str, base_url: str, items: int) -> dict[str, dict[str, float]]:
    from twiliokit import AsyncClient, Connection
    from twiliokit.ledger import OutboxClaim, open_ledger
    from twiliokit.outbox.outcomes import outcome_of_answer
    from twiliokit.outbox.running import build_worker

    store: Any = await open_ledger(url)
    name = urlsplit(url).path.lstrip("/") if url.startswith("postgresql") else ""
    steps = Steps(name)
    try:
        await set_paces(store, dict.fromkeys(SENDERS, 100_000.0))
        senders = itertools.cycle(SENDERS)
        await enqueue_batch(
            store, [(next(senders), recipient(n), f"steps {n}") for n in range(items)]
        )
        connection = Connection.from_auth_token(ACCOUNT_SID, AUTH_TOKEN, base_url=base_url)
        async with AsyncClient(connection) as client, build_worker(store, client) as worker:
            assert worker.check is not None
            assert worker.execute is not None
            done = 0
            while done < items:
                claims = await steps.run(
                    "claim_due (8 at a time)",
                    store.claim_due(
                        OutboxClaim(
                            owner=worker.owner,
                            now=datetime.now(UTC),
                            lease=timedelta(seconds=60),
                            limit=CLAIM,
                            horizon=timedelta(seconds=2),
                            kinds=worker.kinds,
                        )
                    ),
                )
                if not claims:
                    raise SystemExit(f"nothing left to claim after {done} of {items} items")
                for claim in claims:
                    item = claim.item
                    await steps.run("compliance check", worker.check.refusal(item))
                    await steps.run(
                        "mark_started",
                        store.mark_started(item.id, owner=worker.owner, at=datetime.now(UTC)),
                    )
                    answer = await steps.run(
                        "request", worker.execute(str(item.kind), dict(item.request))
                    )
                    await steps.run("record the answer", worker.check.sent(item, answer))
                    verdict = outcome_of_answer(answer, now=datetime.now(UTC))
                    await steps.run(
                        "finish", store.finish(item.id, verdict.outcome, owner=worker.owner)
                    )
                    done += 1
    finally:
        await store.close()
    return steps.per_item(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 items per backend")
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    args = parser.parse_args()
    items = args.items or (100 if args.quick else 500)
    figures: dict[str, Any] = {"benchmark": "outbox_steps", **machine(), "items": items}
    with (
        running_bench_emulator(latency_ms=0) as emulator,
        fresh_databases(args.backends, warm_wal=not args.quick) as fresh,
    ):
        for backend in args.backends:
            asyncio.run(_measure(fresh[backend](), emulator.base_url, 20))  # imports, caches
            table = figures[backend] = asyncio.run(
                _measure(fresh[backend](), emulator.base_url, items)
            )
            print(f"{backend}, per item:", flush=True)
            for step, row in table.items():
                print(
                    f"  {step:<24} CPU {row['cpu_ms']:6.2f} ms  PostgreSQL "
                    f"{row['postgres_cpu_ms']:6.2f} ms  wall {row['wall_ms']:7.2f} ms",
                    flush=True,
                )
    print(json.dumps(figures, indent=2), flush=True)


if __name__ == "__main__":
    main()
