"""``send_bulk``: one message to up to 100,000 recipients.

Each recipient is checked like a single send (the context's send hooks, judging all of them at
once: :func:`twiliokit.actions.hooks.before_send_many`); refusals are recorded as items in state
``refused`` with their reason (so ``get_batch`` counts them), never dropped; everything is
recorded in one ``enqueue`` and the outbox's workers send it at each sender's pace. Follow it
with ``get_batch`` and stop it with ``cancel_batch`` (:mod:`twiliokit.actions.outbox_actions`).
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Annotated, Any, Final, NotRequired, Self

from pydantic import Field, model_validator

# pydantic needs typing_extensions' TypedDict before Python 3.12.
from typing_extensions import TypedDict

from twiliokit.actions.bulk_recipients import BodyTemplate, recipient_address, variable_text
from twiliokit.actions.context import ActionContext
from twiliokit.actions.hooks import Channel, SendIntent, before_send_many
from twiliokit.actions.inputs import (
    MAX_BODY,
    AgentInput,
    Instant,
    WebUrl,
    address,
    names,
    register,
)
from twiliokit.actions.messaging import ContentSid, ServiceSid
from twiliokit.actions.outbox_actions import GROUP, outbox_store
from twiliokit.actions.outbox_requests import request_of
from twiliokit.actions.outputs import Output
from twiliokit.actions.sending import check_send_at
from twiliokit.errors import TwiliokitError, ValidationError
from twiliokit.phone import ALL_KINDS

__all__ = ["BulkRecipient", "SendBulkInput", "SendBulkOutput", "send_bulk"]

#: The most recipients one send_bulk takes.
MAX_RECIPIENTS: Final = 100_000
#: How many refusals a send_bulk answer lists (all are recorded; get_batch counts them).
SHOWN_REFUSALS: Final = 100


# A TypedDict, not a model: pydantic-core validates it at C speed, where 100,000 models
# would cost seconds.
class BulkRecipient(TypedDict):
    """One recipient of a bulk send: its number ('to') and the variables that fill the
    message's {placeholders} for them ('variables')."""

    to: str
    variables: NotRequired[dict[str, str | int | float]]


class SendBulkInput(AgentInput):
    """Arguments of send_bulk."""

    recipients: list[BulkRecipient] = Field(
        min_length=1,
        max_length=MAX_RECIPIENTS,
        description=f"Up to {MAX_RECIPIENTS:,} recipients, each "
        '{"to": "+14155552671", "variables": {"first_name": "Ada"}}: the variables fill the '
        "body's {placeholders} (or the template's content variables).",
    )
    body: str | None = Field(
        default=None,
        validation_alias=names("body", "message", "text"),
        description="The text, with {name} placeholders filled from each recipient's "
        "variables (e.g. 'Hi {first_name}'); {{ and }} are literal braces. Up to 1,600 "
        "characters once filled in. Give body or content_sid.",
    )
    content_sid: ContentSid | None = Field(
        default=None,
        description="A Content template (HX...) to send instead of body; each recipient's "
        "variables become its content variables (merged over content_variables).",
    )
    content_variables: dict[str, str | int | float] | None = Field(
        default=None,
        description='Content variables shared by every recipient, e.g. {"2": "Friday"}.',
    )
    from_: Annotated[str | None, address("from", ALL_KINDS)] = Field(
        default=None,
        validation_alias=names("from", "from_", "sender"),
        description="The sender: a number you own, a short code, an alphanumeric sender ID, "
        "or whatsapp:+E164 to send WhatsApp. Default: the connection's messaging service, "
        "else its default number.",
    )
    messaging_service_sid: ServiceSid | None = Field(
        default=None,
        description="Send through this Messaging Service (MG...) instead of one number.",
    )
    media_urls: list[WebUrl] | None = Field(
        default=None,
        max_length=10,
        validation_alias=names("media_urls", "media_url"),
        description="Media sent to every recipient (MMS; US and Canada only).",
    )
    send_at: Instant | None = Field(
        default=None,
        description="Send from this time on (UTC, e.g. 2030-03-01T09:00:00Z), up to 35 days "
        "ahead; twiliokit holds the messages until then (no Messaging Service needed).",
    )
    rate: float | None = Field(
        default=None,
        ge=0.001,
        le=1000,
        description="At most this many messages per second for this bulk send, to spread it "
        "out (at least 0.001). It never goes faster than the sender's own pace (about 1/s "
        "for a US long code, more for toll-free numbers and short codes; set a number's pace "
        "in the config's [outbox] rates), and the sender's other sends go between.",
    )
    status_callback: WebUrl | None = Field(
        default=None, description="A URL Twilio posts each message's status changes to."
    )

    @model_validator(mode="after")
    def _content(self) -> Self:
        if (self.body is None) == (self.content_sid is None):
            raise ValidationError(
                "send_bulk needs exactly one of 'body' and 'content_sid'",
                field="body",
                hint="Give the text (with {placeholders}) as 'body', or a template as "
                "'content_sid'.",
            )
        if self.body is not None and not self.body.strip() and not self.media_urls:
            # Twilio would refuse each message (21602): refused here, before any is queued.
            raise ValidationError(
                "the body is empty: every message would be refused (Twilio's 21602)",
                field="body",
                hint="Give the text to send, with {placeholders} for what differs.",
            )
        if self.from_ is not None and self.messaging_service_sid is not None:
            raise ValidationError(
                "give 'from' or 'messaging_service_sid', not both",
                field="from",
                hint="A Messaging Service picks the sender from its own numbers.",
            )
        return self


