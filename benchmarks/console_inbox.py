"""The console's inbox on a big ledger: ``GET /console/inbox`` over 100,000 messages in 5,000
conversations, the goal being under 200 ms of server time (issue 17).

The ledger (SQLite) is seeded through the ledger's own ``write`` in large batches (each batch
one transaction, its rows inserted together), so whatever the store derives from a message is
there as in real use; then `twiliokit serve --emulator` is started on it as a subprocess, a
client signs in to the console with the API token (the sign-in form and its CSRF token, as a
browser does) and times the pages over loopback. Peer in the same run: the JSON API's newest
page of the same ledger, ``GET /v1/messages?limit=50``, so the ratio shows what rendering the
inbox costs beyond reading the ledger.

The time reported is the client's wall time per request (server time plus a loopback round
trip, so an upper bound of server time); where the console answers a ``Server-Timing`` header
its figure is shown too.

::

    .venv/bin/python -m benchmarks.console_inbox
    .venv/bin/python -m benchmarks.console_inbox --messages 20000 --conversations 1000 --requests 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too

from tests.browser.console_server import ConsoleServer, running_console

from twiliokit.ledger import Direction, LedgerBatch, MessageRecord, MessageStatus, open_ledger

ACCOUNT = "AC" + "0" * 32
OUR_NUMBER = "+15005550006"
GOAL_MS = 200.0
BATCH = 5_000
WARM_UP = 5
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_SERVER_TIMING = re.compile(r"dur=([0-9.]+)")


def contact_of(conversation: int) -> str:
    """The number of the ``conversation``-th contact (+14152000000 on; distinct US numbers)."""
    return f"+1415{2_000_000 + conversation:07d}"


def records(messages: int, conversations: int) -> Iterator[MessageRecord]:
    """``messages`` messages spread evenly over ``conversations`` contacts and the last 30
    days: inbound received; outbound mostly delivered, some failed or undelivered with a code."""
    start = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=30) / messages
    for n in range(messages):
        contact = contact_of(n % conversations)
        inbound = n % 2 == 0
        if inbound:
            status, code = MessageStatus.RECEIVED, None
        elif n % 97 == 1:
            status, code = MessageStatus.FAILED, 30008
        elif n % 31 == 1:
            status, code = MessageStatus.UNDELIVERED, 30003
        else:
            status, code = MessageStatus.DELIVERED, None
        yield MessageRecord(
            sid=f"SM{n:032x}",
            account_sid=ACCOUNT,
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND_API,
            from_=contact if inbound else OUR_NUMBER,
            to=OUR_NUMBER if inbound else contact,
            status=status,
            error_code=code,
            date_created=start + step * n,
            body=f"Message {n} about order {n % 7919}: is it on its way?",
            num_segments=1,
        )


def seed(path: Path, messages: int, conversations: int) -> float:
    """Write the messages into a new SQLite ledger at ``path``; the seconds it took."""

    async def write() -> None:
        async with await open_ledger(f"sqlite:///{path}") as ledger:
            batch: list[MessageRecord] = []
            for record in records(messages, conversations):
                batch.append(record)
                if len(batch) == BATCH:
                    await ledger.write(LedgerBatch(messages=tuple(batch)))
                    batch.clear()
            if batch:
                await ledger.write(LedgerBatch(messages=tuple(batch)))

    started = time.perf_counter()
    asyncio.run(write())
    return time.perf_counter() - started


@contextlib.contextmanager
def signed_in(server: ConsoleServer) -> Iterator[httpx.Client]:
    """A client holding a console session, signed in through the form as a browser does."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        page = client.get("/console/sign-in")
        page.raise_for_status()
        found = _CSRF.search(page.text)
        form = {"token": server.token}
        if found is not None:
            form["csrf_token"] = found.group(1) or found.group(2)
        answer = client.post("/console/sign-in", data=form)
        if answer.status_code >= 400 or "twiliokit_console" not in client.cookies:
            raise SystemExit(f"could not sign in to the console: {answer.status_code}")
        yield client


def timed(get: Callable[[], httpx.Response], requests: int) -> tuple[list[float], list[float]]:
    """Wall milliseconds of ``requests`` calls (after a warm-up), and Server-Timing ones."""
    for _ in range(WARM_UP):
        get().raise_for_status()
    walls, servers = [], []
    for _ in range(requests):
        started = time.perf_counter()
        answer = get()
        walls.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
        header = _SERVER_TIMING.search(answer.headers.get("server-timing", ""))
        if header is not None:
            servers.append(float(header.group(1)))
    return walls, servers


def row(name: str, walls: list[float], servers: list[float]) -> str:
    p95 = statistics.quantiles(walls, n=20)[-1] if len(walls) >= 2 else walls[0]
    server = f"{statistics.median(servers):.1f}" if servers else "-"
    return f"| {name} | {statistics.median(walls):.1f} | {p95:.1f} | {server} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="console-inbox-") as directory:
        workdir = Path(directory)
        seconds = seed(workdir / "ledger.sqlite3", args.messages, args.conversations)
        print(
            f"seeded {args.messages:,} messages in {args.conversations:,} conversations "
            f"in {seconds:.1f} s",
            flush=True,
        )
        with running_console(workdir) as server, signed_in(server) as client:
            inbox = client.get("/console/inbox")
            inbox.raise_for_status()
            shown = inbox.text.count('class="conversation"')
            next_page = re.search(r'<a[^>]*rel="next"[^>]*href="([^"]+)"', inbox.text)
            bearer = {"Authorization": f"Bearer {server.token}"}
            pages: list[tuple[str, Callable[[], httpx.Response]]] = [
                ("GET /console/inbox", lambda: client.get("/console/inbox")),
                (
                    "GET /console/inbox?q=order 42",
                    lambda: client.get("/console/inbox", params={"q": "order 42"}),
                ),
                (
                    "peer: GET /v1/messages?limit=50 (JSON)",
                    lambda: client.get("/v1/messages", params={"limit": 50}, headers=bearer),
                ),
            ]
            if next_page is not None:
                href = next_page.group(1).replace("&amp;", "&")
                pages.insert(1, ("GET /console/inbox, next page", lambda: client.get(href)))
            print(f"the inbox shows {shown} conversations on its first page\n")
            print("| request | median ms | p95 ms | Server-Timing ms |")
            print("|---|---:|---:|---:|")
            medians = {}
            for name, get in pages:
                walls, servers = timed(get, args.requests)
                medians[name] = statistics.median(servers or walls)
                print(row(name, walls, servers), flush=True)
    first = medians["GET /console/inbox"]
    verdict = "meets" if first < GOAL_MS else "MISSES"
    print(f"\nGET /console/inbox: {first:.1f} ms median, {verdict} the {GOAL_MS:.0f} ms goal")
    if first >= GOAL_MS:
        sys.exit(1)


if __name__ == "__main__":
    main()
