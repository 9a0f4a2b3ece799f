"""What an action runs with: the client, the connection, and optional ledger and policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from twiliokit.actions.hooks import NoHooks, SendHooks

if TYPE_CHECKING:
    from twiliokit.client import AsyncClient
    from twiliokit.connections import Connection

#: ``progress(done, total, message)``: how an action that waits tells the caller how far it
#: got (MCP progress notifications); ``total`` is None when unknown.
ProgressReporter = Callable[[float, float | None, str | None], Awaitable[None]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ActionContext:
    """Everything an action needs besides its arguments. Surfaces build one and reuse it.

    ``ledger`` (a ``twiliokit.ledger`` store) enables the ledger-backed actions; ``hooks`` run
    around every send (compliance checks, ledger records: see ``actions.hooks``); ``extras``
    carries surface-specific collaborators (guardrails); ``progress``, when a surface sets it
    for one call, is how an action that waits reports how far it got.

    ``pace``, set by surfaces that run the outbox (from ``twiliokit.outbox``'s defaults and the
    config file), gives the rate (messages per second) of a sender the outbox keeps no pace
    for yet; a send that leaves at once then waits for its sender's slot like a queued one.
    ``None``: only senders with a pace row (configured, or slowed after a 429) hold it.
    """

    client: AsyncClient
    connection: Connection
    ledger: Any = None
    now: Callable[[], datetime] = _utcnow
    hooks: SendHooks = field(default_factory=NoHooks)
    extras: dict[str, Any] = field(default_factory=dict)
    progress: ProgressReporter | None = None
    pace: Callable[[str], float] | None = None
