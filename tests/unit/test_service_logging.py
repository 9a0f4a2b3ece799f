"""What `serve` logs is masked: its own loggers and uvicorn's error log (where an exception in
the app is logged with its traceback)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from twiliokit.cli.service_config import configure_logging

SECRET = "s3cret-token-value-0123456789"


@pytest.fixture
def restored() -> Iterator[None]:
    """The loggers configure_logging touches, as they were before the test."""
    loggers = [logging.getLogger(name) for name in ("twiliokit", "uvicorn.error")]
    kept = [(lg.handlers[:], lg.filters[:], lg.level) for lg in loggers]
    yield
    for lg, (handlers, filters, level) in zip(loggers, kept, strict=True):
        lg.handlers[:], lg.filters[:] = handlers, filters
        lg.setLevel(level)


@pytest.mark.usefixtures("restored")
def test_uvicorn_error_log_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    """An error uvicorn logs with a secret in its message and traceback shows it masked."""
    configure_logging([SECRET], level=logging.WARNING)
    try:
        raise RuntimeError(f"failed with {SECRET}")
    except RuntimeError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application %s", SECRET)
    [record] = [r for r in caplog.records if r.name == "uvicorn.error"]
    assert SECRET not in record.getMessage()
    assert SECRET not in (record.exc_text or "")
    assert "Exception in ASGI application" in record.getMessage()
