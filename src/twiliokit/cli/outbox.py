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
    """Cancel a send that has not left (a send_at still ahead, or one waiting its turn)."""
    execute("cancel_send", {"outbox_id": outbox_id}, common, show=output.show_record)


def show_batch(result: Mapping[str, Any]) -> None:
    """A batch as a record: its counts and rates flattened into ``name: value`` rows."""
    counts = result.get("counts") or {}
    rates = result.get("rate_per_sender") or {}
    flat = {key: value for key, value in result.items() if key not in {"counts", "rate_per_sender"}}
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
