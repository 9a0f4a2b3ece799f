"""The package version, in a module of its own so that code inside the package (the client's
User-Agent) can read it without importing the package face, :mod:`twiliokit`."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
