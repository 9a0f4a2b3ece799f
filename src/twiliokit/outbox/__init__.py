"""The outbox: workers that send what the ledger holds, at each sender's pace, and reconcile what
a crash left in doubt. See docs/outbox.md."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twiliokit.outbox.pacing import default_rate, sender_kind
    from twiliokit.outbox.reconcile import Reconciler
    from twiliokit.outbox.running import build_worker, running_worker, worker_client
    from twiliokit.outbox.settings import OutboxSettings
    from twiliokit.outbox.worker import OutboxWorker

# Loaded when first used: every CLI send reads the [outbox] settings (twiliokit.outbox.settings),
# and that must not import the worker, the ledger and the client along with them.
_HOMES = {
    "default_rate": "pacing",
    "sender_kind": "pacing",
    "Reconciler": "reconcile",
    "build_worker": "running",
    "running_worker": "running",
    "worker_client": "running",
    "OutboxSettings": "settings",
    "OutboxWorker": "worker",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "OutboxSettings",
    "OutboxWorker",
    "Reconciler",
    "build_worker",
    "default_rate",
    "running_worker",
    "sender_kind",
    "worker_client",
]
