"""Outbox actions: what is waiting to leave, what left, and bulk sends.

- ``get_send``, ``list_outbox``, ``cancel_send``: one send (any send: ``send_sms`` and the
  others record an outbox item before their request leaves) and the outbox as a list.
- ``get_batch``, ``cancel_batch``: a bulk send's progress (``send_bulk``, in
  :mod:`twiliokit.actions.bulk_send`), and stopping what has not left.

All of them need the ledger (``context.ledger``, an :class:`~twiliokit.ledger.OutboxStore`),
as the ledger actions do (:mod:`twiliokit.actions.ledger_actions`, which says how to enable it).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import Field

from twiliokit.actions.context import ActionContext
from twiliokit.actions.inputs import (
    AgentInput,
    DateBound,
    Sid,
    address,
    end_of,
    names,
    range_rule,
    register,
    start_of,
)
from twiliokit.actions.ledger_actions import ErrorCode, no_ledger_error
from twiliokit.actions.outputs import Output
from twiliokit.errors import NotRecordedError
from twiliokit.ledger.outbox_records import OutboxKind
from twiliokit.phone import ALL_KINDS
from twiliokit.redaction import shown_url

if TYPE_CHECKING:
    from twiliokit.ledger.outbox_records import BatchProgress, OutboxItem
    from twiliokit.ledger.outbox_store import OutboxStore

__all__ = [
    "BatchIdInput",
    "BatchOutput",
    "CancelBatchOutput",
    "ListOutboxInput",
    "ListOutboxOutput",
    "OutboxItemOutput",
    "SendIdInput",
    "cancel_batch",
    "cancel_send",
    "get_batch",
    "get_send",
    "list_outbox",
    "outbox_store",
]

GROUP = "outbox"
OutboxId = Annotated[str, Sid(("OB",), "an outbox item", "a send's answer, or list_outbox")]
BatchId = Annotated[str, Sid(("BT",), "a bulk send (batch)", "what send_bulk answered")]
StateName = Annotated[
    str,
    Field(
        pattern="^(queued|sending|sent|delivered|failed|refused|unknown|canceled)$",
        description="queued, sending, sent, delivered, failed, refused, unknown or canceled.",
    ),
]


def outbox_store(context: ActionContext, action: str) -> OutboxStore:
    """The context's ledger as the outbox, or a ConfigurationError saying how to get one."""
    ledger = context.ledger
    if ledger is None or not hasattr(ledger, "enqueue"):
        raise no_ledger_error(
            f"{action} needs the ledger (the outbox is kept there), and this twiliokit runs "
            "without one"
        )
    store: OutboxStore = ledger  # both stores open_ledger returns keep the outbox
    return store


# --- one item --------------------------------------------------------------------------------


class OutboxItemOutput(Output):
    """One send as the outbox recorded it."""

    outbox_id: str = Field(description="The item's id (OB...), given before anything left.")
    state: str = Field(
        description="queued (waiting for its time or its sender's pace), sending (a worker "
        "holds it), sent (Twilio accepted it: see sid), delivered, failed, refused (a rule "
        "stopped it: see reason), unknown (it may have left: a person or reconciliation "
        "decides) or canceled."
    )
    kind: str = Field(description="message, call, verification or forward.")
    action: str = Field(description="The action that asked for it (send_sms, send_bulk, ...).")
    sender: str = Field(description="Its sender (number, Messaging Service, sender ID).")
    to: str = Field(description="The recipient.")
    batch_id: str | None = Field(description="The bulk send it belongs to, if any.")
    not_before: datetime = Field(
        description="When it may leave (UTC): its send_at, or when "
        "it was recorded; quiet hours move it later."
    )
    created_at: datetime = Field(description="When it was recorded (UTC).")
    updated_at: datetime = Field(description="When its state last changed (UTC).")
    attempts: int = Field(description="Requests started for it.")
    sid: str | None = Field(description="The SID Twilio gave it once accepted (SM..., CA...).")
    twilio_status: str | None = Field(description="Its latest status at Twilio, when known.")
    error_code: ErrorCode
    reason: str | None = Field(description="Why it was refused, failed or is unknown.")
    request: dict[str, Any] = Field(description="What it sends (the create parameters).")

    @classmethod
    def of(cls, item: OutboxItem) -> Self:
        return cls.matching(
            item,
            outbox_id=item.id,
            state=item.state.value,
            kind=item.kind.value,
            request=_shown_request(item),
        )


def _shown_request(item: OutboxItem) -> dict[str, Any]:
    """What the item sends, as shown: ``from`` as every output names it (not ``from_``), and
    a forward's URL without its user info or query (either can carry a password or a
    capability key)."""
    request = {"from" if key == "from_" else key: value for key, value in item.request.items()}
    if item.kind == OutboxKind.FORWARD and isinstance(request.get("url"), str):
        request["url"] = shown_url(request["url"])
    return request


