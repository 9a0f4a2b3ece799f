"""Ledger integration tests: the store contract on memory, SQLite and PostgreSQL."""
