"""The webhook sink the emulator tests use (``tests.helpers.sink.run_sink``)."""

from __future__ import annotations

from tests.helpers.sink import run_sink as serve_sink

__all__ = ["serve_sink"]
