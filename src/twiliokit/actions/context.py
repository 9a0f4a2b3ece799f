"""What an action runs with: the client, the connection, and optional ledger and policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from twiliokit.actions.hooks import NoHooks, SendHooks

if TYPE_CHECKING:
    from twiliokit.client import AsyncClient
    from twiliokit.connections import Connection


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ActionContext:
    """Everything an action needs besides its arguments. Surfaces build one and reuse it.

    ``ledger`` (a ``twiliokit.ledger`` store) enables the ledger-backed actions; ``hooks`` run
    around every send (compliance checks, ledger records: see ``actions.hooks``); ``extras``
    carries surface-specific collaborators (guardrails).
    """

    client: AsyncClient
    connection: Connection
    ledger: Any = None
    now: Callable[[], datetime] = _utcnow
    hooks: SendHooks = field(default_factory=NoHooks)
    extras: dict[str, Any] = field(default_factory=dict)
