"""The async client: the methods declared in :mod:`twiliokit.client._methods` as coroutines,
sent over :class:`~twiliokit.http.transport.AsyncTransport`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeVar

from twiliokit._closing import AsyncClosing
from twiliokit.client._base import take
from twiliokit.client._methods import ClientMethods
from twiliokit.resources._base import next_page_operation

if TYPE_CHECKING:
    import httpx  # noqa: F401 - names the transport type in the quoted base class

    from twiliokit.http.paging import Page
    from twiliokit.http.transport import AsyncTransport
    from twiliokit.resources._base import Operation

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient(AsyncClosing, ClientMethods["httpx.AsyncBaseTransport"], asynchronous=True):
    """Twilio's REST API, async. Use ``async with`` (or ``await aclose()``) to release the
    connection pool. One client per process (or per event loop) is right: it pools connections
    and is safe to share between tasks.

    ``transport`` replaces the network (``httpx.ASGITransport(app=emulator_app)`` to run the
    emulator in-process, or ``httpx.AsyncHTTPTransport(proxy=..., verify=...)``); ``timeout``
    and ``retry`` are the defaults for every call.

    ``max_connections`` caps the requests in flight at once (default 100); more wait for a
    free connection, at most ``timeout.pool`` seconds. Twilio answers 429 (error 20429) past
    your account's concurrency limit, so set it to that limit or below. It sizes twiliokit's
    own pool: with ``transport``, set ``limits`` on the transport instead.
    """

    _http: AsyncTransport

    _transport_check = (
        "handle_async_request",
        "AsyncClient needs an async transport (httpx.AsyncBaseTransport)",
        "Use Client for a sync transport, or httpx.AsyncHTTPTransport / httpx.ASGITransport here.",
    )

    @staticmethod
    def _pool_class() -> type[AsyncTransport]:
        from twiliokit.http.transport import AsyncTransport

        return AsyncTransport

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _call(self, operation: Operation[T]) -> T:
        prepared, steps = self._start(operation)
        return operation.parse(await self._http.run(steps), prepared)

    async def next_page(self, page: Page[T]) -> Page[T] | None:
        """The page after ``page``, or ``None`` if it was the last."""
        operation = next_page_operation(page)
        if operation is None:
            return None
        return await self._call(operation)

    async def _iterate(self, operation: Operation[Page[T]], limit: int | None) -> AsyncIterator[T]:
        page: Page[T] | None = await self._call(operation)
        while page is not None and limit != 0:
            items, limit = take(page.items, limit)
            for item in items:
                yield item
            page = await self.next_page(page) if limit != 0 else None
