"""Never run: uses the public API the way users write it, so mypy checks its typing."""

from __future__ import annotations

import twiliokit

version: str = twiliokit.__version__
