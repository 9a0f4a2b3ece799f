"""One module per Twilio product; each exposes ``routes() -> list[BaseRoute]``."""

from __future__ import annotations

from starlette.routing import BaseRoute


def all_routes() -> list[BaseRoute]:
    """Every product's REST and control routes."""
    from twiliokit.emulator.products import accounts

    modules = [accounts]
    return [route for module in modules for route in module.routes()]
