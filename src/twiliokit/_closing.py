"""``async with`` for the objects that hold connections and are released by ``aclose()``
(the async client, the forwarder and the outbox's forward delivery): written once here."""

from __future__ import annotations

from typing import Self

__all__ = ["AsyncClosing"]


class AsyncClosing:
    """``async with`` gives the object itself and, on the way out, ``await``s its
    :meth:`aclose` (which a subclass defines)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release what the object holds."""
        raise NotImplementedError
