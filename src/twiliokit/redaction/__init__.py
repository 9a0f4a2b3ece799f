"""Keep secrets out of everything a person or a log can see.

- ``mask_secret(value)``: a safe display form, ``"abcd…wxyz"`` for a 32-character secret,
  never more than a quarter of any value, ``"****"`` below 16 characters.
- ``redact(text, secrets)``: replace every known secret and every HTTP ``Basic``/``Bearer``
  credential in a string.
- ``masked(details, secrets)``: an error object with ``secrets`` masked in its message and
  hint (an input echoed back may be a secret given in the wrong field).
- ``shown_url(url)``: a URL as people and logs see it, without its user info and query
  (either can carry a password, a capability key or a phone number).
- ``twiliokit.redaction.logs.SecretFilter``: a ``logging.Filter`` that applies ``redact`` to a
  record's final message and to its formatted traceback, so secrets passed as ``%s``
  arguments or carried by exception messages are scrubbed too. Attach it to a *handler*:
  filters on a logger do not run for records propagated from child loggers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "MIN_SCRUB_LENGTH", "mask_secret", "masked", "redact", "shown_url"]

#: What a secret too short to partially show is replaced with.
MASK = "****"
#: Values shorter than this are never registered as secrets to scrub: replacing every "a" or
#: "12" in a log line would make logs unreadable and protects nothing (real Twilio secrets are 32
#: characters).
MIN_SCRUB_LENGTH = 6
#: At most this many characters are shown at each end of a secret.
_MAX_KEEP = 4

# "Authorization: Basic <base64>" or "Bearer <token>" anywhere in a string (headers dumped by
# httpx debug logging, curl command lines, exception texts).
_AUTH_SCHEME = re.compile(r"\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{4,}", re.IGNORECASE)


def mask_secret(value: str) -> str:
    """A display form of ``value`` that never shows more than a quarter of it."""
    # k characters at each end of an n-character value show 2k/n of it: k = n // 8 keeps that
    # at a quarter or less; below two characters a side the hint is useless, so mask it all.
    keep = min(_MAX_KEEP, len(value) // 8)
    if keep < 2:
        return MASK
    return f"{value[:keep]}…{value[-keep:]}"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret in ``secrets`` masked and every Basic/Bearer credential hidden."""
    # Longest first, so a secret that contains another one is replaced whole.
    for secret in sorted({s for s in secrets if len(s) >= MIN_SCRUB_LENGTH}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, mask_secret(secret))
    return _AUTH_SCHEME.sub(lambda m: f"{m.group(1)} {MASK}", text)


def shown_url(url: str) -> str:
    """``url`` for people and logs: no query string (``…`` in its place) and no user info."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=netloc, query="…" if parts.query else ""))
    except ValueError:
        return "<malformed URL>"


def masked(details: dict[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    """A copy of the error object ``details`` with ``secrets`` masked in its message and hint."""
    shown = dict(details)
    secrets = tuple(secrets)
    for key in ("message", "hint"):
        if isinstance(shown.get(key), str):
            shown[key] = redact(shown[key], secrets)
    return shown
