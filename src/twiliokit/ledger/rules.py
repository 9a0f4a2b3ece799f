"""Pure ledger rules, shared by every store: no I/O here.

- which status event moves the current status (never backwards),
- how a re-recorded message merges with what is known,
- which sender an opt-out belongs to, and which inbound bodies are opt-out keywords.

The SQL store expresses the first two as ``ON CONFLICT DO UPDATE`` statements; the contract
suite proves they agree with these functions (which the in-memory store uses directly).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from twiliokit.errors import ValidationError
from twiliokit.ledger.records import MessageRecord, OptOutAction

__all__ = [
    "HELP_KEYWORDS",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "StatusState",
    "advance",
    "keyword_action",
    "merge_record",
    "sender_key",
]

#: Twilio's default opt-out keywords (single word, case-insensitive).
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
#: Twilio's default opt-in keywords.
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
#: Twilio's default help keywords.
HELP_KEYWORDS = frozenset({"HELP", "INFO"})


@dataclass(frozen=True, slots=True)
class StatusState:
    """The current status of one message or call, as stored."""

    status: str
    rank: int
    at: datetime
    error_code: int | None = None
    error_message: str | None = None


def advance(current: StatusState | None, new: StatusState) -> StatusState | None:
    """The state after seeing ``new``, or ``None`` when ``current`` stays as it is.

    ``new`` wins when its rank is higher. It also fills in the error of the *same* status when
    the current one has none (a fetch may carry an ``error_code`` the callback lacked). Error
    fields missing from ``new`` keep their current values.
    """
    if current is None:
        return new
    fills_error = (
        new.status == current.status and current.error_code is None and new.error_code is not None
    )
    if new.rank <= current.rank and not fills_error:  # equal rank: the first one stays
        return None
    return StatusState(
        status=new.status,
        rank=new.rank,
        at=new.at,
        error_code=new.error_code if new.error_code is not None else current.error_code,
        error_message=new.error_message if new.error_message is not None else current.error_message,
    )


_KEEP_WHEN_MISSING = tuple(
    f.name
    for f in dataclasses.fields(MessageRecord)
    if f.name not in {"sid", "account_sid", "direction", "to", "date_created", "status"}
    and f.name not in {"error_code", "error_message"}
)


def merge_record(old: MessageRecord | None, new: MessageRecord) -> MessageRecord:
    """Message data after recording ``new`` over ``old`` (status fields are not merged here).

    Optional fields that ``new`` leaves ``None`` (or an empty ``media_urls``) keep their old
    values; everything else is replaced.
    """
    if old is None:
        return new
    kept = {
        name: getattr(old, name)
        for name in _KEEP_WHEN_MISSING
        if getattr(new, name) in (None, ()) and getattr(old, name) not in (None, ())
    }
    return dataclasses.replace(new, **kept) if kept else new


def sender_key(from_: str | None, messaging_service_sid: str | None) -> str:
    """What Twilio keys an opt-out on: the Messaging Service when one is used, else the sender.

    Twilio blocks a recipient per sender number, or for the whole Messaging Service when the
    message went through one.
    """
    if messaging_service_sid:
        return messaging_service_sid
    if from_:
        return from_
    raise ValidationError(
        "an opt-out needs a sender: give from_ or messaging_service_sid", field="from_"
    )


def keyword_action(body: str | None) -> OptOutAction | None:
    """The consent action Twilio's default keyword handling takes for an inbound body.

    Only a message that is a single keyword counts, case-insensitively ("STOP PLEASE" does
    not). Returns ``None`` for any other body.
    """
    word = (body or "").strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return OptOutAction.STOP
    if word in OPT_IN_KEYWORDS:
        return OptOutAction.START
    if word in HELP_KEYWORDS:
        return OptOutAction.HELP
    return None