class SendIdInput(AgentInput):
    """Arguments of get_send and cancel_send."""

    outbox_id: OutboxId = Field(
        validation_alias=names("outbox_id", "id"),
        description="The send's outbox_id (OB...), as every send action and list_outbox return it.",
    )


async def _item(store: OutboxStore, outbox_id: str) -> OutboxItem:
    item = await store.get_item(outbox_id)
    if item is None:
        raise NotRecordedError(
            f"no outbox item {outbox_id} in this ledger",
            field="outbox_id",
            hint="Check the id, and that this twiliokit uses the ledger the send was recorded "
            "in (--db / TWILIOKIT_DATABASE_URL); list_outbox lists the items.",
        )
    return item


@register("get_send", title="Where a send stands in the outbox", open_world=False, group=GROUP)
async def get_send(context: ActionContext, arguments: SendIdInput) -> OutboxItemOutput:
    """Show one send from the outbox by its outbox_id (OB...): whether it is still queued
    (and until when), being sent, sent (with the message SID and its latest status), refused
    or failed (with the reason), canceled, or unknown (it may have left while a worker
    stopped; reconciliation or a person decides). Reads the local ledger: free, read-only."""
    store = outbox_store(context, "get_send")
    return OutboxItemOutput.of(await _item(store, arguments.outbox_id))


class CancelSendOutput(OutboxItemOutput):
    """The item after the cancel."""

    canceled: bool = Field(
        description="Whether this call canceled it. False when it had already left or "
        "ended (see state): what has left cannot be called back."
    )


@register(
    "cancel_send",
    title="Cancel a send that has not left",
    side_effect="write",
    open_world=False,
    group=GROUP,
)
async def cancel_send(context: ActionContext, arguments: SendIdInput) -> CancelSendOutput:
    """Cancel a queued send (a send_at in the future, or one waiting for its sender's pace)
    by its outbox_id, so that it never leaves. A send already being sent or finished is
    returned unchanged with canceled false. Changes only the local outbox: free."""
    store = outbox_store(context, "cancel_send")
    before = await _item(store, arguments.outbox_id)
    from twiliokit.ledger.outbox_records import OutboxState

    after = await store.cancel_item(arguments.outbox_id, at=context.now()) or before
    canceled = before.state is OutboxState.QUEUED and after.state is OutboxState.CANCELED
    return CancelSendOutput.extending(OutboxItemOutput.of(after), canceled=canceled)


# --- list_outbox -----------------------------------------------------------------------------


class ListOutboxInput(AgentInput):
    """Arguments of list_outbox."""

    status: StateName | None = Field(
        default=None,
        validation_alias=names("status", "state"),
        description="Only items in this state: queued, sending, sent, delivered, failed, "
        "refused, unknown or canceled.",
    )
    sender: Annotated[str | None, address("sender", ALL_KINDS, services=True)] = Field(
        default=None,
        validation_alias=names("sender", "from"),
        description="Only items from this sender (a number, short code, sender ID, or a "
        "Messaging Service's MG... SID for the items sent through it).",
    )
    batch_id: BatchId | None = Field(
        default=None,
        validation_alias=names("batch_id", "batch"),
        description="Only the items of this bulk send (BT...).",
    )
    due_after: DateBound | None = Field(
        default=None,
        description="Only items due to leave at or after this moment (2030-03-01T09:00:00Z) "
        "or day.",
    )
    due_before: DateBound | None = Field(
        default=None,
        description="Only items due to leave before this moment, or up to the end of this day.",
    )
    limit: int = Field(default=20, ge=1, le=1000, description="At most this many (1-1000).")
    page_token: OutboxId | None = Field(
        default=None,
        description="Continue after a previous answer's next_page_token (same filters).",
    )

    _dates = range_rule("due_after", "due_before")


class ListOutboxOutput(Output):
    """Outbox items matching every filter, newest first."""

    items: list[OutboxItemOutput] = Field(description="The items, newest first.")
    next_page_token: str | None = Field(
        default=None,
        description="Pass it as page_token for the items after these; null when this page "
        "was not full (there are no more).",
    )


