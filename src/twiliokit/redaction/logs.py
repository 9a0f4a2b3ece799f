"""A ``logging.Filter`` that scrubs secrets from log records (kept apart from
``twiliokit.redaction`` so code that only masks values never imports ``logging``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from twiliokit.redaction import MIN_SCRUB_LENGTH, redact

__all__ = ["SecretFilter"]


class SecretFilter(logging.Filter):
    """Scrub known secrets and ``Basic``/``Bearer`` credentials from log records.

    The filter never drops a record; it rewrites ``msg`` (with ``args`` merged in) and the
    formatted traceback. ``add()`` registers more secrets at run time (for example after a
    connection is resolved); it is safe to call from several threads.
    """

    def __init__(self, secrets: Iterable[str] = (), name: str = "") -> None:
        super().__init__(name)
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()
        self.add(*secrets)

    def __repr__(self) -> str:
        return f"SecretFilter({len(self._secrets)} secrets)"

    def add(self, *secrets: str | None) -> None:
        """Also scrub these values (``None`` and very short values are ignored)."""
        new = {s for s in secrets if s and len(s) >= MIN_SCRUB_LENGTH}
        with self._lock:
            self._secrets = self._secrets | new

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets
        message = record.getMessage()
        record.msg = redact(message, secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Format the traceback now so the handler's formatter reuses the scrubbed text
            # (logging.Formatter.format only formats exc_info when exc_text is empty).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True
