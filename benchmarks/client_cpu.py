"""Client CPU per message send: twiliokit vs Twilio's official SDK, same emulator, same run.

The emulator runs in its own process at zero latency with its clock frozen (``--time-rate
0``), so what ``time.process_time()`` measures here is the client alone: building the
request, HTTP, parsing the answer. Each round sends ``--sends`` messages one at a time with
every client in turn (interleaved, so a noisy neighbour hurts all of them alike); the figure
per client is the median over ``--rounds`` rounds, and the ratio is to the SDK's sync
``Client``, the way its docs send (``client.messages.create`` over ``requests``).

    .venv/bin/python -m benchmarks.client_cpu --sends 300 --rounds 7

``--against SRC`` compares this tree's clients with another tree's (``SRC`` is its ``src``
directory, e.g. a ``git worktree`` of an older commit): each round runs one fresh interpreter
per tree, taking turns (the order rotated each round), against the same emulator, and the
ratios this tree / the other are per round (median and range)::

    git worktree add /tmp/old HEAD~1
    .venv/bin/python -m benchmarks.client_cpu --against /tmp/old/src --rounds 7
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._emulator import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    running_emulator,
    sdk_async_client,
    sdk_async_http_client,
    sdk_client,
)

TO = "+14155551234"
BODY = "Your code is 123456"
WARM_UP = 20


@dataclass
class Contender:
    """One way of sending, and its CPU seconds per send in each round."""

    name: str
    send: Callable[[], Awaitable[None]]
    user: list[float] = field(default_factory=list)
    system: list[float] = field(default_factory=list)

    def total(self) -> list[float]:
        return [u + s for u, s in zip(self.user, self.system, strict=True)]


def _kernel_seconds() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


async def _measure(contender: Contender, sends: int) -> None:
    # process_time() (user + kernel) is the measure; getrusage tells the kernel's share.
    started, kernel_before = time.process_time(), _kernel_seconds()
    for _ in range(sends):
        await contender.send()
    spent = time.process_time() - started
    kernel = _kernel_seconds() - kernel_before
    contender.system.append(kernel / sends)
    contender.user.append((spent - kernel) / sends)


async def run(sends: int, rounds: int) -> list[Contender]:
    from twiliokit import AsyncClient, Client, Connection

    with running_emulator(latency_ms=0, time_rate=0) as emulator:
        connection = Connection(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, base_url=emulator.base_url
        )
        sync_client = Client(connection)
        async_client = AsyncClient(connection)
        sdk = sdk_client(emulator.base_url)
        sdk_http = sdk_async_http_client(emulator.base_url)
        sdk_async = sdk_async_client(sdk_http)

        async def twiliokit_sync() -> None:
            sync_client.create_message(to=TO, from_=FROM_NUMBER, body=BODY)

        async def twiliokit_async() -> None:
            await async_client.create_message(to=TO, from_=FROM_NUMBER, body=BODY)

        async def sdk_sync() -> None:
            sdk.messages.create(to=TO, from_=FROM_NUMBER, body=BODY)

        async def sdk_create_async() -> None:
            await sdk_async.messages.create_async(to=TO, from_=FROM_NUMBER, body=BODY)

        contenders = [
            Contender("twilio SDK Client, messages.create (requests)", sdk_sync),
            Contender("twiliokit Client.create_message (httpx, sync)", twiliokit_sync),
            Contender("twiliokit AsyncClient.create_message (httpx, async)", twiliokit_async),
            Contender("twilio SDK messages.create_async (aiohttp)", sdk_create_async),
        ]
        try:
            for contender in contenders:  # connections, lazy imports, validators
                for _ in range(WARM_UP):
                    await contender.send()
            for round_number in range(rounds):
                # Rotate the order so no client always runs first (or last) in a round.
                shift = round_number % len(contenders)
                for contender in contenders[shift:] + contenders[:shift]:
                    await _measure(contender, sends)
        finally:
            sync_client.close()
            await async_client.aclose()
            await sdk_http.close()
    return contenders


def report(contenders: Sequence[Contender], sends: int, rounds: int) -> str:
    baseline = contenders[0].total()
    lines = [
        f"client CPU per send, median of {rounds} rounds x {sends} sends "
        f"(emulator in another process, 0 ms latency; Python {platform.python_version()})",
        f"  {'client':<55} {'CPU/send':>9} {'user':>7} {'kernel':>7} {'vs SDK':>7} {'(range)':>13}",
    ]
    for contender in contenders:
        total = contender.total()
        ratios = [mine / theirs for mine, theirs in zip(total, baseline, strict=True)]
        lines.append(
            f"  {contender.name:<55} {statistics.median(total) * 1e6:>6,.0f} us "
            f"{statistics.median(contender.user) * 1e6:>4,.0f} us "
            f"{statistics.median(contender.system) * 1e6:>4,.0f} us "
            f"{statistics.median(ratios):>6.2f}x "
            f"({min(ratios):.2f}-{max(ratios):.2f})"
        )
    return "\n".join(lines)


ROOT = Path(__file__).resolve().parent.parent


async def child(base_url: str, sends: int, round_number: int) -> None:
    """One round of the importable twiliokit's two clients; prints CPU per send as JSON."""
    import twiliokit
    from twiliokit import AsyncClient, Client, Connection

    connection = Connection(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, base_url=base_url)
    sync_client, async_client = Client(connection), AsyncClient(connection)

    async def sync_send() -> None:
        sync_client.create_message(to=TO, from_=FROM_NUMBER, body=BODY)

    async def async_send() -> None:
        await async_client.create_message(to=TO, from_=FROM_NUMBER, body=BODY)

    contenders = [Contender("sync", sync_send), Contender("async", async_send)]
    try:
        for contender in contenders:
            for _ in range(WARM_UP):
                await contender.send()
        for contender in contenders[round_number % 2 :] + contenders[: round_number % 2]:
            await _measure(contender, sends)
    finally:
        sync_client.close()
        await async_client.aclose()
    found = {contender.name: contender.total()[0] for contender in contenders}
    print(json.dumps(found | {"tree": str(Path(twiliokit.__file__).parent)}), flush=True)


