"""twiliokit: Twilio for AI agents and automation workflows.

Typed actions (Python, CLI, HTTP, MCP), webhook triggers with a ledger, and a faithful local
Twilio emulator.

Each public name is imported from the module named in ``_LOCATIONS`` on first use (PEP 562),
so ``import twiliokit`` stays cheap: importing everything up front would load the action
catalogue and pydantic, which sending a message does not need (its cold import time is a
measured goal, docs/benchmarks.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twiliokit._lazy import lazy_face
from twiliokit._version import __version__

if TYPE_CHECKING:
    from twiliokit.actions import ActionContext, catalogue
    from twiliokit.actions.invoke import invoke
    from twiliokit.client import AsyncClient, Client
    from twiliokit.connections import Connection, resolve_connection
    from twiliokit.errors import (
        AuthenticationError,
        ComplianceError,
        ConfigurationError,
        ConnectError,
        NotFoundError,
        OptedOutError,
        PolicyError,
        RateLimitError,
        StorageError,
        TimeoutError,
        TransportError,
        TwilioError,
        TwiliokitError,
        UnknownOutcomeError,
        ValidationError,
        VaultError,
        WhatsAppWindowError,
    )
    from twiliokit.http import Page, RetryPolicy, Timeout

#: Where each public name lives.
_LOCATIONS: dict[str, str] = {
    "ActionContext": "twiliokit.actions",
    "AsyncClient": "twiliokit.client",
    "AuthenticationError": "twiliokit.errors",
    "Client": "twiliokit.client",
    "ComplianceError": "twiliokit.errors",
    "ConfigurationError": "twiliokit.errors",
    "ConnectError": "twiliokit.errors",
    "Connection": "twiliokit.connections",
    "NotFoundError": "twiliokit.errors",
    "OptedOutError": "twiliokit.errors",
    "Page": "twiliokit.http",
    "PolicyError": "twiliokit.errors",
    "RateLimitError": "twiliokit.errors",
    "RetryPolicy": "twiliokit.http",
    "StorageError": "twiliokit.errors",
    "Timeout": "twiliokit.http",
    "TimeoutError": "twiliokit.errors",
    "TransportError": "twiliokit.errors",
    "TwilioError": "twiliokit.errors",
    "TwiliokitError": "twiliokit.errors",
    "UnknownOutcomeError": "twiliokit.errors",
    "ValidationError": "twiliokit.errors",
    "VaultError": "twiliokit.errors",
    "WhatsAppWindowError": "twiliokit.errors",
    "catalogue": "twiliokit.actions",
    "invoke": "twiliokit.actions",
    "resolve_connection": "twiliokit.connections",
}

__all__ = [
    "ActionContext",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ComplianceError",
    "ConfigurationError",
    "ConnectError",
    "Connection",
    "NotFoundError",
    "OptedOutError",
    "Page",
    "PolicyError",
    "RateLimitError",
    "RetryPolicy",
    "StorageError",
    "Timeout",
    "TimeoutError",
    "TransportError",
    "TwilioError",
    "TwiliokitError",
    "UnknownOutcomeError",
    "ValidationError",
    "VaultError",
    "WhatsAppWindowError",
    "__version__",
    "catalogue",
    "invoke",
    "resolve_connection",
]


__getattr__, __dir__ = lazy_face(globals(), _LOCATIONS)
