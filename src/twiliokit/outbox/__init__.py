"""The outbox: workers that send what the ledger holds, at each sender's pace, and reconcile what
a crash left in doubt. See docs/outbox.md."""
