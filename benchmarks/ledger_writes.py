"""Ledger writes per second on PostgreSQL: a group's rows as sets (one statement per table,
the default) against row by row (psycopg's pipelined ``executemany``), same run, same server.

Each write is what the receiver records for one inbound message: a dedupe claim, the message
(with its status event and current status) and the webhook delivery, through
``SqlLedger.write`` from ``--concurrency`` tasks at once (the writer thread commits whatever is
waiting as one group, so concurrency sets the group size). Reported per write: wall rate, this
process's CPU (event loop + writer thread) and the PostgreSQL backends' CPU. The two ways take
turns for ``--rounds`` rounds, each on a fresh database, so a noisy neighbour hurts both alike.

::

    .venv/bin/python -m benchmarks.ledger_writes
    .venv/bin/python -m benchmarks.ledger_writes --concurrency 1 8 64 --writes 5000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too

from benchmarks._databases import backend_cpu_seconds, durable_postgres

ACCOUNT = "AC" + "0" * 32
WARM_UP = 200
_names = itertools.count()


def inbound_write(n: int) -> Any:
    """The ledger batch of the ``n``-th inbound SMS, as the receiver builds it."""
    from twiliokit.ledger import (
        Claim,
        Direction,
        LedgerBatch,
        MessageRecord,
        MessageStatus,
        WebhookDelivery,
        WebhookKind,
    )

    now = datetime.now(UTC)
    sid = f"SM{n:032x}"
    params = (("MessageSid", sid), ("From", f"+1415555{n % 10000:04d}"), ("Body", f"hi {n}"))
    return LedgerBatch(
        claim=Claim(key=f"token-{n}", kind="incoming-message"),
        messages=(
            MessageRecord(
                sid=sid,
                account_sid=ACCOUNT,
                direction=Direction.INBOUND,
                from_=f"+1415555{n % 10000:04d}",
                to="+14155550100",
                status=MessageStatus.RECEIVED,
                date_created=now,
                body=f"hi {n}",
                num_segments=1,
            ),
        ),
        webhooks=(
            WebhookDelivery(
                kind=WebhookKind.INCOMING_MESSAGE,
                received_at=now,
                url="https://example.com/webhooks/twilio/messaging",
                signature_valid=True,
                key=f"token-{n}",
                sid=sid,
                status_code=200,
                params=params,
            ),
        ),
    )


async def _run(
    url: str, name: str, *, sets: bool, writes: int, concurrency: int
) -> tuple[float, float, float]:
    """(wall seconds, this process's CPU seconds, the database backends' CPU seconds) for
    ``writes`` writes (backends are measured while their connections are open)."""
    from sqlalchemy import create_engine

    from twiliokit.ledger import upgrade
    from twiliokit.ledger.runners import READER_THREADS, ThreadRunner
    from twiliokit.ledger.sql import SqlLedger

    upgrade(url)
    engine = create_engine(url, pool_size=READER_THREADS + 1, max_overflow=0)  # as open_ledger
    ledger = SqlLedger(ThreadRunner(engine), set_writes=sets)
    try:
        for n in range(WARM_UP):
            await ledger.write(inbound_write(10_000_000 + n))
        batches = [inbound_write(n) for n in range(writes)]
        queue = iter(batches)

        async def writer() -> None:
            for batch in queue:
                await ledger.write(batch)

        backends = backend_cpu_seconds(name)
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall, cpu, backend_cpu_seconds(name) - backends
    finally:
        await ledger.close()


def measure(server: Any, *, sets: bool, writes: int, concurrency: int) -> dict[str, float]:
    """One round on a fresh database: writes/s and CPU per write (µs)."""
    name = f"bench_{next(_names)}"
    url = server.create_database(name)
    wall, cpu, database_cpu = asyncio.run(
        _run(url, name, sets=sets, writes=writes, concurrency=concurrency)
    )
    return {
        "rate": writes / wall,
        "client_us": cpu / writes * 1e6,
        "server_us": database_cpu / writes * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--writes", type=int, default=3000, help="writes per round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    ways = {"rows": False, "sets": True}
    with durable_postgres() as server:
        for concurrency in args.concurrency:
            results: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
            for _ in range(args.rounds):
                for way, sets in ways.items():
                    results[way].append(
                        measure(server, sets=sets, writes=args.writes, concurrency=concurrency)
                    )
            median = {
                way: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                for way, runs in results.items()
            }
            for way, m in median.items():
                print(
                    f"concurrency {concurrency:3} {way}: {m['rate']:,.0f} writes/s, "
                    f"client CPU {m['client_us']:,.0f} us/write, "
                    f"PostgreSQL CPU {m['server_us']:,.0f} us/write",
                    flush=True,
                )
            rows, sets_ = median["rows"], median["sets"]
            print(
                f"concurrency {concurrency:3} sets/rows: rate {sets_['rate'] / rows['rate']:.2f}x, "
                f"client CPU {sets_['client_us'] / rows['client_us']:.2f}x, "
                f"PostgreSQL CPU {sets_['server_us'] / rows['server_us']:.2f}x "
                f"(median of {args.rounds} rounds each)",
                flush=True,
            )


if __name__ == "__main__":
    main()
