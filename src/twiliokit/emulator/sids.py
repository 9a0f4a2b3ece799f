"""Twilio-shaped identifiers: a two-letter prefix and 32 hex digits."""

from __future__ import annotations

import secrets


def new_sid(prefix: str) -> str:
    """A fresh SID such as ``SM`` + 32 lowercase hex digits."""
    return prefix + secrets.token_hex(16)