def _child_round(src: str, base_url: str, sends: int, round_number: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TWILIOKIT_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "benchmarks.client_cpu", "--child", base_url]
    command += ["--sends", str(sends), "--rounds", str(round_number)]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the round in {src} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(against: str, sends: int, rounds: int) -> str:
    """This tree's clients against ``against``'s, taking turns in fresh interpreters."""
    trees = {"this tree": str(ROOT / "src"), "against": against}
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in trees}
    with running_emulator(latency_ms=0, time_rate=0) as emulator:
        for round_number in range(rounds):
            order = list(trees.items())
            for label, src in order[round_number % 2 :] + order[: round_number % 2]:
                runs[label].append(_child_round(src, emulator.base_url, sends, round_number))
    lines = [
        f"client CPU per send, this tree vs {against}, median of {rounds} rounds x {sends} "
        f"sends (fresh interpreters taking turns; Python {platform.python_version()})",
        f"  {'client':<8} {'this tree':>10} {'against':>10} {'ratio':>7} {'(range)':>13}",
    ]
    for name in ("sync", "async"):
        new = [run[name] for run in runs["this tree"]]
        old = [run[name] for run in runs["against"]]
        ratios = [a / b for a, b in zip(new, old, strict=True)]
        lines.append(
            f"  {name:<8} {statistics.median(new) * 1e6:>7,.0f} us "
            f"{statistics.median(old) * 1e6:>7,.0f} us "
            f"{statistics.median(ratios):>6.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
        )
    lines.append(f"  trees: {runs['this tree'][0]['tree']} / {runs['against'][0]['tree']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sends", type=int, default=300, help="sends per client per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--against", metavar="SRC", help="another tree's src directory")
    parser.add_argument("--child", metavar="BASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # one round in a fresh interpreter; --rounds is its number
        asyncio.run(child(args.child, args.sends, args.rounds))
    elif args.against:
        print(compare(args.against, args.sends, args.rounds))
    else:
        contenders = asyncio.run(run(args.sends, args.rounds))
        print(report(contenders, args.sends, args.rounds))


if __name__ == "__main__":
    main()