@register("list_outbox", title="List the outbox", open_world=False, group=GROUP)
async def list_outbox(context: ActionContext, arguments: ListOutboxInput) -> ListOutboxOutput:
    """List sends in the outbox, newest first, filtered by state (queued, sending, sent,
    delivered, failed, refused, unknown, canceled), sender, bulk send (batch_id) and when
    they are due to leave, a page at a time (next_page_token). Use it to see what is
    scheduled, what is stuck or what a crash left unknown. Reads the local ledger: free,
    read-only."""
    from twiliokit.ledger.outbox_records import OutboxQuery, OutboxState

    store = outbox_store(context, "list_outbox")
    after = None
    if arguments.page_token is not None:
        after = await store.get_item(arguments.page_token)
        if after is None:
            raise NotRecordedError(
                f"the page token {arguments.page_token} names no outbox item of this ledger",
                field="page_token",
                hint="Pass the next_page_token of a previous list_outbox answer, with the same "
                "ledger.",
            )
    query = OutboxQuery(
        state=OutboxState(arguments.status) if arguments.status else None,
        sender=arguments.sender,
        batch_id=arguments.batch_id,
        due_after=start_of(arguments.due_after) if arguments.due_after is not None else None,
        due_before=end_of(arguments.due_before) if arguments.due_before is not None else None,
        limit=arguments.limit,
        after=after,
    )
    found = await store.list_items(query)
    more = found[-1].id if len(found) == arguments.limit else None
    return ListOutboxOutput(
        items=[OutboxItemOutput.of(item) for item in found], next_page_token=more
    )


# --- batches ---------------------------------------------------------------------------------


class BatchIdInput(AgentInput):
    """Arguments of get_batch and cancel_batch."""

    batch_id: BatchId = Field(
        validation_alias=names("batch_id", "id", "batch"),
        description="The bulk send's batch_id (BT...), as send_bulk returned it.",
    )


class BatchOutput(Output):
    """A bulk send's progress."""

    batch_id: str = Field(description="The bulk send (BT...).")
    created_at: datetime = Field(description="When it was accepted (UTC).")
    total: int = Field(description="Recipients given, refused ones included.")
    counts: dict[str, int] = Field(
        description="Items by state: queued, sending, sent, delivered, failed, refused, "
        "unknown, canceled (every state is listed, 0 included)."
    )
    rate_per_sender: dict[str, float] = Field(
        description="Messages per second each sender reached over the last minute."
    )
    rate: float | None = Field(description="The pace asked for per sender, if any.")
    canceled_at: datetime | None = Field(description="When it was canceled, if it was.")
    done: bool = Field(description="Nothing of it is waiting or being sent any more.")

    @classmethod
    def of(cls, progress: BatchProgress) -> Self:
        from twiliokit.ledger.outbox_records import OutboxState

        batch = progress.batch
        return cls.matching(
            batch,
            batch_id=batch.id,
            counts={s.value: int(progress.counts.get(s, 0)) for s in OutboxState},
            rate_per_sender=dict(progress.rate_per_sender),
            done=progress.done,
        )


async def _progress(context: ActionContext, store: OutboxStore, batch_id: str) -> BatchOutput:
    progress = await store.batch_progress(batch_id, now=context.now())
    if progress is None:
        raise NotRecordedError(
            f"no bulk send {batch_id} in this ledger",
            field="batch_id",
            hint="Check the id, and that this twiliokit uses the ledger send_bulk recorded it "
            "in (--db / TWILIOKIT_DATABASE_URL).",
        )
    return BatchOutput.of(progress)


@register("get_batch", title="A bulk send's progress", open_world=False, group=GROUP)
async def get_batch(context: ActionContext, arguments: BatchIdInput) -> BatchOutput:
    """Show how far a bulk send (send_bulk's batch_id) got: its items counted by state
    (queued, sending, sent, delivered, failed, refused, unknown, canceled), the rate each
    sender reached, and whether it is done. Reads the local ledger: free, read-only."""
    return await _progress(context, outbox_store(context, "get_batch"), arguments.batch_id)


class CancelBatchOutput(BatchOutput):
    """The bulk send after the cancel."""

    canceled: int = Field(description="How many items this call canceled (those still queued).")


@register(
    "cancel_batch",
    title="Stop a bulk send",
    side_effect="write",
    open_world=False,
    group=GROUP,
)
async def cancel_batch(context: ActionContext, arguments: BatchIdInput) -> CancelBatchOutput:
    """Stop a bulk send: every item of it that has not left is canceled and never leaves
    (queued, or claimed by a worker whose request has not started); what has already left
    (or is leaving right now) is not called back. Answers how many were canceled and the
    batch's counts. Changes only the local outbox: free."""
    store = outbox_store(context, "cancel_batch")
    await _progress(context, store, arguments.batch_id)  # an unknown batch is named first
    canceled = await store.cancel_batch(arguments.batch_id, at=context.now())
    after = await _progress(context, store, arguments.batch_id)
    return CancelBatchOutput.extending(after, canceled=canceled)