class RefusedRecipient(Output):
    """A recipient a rule refused (recorded as an item in state refused)."""

    row: int = Field(description="Its position in recipients (from 0).")
    to: str = Field(description="The recipient.")
    type: str = Field(
        description="What refused it: opted_out, whatsapp_window_closed, "
        "policy_refused (countries, daily cap, guardrails) or duplicate."
    )
    reason: str = Field(description="Why, in words.")
    hint: str | None = Field(description="What to do about it.")


class SendBulkOutput(Output):
    """What a bulk send accepted, deferred and refused."""

    batch_id: str = Field(description="The bulk send (BT...): follow it with get_batch.")
    total: int = Field(description="Recipients given.")
    accepted: int = Field(description="Recipients queued to be sent (deferred included).")
    deferred: int = Field(
        description="Of those, how many wait for their quiet hours to end (their local time)."
    )
    refused: int = Field(description="Recipients refused (all recorded; get_batch counts them).")
    refusals: list[RefusedRecipient] = Field(
        description=f"The refused recipients with reasons (the first {SHOWN_REFUSALS})."
    )
    sender: str = Field(description="The sender the messages leave from.")
    not_before: datetime = Field(description="When the first messages may leave (UTC).")


def _outbox_ids(count: int) -> Iterator[str]:
    """``count`` outbox item ids, as :func:`~twiliokit.actions.sending.new_outbox_id` makes
    them (``OB`` + 32 random hex digits), drawn from the system's random source in one read:
    a uuid4 each costs a system call per id, about a sixth of a bulk send's own work."""
    pool = os.urandom(16 * count).hex()
    return ("OB" + pool[i : i + 32] for i in range(0, 32 * count, 32))


def _sender(
    context: ActionContext, arguments: SendBulkInput
) -> tuple[str | None, str | None, bool]:
    """``(from, messaging_service_sid, whatsapp)``: the given sender, else the connection's."""
    from_, service = arguments.from_, arguments.messaging_service_sid
    if from_ is None and service is None:
        connection = context.connection
        service = connection.messaging_service_sid or None
        from_ = None if service else (connection.default_from or None)
        if from_ is None and service is None:
            raise ValidationError(
                "'from' is missing and this connection has no default sender",
                field="from",
                hint="Pass 'from' (a number you own) or messaging_service_sid, or set "
                "TWILIO_PHONE_NUMBER / TWILIO_MESSAGING_SERVICE_SID.",
            )
    whatsapp = from_ is not None and from_.startswith("whatsapp:")
    return from_, service, whatsapp


def _not_before(context: ActionContext, send_at: datetime | None) -> datetime:
    """When the batch may start: ``send_at`` (checked: not past, at most 35 days ahead), else
    now."""
    now = context.now()
    if send_at is None:
        return now
    check_send_at(send_at, now=now)
    return max(send_at, now)


def _intents(
    arguments: SendBulkInput,
    *,
    from_: str | None,
    service: str | None,
    whatsapp: bool,
    send_at: datetime,
) -> tuple[list[tuple[int, SendIntent]], list[tuple[int, str, int]]]:
    """``(row, intent)`` per distinct recipient, and ``(row, to, first row)`` for each row
    that repeats an earlier recipient. A bad address or a missing variable is a
    :class:`ValidationError` naming the row, before anything is recorded."""
    template = BodyTemplate.parse(arguments.body) if arguments.body is not None else None
    shared = {
        key: variable_text(value, field=f"content_variables.{key}")
        for key, value in (arguments.content_variables or {}).items()
    }
    channel: Channel = "whatsapp" if whatsapp else ("mms" if arguments.media_urls else "sms")
    # What every recipient's intent shares, bound once.
    intent_for = functools.partial(
        SendIntent,
        channel=channel,
        from_=from_,
        messaging_service_sid=service,
        content_sid=arguments.content_sid,
        media_urls=tuple(arguments.media_urls or ()),
        status_callback=arguments.status_callback,
    )
    intents: list[tuple[int, SendIntent]] = []
    seen: dict[str, int] = {}
    repeats: list[tuple[int, str, int]] = []
    for row, recipient in enumerate(arguments.recipients):
        to = recipient_address(recipient.get("to"), row=row, whatsapp=whatsapp)
        variables = recipient.get("variables") or {}
        body, details = _content(template, shared, variables, row=row)
        details["send_at"] = send_at
        first = seen.setdefault(to, row)
        if first != row:
            repeats.append((row, to, first))
            continue
        intents.append((row, intent_for(to=to, body=body, details=details)))
    return intents, repeats


