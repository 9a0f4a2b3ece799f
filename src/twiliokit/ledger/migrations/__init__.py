"""Alembic migrations of the ledger schema (see twiliokit.ledger.migrate)."""
