"""``send_bulk`` acceptance rate: 100,000 recipients accepted at 10,000+ recipients/s on SQLite
and on PostgreSQL (issue 13).

One round: a fresh ledger database; ``invoke("send_bulk", ...)`` as a Python user calls it
(the action resolved, its 100,000 inline recipients parsed and validated, each checked by the
compliance hooks in batched queries, every item recorded ``queued`` with its batch); timed
from the call to its answer, the arguments built beforehand (they are the caller's data). The
answer must accept every recipient. For a breakdown, the same number of items also go in
through ``OutboxStore.enqueue`` alone (the storage's share). PostgreSQL runs with durability
on (``benchmarks/_databases.py``). Median of ``--rounds`` rounds; the backends take turns.

CPU per recipient (this process, all its threads, plus the PostgreSQL backends) is shown
beside the rate: on a shared machine the wall rate moves with the neighbours' load, the CPU
cost much less, and ``1e6 / cpu_us`` is the rate one free core would reach.

::

    .venv/bin/python -m benchmarks.outbox_enqueue            # 100,000 recipients, 3 rounds
    .venv/bin/python -m benchmarks.outbox_enqueue --quick    # 10,000 recipients, 1 round
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too

from benchmarks._databases import backend_cpu_seconds
from benchmarks._emulator import ACCOUNT_SID, AUTH_TOKEN
from benchmarks._outbox import (
    SENDERS,
    enqueue_batch,
    fresh_databases,
    recipient,
    report,
)

GOAL = 10_000.0  # recipients per second (issue 13)


def bulk_arguments(count: int) -> dict[str, Any]:
    """``send_bulk``'s arguments for ``count`` recipients, each with a variable."""
    return {
        "from": SENDERS[1],
        "body": "Hi {first_name}, your appointment is tomorrow.",
        "recipients": [
            {"to": recipient(n), "variables": {"first_name": f"Person{n}"}} for n in range(count)
        ],
    }


@dataclass(frozen=True)
class Timing:
    """One acceptance: wall seconds, this process's CPU seconds (every thread: the event
    loop and the ledger's writer) and, on PostgreSQL, its backends' CPU seconds."""

    wall: float
    cpu: float
    database_cpu: float

    def per_second(self, count: int) -> float:
        return count / self.wall

    def cpu_us(self, count: int) -> float:
        return (self.cpu + self.database_cpu) / count * 1e6


@contextlib.contextmanager
def _timed(url: str) -> Iterator[list[Timing]]:
    name = urlsplit(url).path.lstrip("/") if url.startswith("postgresql") else ""
    found: list[Timing] = []
    database_cpu = backend_cpu_seconds(name) if name else 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    yield found
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    database_cpu = backend_cpu_seconds(name) - database_cpu if name else 0.0
    found.append(Timing(wall, cpu, database_cpu))


async def _accept(url: str, count: int) -> tuple[Timing, dict[str, Any]]:
    """How long ``send_bulk`` took to accept ``count`` recipients, and its answer (without the
    per-recipient lists)."""
    from twiliokit import AsyncClient, Connection
    from twiliokit.actions import ActionContext, invoke
    from twiliokit.compliance import ComplianceSettings, LedgerHooks
    from twiliokit.ledger import open_ledger

    arguments = bulk_arguments(count)
    store: Any = await open_ledger(url)
    # No request leaves during acceptance; the client is there because every context has one.
    connection = Connection.from_auth_token(ACCOUNT_SID, AUTH_TOKEN, base_url="http://127.0.0.1:9")
    try:
        async with AsyncClient(connection) as client:
            context = ActionContext(
                client, connection, ledger=store, hooks=LedgerHooks(store, ComplianceSettings())
            )
            with _timed(url) as timing:
                answer = await invoke("send_bulk", arguments, context=context)
    finally:
        await store.close()
    brief = {k: v for k, v in answer.items() if not isinstance(v, list)}
    return timing[0], brief


async def _store_only(url: str, count: int) -> Timing:
    """How long ``OutboxStore.enqueue`` took for ``count`` items (no action, no checks)."""
    from twiliokit.ledger import open_ledger

    store: Any = await open_ledger(url)
    try:
        messages = [(SENDERS[1], recipient(n), f"Hi Person{n}") for n in range(count)]
        with _timed(url) as timing:
            await enqueue_batch(store, messages)
        return timing[0]
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 recipients, one round")
    parser.add_argument("--recipients", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    args = parser.parse_args()
    count = args.recipients or (10_000 if args.quick else 100_000)
    rounds = args.rounds or (1 if args.quick else 3)
    figures: dict[str, Any] = {"recipients": count, "rounds": rounds}
    checks: dict[str, bool] = {}
    runs: dict[str, dict[str, list[Timing]]] = {
        b: {"send_bulk": [], "store": []} for b in args.backends
    }
    answers: dict[str, dict[str, Any]] = {}
    with fresh_databases(args.backends) as fresh:
        for backend in args.backends:  # imports, model schemas, first connections: untimed
            asyncio.run(_accept(fresh[backend](), 100))
        for _ in range(rounds):
            for backend in args.backends:
                bulk, answers[backend] = asyncio.run(_accept(fresh[backend](), count))
                store = asyncio.run(_store_only(fresh[backend](), count))
                runs[backend]["send_bulk"].append(bulk)
                runs[backend]["store"].append(store)
                print(
                    f"{backend}: send_bulk {bulk.per_second(count):,.0f} recipients/s "
                    f"({bulk.cpu_us(count):,.0f} us CPU each), store alone "
                    f"{store.per_second(count):,.0f} items/s ({store.cpu_us(count):,.0f} us)",
                    flush=True,
                )
    for backend, timings in runs.items():
        rates = [t.per_second(count) for t in timings["send_bulk"]]
        median = statistics.median(rates)
        figures[backend] = {
            "send_bulk_recipients_per_s": round(median),
            "send_bulk_range": [round(min(rates)), round(max(rates))],
            "of_goal": round(median / GOAL, 2),
            "send_bulk_cpu_us_per_recipient": round(
                statistics.median(t.cpu_us(count) for t in timings["send_bulk"])
            ),
            "send_bulk_wall_over_cpu": round(
                statistics.median(t.wall / (t.cpu + t.database_cpu) for t in timings["send_bulk"]),
                2,
            ),
            "store_enqueue_items_per_s": round(
                statistics.median(t.per_second(count) for t in timings["store"])
            ),
            "store_enqueue_cpu_us_per_item": round(
                statistics.median(t.cpu_us(count) for t in timings["store"])
            ),
            "answer": answers[backend],
        }
        accepted = answers[backend].get("accepted")
        checks[f"{backend}: all {count:,} accepted"] = accepted == count
        checks[f"{backend}: >= {GOAL:,.0f} recipients/s"] = median >= GOAL
    sys.exit(0 if report("outbox_enqueue", figures, checks) else 1)


if __name__ == "__main__":
    main()
