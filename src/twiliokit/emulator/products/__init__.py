"""One module per Twilio product; each exposes ``routes() -> list[BaseRoute]``."""

from __future__ import annotations

from starlette.routing import BaseRoute


def all_routes() -> list[BaseRoute]:
    """Every product's REST and control routes."""
    from twiliokit.emulator.products import (
        accounts,
        available_numbers,
        calls,
        content,
        lookups,
        messages,
        messaging_services,
        numbers,
        throughput,
        verify,
    )

    # Starlette tries routes in order: message creates, the hot path, are matched first.
    modules = [
        messages,
        accounts,
        content,
        lookups,
        verify,
        messaging_services,
        numbers,
        available_numbers,
        calls,
        throughput,
    ]
    return [route for module in modules for route in module.routes()]
