"""`twiliokit outbox list|get|cancel|batch|cancel-batch`: what is waiting to leave, what left,
and bulk sends, from the ledger's outbox (``--db``, else TWILIOKIT_DATABASE_URL, else the
default SQLite file: the one `twiliokit serve` and `twiliokit worker` use).

Each command maps its options onto a catalogue action (``list_outbox``, ``get_send``,
``cancel_send``, ``get_batch``, ``cancel_batch``) and runs it through
``twiliokit.cli.runner.execute``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.action_command import action_command, option
from twiliokit.cli.common_options import with_common_options
from twiliokit.cli.runner import Common, execute

__all__ = ["ITEM_COLUMNS", "outbox_app", "show_batch"]

outbox_app = typer.Typer(
    name="outbox",
    help="The outbox: sends waiting to leave, sent, refused or unknown; bulk sends.",
    no_args_is_help=True,
)

#: Columns of outbox item tables, in order.
ITEM_COLUMNS = ("outbox_id", "state", "to", "sender", "not_before", "sid", "reason")

OutboxId = Annotated[str, typer.Argument(metavar="OUTBOX_ID", help="The item's id (OB...).")]
BatchId = Annotated[str, typer.Argument(metavar="BATCH_ID", help="The bulk send's id (BT...).")]


outbox_app.command("list")(
    action_command(
        "list_outbox",
        "List outbox items, newest first.",
        (
            option(
                "--status",
                "Only items in this state: queued, sending, sent, delivered, failed, refused, "
                "unknown or canceled.",
            ),
            option("--sender", "Only items from this sender."),
            option("--batch", "Only this bulk send's items.", key="batch_id", metavar="BT..."),
            option("--due-after", "Only items due at or after this.", metavar="WHEN"),
            option("--due-before", "Only items due before this.", metavar="WHEN"),
            option("--limit", "At most this many (default 20).", kind=int),
            option(
                "--page-token",
                "Continue from a previous listing's next_page_token.",
                metavar="OB...",
            ),
        ),
        show=output.list_view("items", ITEM_COLUMNS, empty="The outbox has no such items."),
        ledger=True,
    )
)


@outbox_app.command("get")
@with_common_options(ledger=True)
def outbox_get(outbox_id: OutboxId, *, common: Common) -> None:
    """Show one send: its state, when it may leave, its SID once sent, or why it stopped."""
    execute("get_send", {"outbox_id": outbox_id}, common, show=output.show_record)


@outbox_app.command("cancel")
@with_common_options(ledger=True)
def outbox_cancel(outbox_id: OutboxId, *, common: Common) -> None:
    """Cancel a send that has not left (a send_at still ahead, or one waiting its turn).

    A send that already left or ended cannot be called back: the item is printed, why is said
    on stderr, and the exit status is 3 (one canceled before exits 0: it will not leave).
    """
    # Not an ``action_command``: the answer decides the exit status.
    result = execute("cancel_send", {"outbox_id": outbox_id}, common, show=output.show_record)
    if result.get("canceled") or result.get("state") == "canceled":
        if not result.get("canceled"):
            typer.echo(f"{outbox_id} was already canceled: it will not leave.", err=True)
        return
    typer.echo(f"{outbox_id} was not canceled: {_not_cancelable(result)}.", err=True)
    raise typer.Exit(output.EXIT_NEGATIVE)


def _not_cancelable(item: Mapping[str, Any]) -> str:
    """Why ``cancel_send`` left an item alone, from its state (and SID, and reason)."""
    state, sid, reason = item.get("state"), item.get("sid"), item.get("reason")
    because = f": {reason}" if reason else ""
    if state in {"sent", "delivered"}:
        sent = f"it was sent as {sid}" if sid else "it was sent"
        status = f" ({state})" if state != "sent" else ""
        return f"{sent}{status}, and what has left cannot be called back"
    if state == "sending":
        return "it is leaving right now, and what has left cannot be called back"
    if state == "unknown":
        return (
            "its request may have reached Twilio (its outcome is unknown), and what has left "
            "cannot be called back"
        )
    if state == "failed":
        return f"it already failed{because}"
    if state == "refused":
        return f"it was refused{because}"
    return f"it is {state}"


def show_batch(result: Mapping[str, Any]) -> None:
    """A batch as a record: its counts and rates flattened into ``name: value`` rows. What a
    ``cancel_batch`` canceled is ``canceled now``, apart from the batch's count of canceled
    items (``canceled``, those of earlier cancels included)."""
    counts = result.get("counts") or {}
    rates = result.get("rate_per_sender") or {}
    flat = {key: value for key, value in result.items() if key not in {"counts", "rate_per_sender"}}
    if "canceled" in flat:
        flat["canceled now"] = flat.pop("canceled")
    flat.update(counts)
    flat.update({f"rate {sender}": f"{rate:g}/s" for sender, rate in rates.items()})
    output.show_record(flat)


@outbox_app.command("batch")
@with_common_options(ledger=True)
def outbox_batch(batch_id: BatchId, *, common: Common) -> None:
    """Show a bulk send's progress: items by state, the rate per sender, done or not."""
    execute("get_batch", {"batch_id": batch_id}, common, show=show_batch)


@outbox_app.command("cancel-batch")
@with_common_options(ledger=True)
def outbox_cancel_batch(batch_id: BatchId, *, common: Common) -> None:
    """Stop a bulk send: what has not left is canceled; what left is not called back."""
    execute("cancel_batch", {"batch_id": batch_id}, common, show=show_batch)