def _content(
    template: BodyTemplate | None,
    shared: dict[str, str],
    variables: Mapping[str, Any],
    *,
    row: int,
) -> tuple[str | None, dict[str, Any]]:
    """One recipient's body (the template filled in), or its content variables (JSON text,
    in ``details``) for a Content template."""
    if template is None:
        own = {
            key: variable_text(value, field=f"recipients[{row}].variables.{key}")
            for key, value in variables.items()
        }
        return None, {"content_variables": {**shared, **own}}
    body = template.render(variables, row=row)
    if len(body) > MAX_BODY:
        raise ValidationError(
            f"the message for recipients[{row}] is {len(body):,} characters once filled in; "
            f"Twilio's limit is {MAX_BODY:,}",
            field=f"recipients[{row}].variables",
            hint="Shorten the body or this recipient's variables.",
        )
    return body, {}


@register(
    "send_bulk",
    title="Send one message to many recipients",
    side_effect="write",
    costs_money=True,
    idempotent=False,
    group=GROUP,
)
async def send_bulk(context: ActionContext, arguments: SendBulkInput) -> SendBulkOutput:
    """Send one message to up to 100,000 recipients: text with per-recipient {placeholders}
    (e.g. 'Hi {first_name}') or a Content template with variables. Each recipient is checked
    like a single send (opt-outs, allowed countries, daily cap, WhatsApp window); refused
    ones are listed with reasons, and quiet hours defer a recipient to the end of them in
    their local time. Accepted messages are queued and leave at each sender's pace (about 1
    per second from a US long code), from send_at on if given. It costs money: every
    message is billed. Returns a batch_id: follow it with get_batch, stop it with
    cancel_batch."""
    from twiliokit.ledger.outbox_records import NewBatch, NewOutboxItem, OutboxKind, OutboxState

    store = outbox_store(context, "send_bulk")
    from_, service, whatsapp = _sender(context, arguments)
    not_before = _not_before(context, arguments.send_at)
    rows, repeats = _intents(
        arguments, from_=from_, service=service, whatsapp=whatsapp, send_at=not_before
    )
    verdicts = await before_send_many(context.hooks, [intent for _, intent in rows])
    now = context.now()
    batch_id = "BT" + uuid.uuid4().hex
    sender = service or from_ or ""
    ids = _outbox_ids(len(rows) + len(repeats))

    def item(
        to: str, request: dict[str, Any], leave_at: datetime, refused: str | None = None
    ) -> NewOutboxItem:
        return NewOutboxItem(
            id=next(ids),
            kind=OutboxKind.MESSAGE,
            action="send_bulk",
            sender=sender,
            to=to,
            request=request,
            created_at=now,
            not_before=leave_at,
            batch_id=batch_id,
            state=OutboxState.QUEUED if refused is None else OutboxState.REFUSED,
            reason=refused,
        )

    items: list[NewOutboxItem] = []
    refusals: list[tuple[int, str, str, str, str | None]] = []
    deferred = 0
    for (row, intent), verdict in zip(rows, verdicts, strict=True):
        if isinstance(verdict, TwiliokitError):
            refusals.append((row, intent.to, verdict.error_type, verdict.message, verdict.hint))
            items.append(item(intent.to, request_of(intent), not_before, verdict.message))
            continue
        leave_at = verdict.details.get("send_at")
        leave_at = leave_at if isinstance(leave_at, datetime) else not_before
        deferred += leave_at > not_before
        items.append(item(intent.to, request_of(verdict), leave_at))
    for row, to, first in repeats:
        reason = f"{to} is listed earlier, as recipients[{first}]: it gets one message"
        refusals.append((row, to, "duplicate", reason, "List each recipient once."))
        items.append(item(to, {"to": to}, not_before, reason))
    batch = NewBatch(
        id=batch_id,
        action="send_bulk",
        created_at=now,
        total=len(arguments.recipients),
        rate=arguments.rate,
        details={"sender": sender, "content_sid": arguments.content_sid, "body": arguments.body},
    )
    await store.enqueue(items, batch=batch)
    refusals.sort()
    shown = [
        RefusedRecipient(row=row, to=to, type=kind, reason=reason, hint=hint)
        for row, to, kind, reason, hint in refusals[:SHOWN_REFUSALS]
    ]
    return SendBulkOutput(
        batch_id=batch_id,
        total=len(arguments.recipients),
        accepted=len(arguments.recipients) - len(refusals),
        deferred=deferred,
        refused=len(refusals),
        refusals=shown,
        sender=sender,
        not_before=not_before,
    )
