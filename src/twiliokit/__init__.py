"""twiliokit: Twilio for AI agents and automation workflows.

Typed actions (Python, CLI, HTTP, MCP), webhook triggers with a ledger, and a faithful local
Twilio emulator.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
