"""The blocking client: the methods declared in :mod:`twiliokit.client._methods` as plain
functions, sent over :class:`~twiliokit.http.transport.SyncTransport`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Self, TypeVar

from twiliokit.client._base import take
from twiliokit.client._methods import ClientMethods
from twiliokit.resources._base import next_page_operation

if TYPE_CHECKING:
    import httpx  # noqa: F401 - names the transport type in the quoted base class

    from twiliokit.http.paging import Page
    from twiliokit.http.transport import SyncTransport
    from twiliokit.resources._base import Operation

__all__ = ["Client"]

T = TypeVar("T")


class Client(ClientMethods["httpx.BaseTransport"], asynchronous=False):
    """Twilio's REST API, blocking: the same methods as :class:`AsyncClient`, for scripts.
    Use ``with`` (or ``close()``) to release the connection pool. Safe to share between
    threads.

    ``transport`` replaces the network (``httpx.HTTPTransport(proxy=..., verify=...)``, or
    ``httpx.MockTransport`` in a test). ``max_connections`` caps the connections kept for
    threads sending at once (default 100), as for :class:`AsyncClient`.
    """

    _http: SyncTransport

    _transport_check = (
        "handle_request",
        "Client needs a sync transport (httpx.BaseTransport)",
        "Use AsyncClient for an async transport such as httpx.ASGITransport.",
    )

    @staticmethod
    def _pool_class() -> type[SyncTransport]:
        from twiliokit.http.transport import SyncTransport

        return SyncTransport

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, operation: Operation[T]) -> T:
        prepared, steps = self._start(operation)
        return operation.parse(self._http.run(steps), prepared)

    def next_page(self, page: Page[T]) -> Page[T] | None:
        """The page after ``page``, or ``None`` if it was the last."""
        operation = next_page_operation(page)
        if operation is None:
            return None
        return self._call(operation)

    def _iterate(self, operation: Operation[Page[T]], limit: int | None) -> Iterator[T]:
        page: Page[T] | None = self._call(operation)
        while page is not None and limit != 0:
            items, limit = take(page.items, limit)
            yield from items
            page = self.next_page(page) if limit != 0 else None
