"""The outbox: workers that send what the ledger holds, at each sender's pace, and reconcile what
a crash left in doubt. See docs/outbox.md."""

from __future__ import annotations

from twiliokit.outbox.pacing import default_rate, sender_kind
from twiliokit.outbox.reconcile import Reconciler
from twiliokit.outbox.running import build_worker, running_worker, worker_client
from twiliokit.outbox.settings import OutboxSettings
from twiliokit.outbox.worker import OutboxWorker

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
