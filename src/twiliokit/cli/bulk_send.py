"""`twiliokit sms bulk contacts.csv --body "Hi {first_name}"`: read the file, run ``send_bulk``
(the same action as every surface), report what was accepted and refused (by the file's line
numbers), and with ``--wait`` follow the batch (``get_batch``) with a live progress bar until
nothing of it is waiting or in flight. Ctrl-C stops the waiting, not the batch: the answer is
printed all the same (a script still learns the batch's id), with how to follow or cancel it.

The outbox's workers send the messages (`twiliokit serve` runs one, or `twiliokit worker`):
this command only records the batch, and waits for it when asked.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import typer

from twiliokit.cli import output
from twiliokit.cli.bulk_csv import Contacts, in_file_terms, read_contacts, rows_as_lines
from twiliokit.cli.runner import Common, run_action
from twiliokit.errors import ValidationError

__all__ = ["POLL_SECONDS", "STALLED", "STALL_SECONDS", "STOPPED_WAITING", "Stall", "run_bulk"]

#: How often --wait reads the batch's progress.
POLL_SECONDS: Final = 1.0
#: How long --wait sees nothing of the batch move before it says what may be missing.
STALL_SECONDS: Final = 10.0
STALLED: Final = (
    "nothing of the batch has moved for {seconds:.0f} s: its messages wait for a worker on "
    "this ledger. Is `twiliokit worker` (or `twiliokit serve`) running with the same "
    "database? Items held by send_at or quiet hours wait until then."
)
#: What Ctrl-C during --wait says on stderr (the batch goes on without the command).
STOPPED_WAITING: Final = (
    "stopped waiting; batch {batch_id} goes on: follow it with `twiliokit outbox batch "
    "{batch_id}`, stop it with `twiliokit outbox cancel-batch {batch_id}`"
)
#: States in which an item has left the queue for good (or at least for now: unknown).
_ENDED: Final = ("sent", "delivered", "failed", "refused", "unknown", "canceled")
_REFUSAL_COLUMNS: Final = ("line", "to", "type", "reason")


def run_bulk(path: Path, arguments: Mapping[str, Any], common: Common, *, wait: bool) -> None:
    """Run the bulk send of the contacts in ``path`` and print the outcome (errors through
    ``output``, which exits)."""
    secrets: list[str] = []
    with output.errors_handled(as_json=common.as_json, secrets=secrets):
        contacts = read_contacts(path)
        try:
            result = run_action(
                "send_bulk",
                {**arguments, "recipients": contacts.recipients},
                common,
                secrets=secrets,
            )
        except ValidationError as exc:
            raise in_file_terms(exc, contacts) from None
        result = {**result, "refusals": _in_lines(result["refusals"], contacts)}
        try:
            # From the first line on (the batch's id), Ctrl-C finds the handler below.
            if not common.as_json:
                _show_accepted(result, scheduled="send_at" in arguments)
            final = _wait(result["batch_id"], common, secrets) if wait else None
        except KeyboardInterrupt:
            # The batch is recorded and goes on: its id must not be lost with the wait.
            if common.as_json:
                output.show_json(result)
            typer.echo(STOPPED_WAITING.format(batch_id=result["batch_id"]), err=True)
            raise typer.Exit(output.EXIT_INTERRUPTED) from None
        if common.as_json:
            output.show_json({**result, "batch": final} if final is not None else result)
        elif final is not None:
            _show_final(final)
    if result["accepted"] == 0:
        # Every recipient refused: nothing will be sent, as a refused single send exits 4.
        raise typer.Exit(output.EXIT_REFUSED)


def _in_lines(refusals: list[dict[str, Any]], contacts: Contacts) -> list[dict[str, Any]]:
    """send_bulk's refusals with the file's ``line`` beside the action's ``row`` (its index
    among the recipients), and ``recipients[i]`` in their reasons said as ``line N``."""
    lines = dict(enumerate(contacts.lines))
    return [
        {
            "row": refusal["row"],
            "line": lines.get(refusal["row"]),
            **refusal,
            "reason": rows_as_lines(refusal["reason"], contacts),
        }
        for refusal in refusals
    ]


def _show_accepted(result: Mapping[str, Any], *, scheduled: bool) -> None:
    deferred = f" ({result['deferred']} deferred by quiet hours)" if result["deferred"] else ""
    starts = _starts(result["not_before"]) if scheduled else ""
    typer.echo(
        f"batch {result['batch_id']}: {result['accepted']} of {result['total']} recipients "
        f"queued{deferred}, {result['refused']} refused; from {result['sender']}{starts}"
    )
    refusals = [refusal for refusal in result["refusals"] if refusal["line"] is not None]
    if refusals:
        more = result["refused"] - len(refusals)
        footer = (
            f"... and {more} more: twiliokit outbox list --batch {result['batch_id']} "
            "--status refused --limit 1000"
            if more
            else None
        )
        output.show_rows(refusals, _REFUSAL_COLUMNS, title="Refused", footer=footer)


def _starts(not_before: str) -> str:
    """When a batch held by --send-at starts, in UTC, as the accepted line ends with it."""
    from datetime import UTC, datetime

    when = datetime.fromisoformat(not_before).astimezone(UTC)
    return f"; starts {when:%Y-%m-%d %H:%M:%S} UTC"


def _wait(batch_id: str, common: Common, secrets: list[str]) -> dict[str, Any]:
    """Follow the batch until it is done, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    def read() -> dict[str, Any]:
        return run_action("get_batch", {"batch_id": batch_id}, common, secrets=secrets)

    batch = read()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        console=Console(stderr=True, highlight=False),
    ) as progress:
        task = progress.add_task("sending", total=batch["total"], detail="")
        stall = Stall(batch["counts"], time.monotonic())
        while True:
            progress.update(task, completed=_ended(batch), detail=describe(batch))
            if batch["done"]:
                break
            if stall.noticed(batch["counts"], time.monotonic()):
                progress.console.print(STALLED.format(seconds=STALL_SECONDS), soft_wrap=True)
            # Polling the ledger: the worker that sends may be another process or machine.
            time.sleep(POLL_SECONDS)
            batch = read()
    return batch


class Stall:
    """Whether a batch's counts have stood still for :data:`STALL_SECONDS` with nothing in
    flight (no worker has it, it seems): said once per stall."""

    def __init__(self, counts: Mapping[str, int], now: float) -> None:
        self._counts = dict(counts)
        self._since = now
        self._said = False

    def noticed(self, counts: Mapping[str, int], now: float) -> bool:
        """True the first time the counts have not changed for long enough."""
        if dict(counts) != self._counts or counts.get("sending", 0):
            self._counts, self._since, self._said = dict(counts), now, False
            return False
        if self._said or now - self._since < STALL_SECONDS:
            return False
        self._said = True
        return True


def _ended(batch: Mapping[str, Any]) -> int:
    counts: Mapping[str, int] = batch["counts"]
    return sum(counts.get(state, 0) for state in _ENDED)


def describe(batch: Mapping[str, Any]) -> str:
    """The batch's counts (the states it has items in) and each sender's rate, one line."""
    counts: Mapping[str, int] = batch["counts"]
    parts = [f"{state} {count}" for state, count in counts.items() if count]
    rates = [f"{sender} {rate:.1f}/s" for sender, rate in batch["rate_per_sender"].items()]
    return " · ".join(parts + rates)


def _show_final(batch: Mapping[str, Any]) -> None:
    typer.echo(f"batch {batch['batch_id']} done: {describe(batch)}")
