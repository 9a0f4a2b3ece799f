"""What both clients share besides their methods: the connection, the default timeout and
retry policy, checks of the settings, and the pure first half of every call (preparing the
request and the retry logic that will drive it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from twiliokit.errors import ConfigurationError, TwiliokitError, ValidationError
from twiliokit.http.policies import RetryPolicy, Timeout

if TYPE_CHECKING:
    from twiliokit.connections import Connection
    from twiliokit.http.exchange import Exchange
    from twiliokit.http.request import PreparedRequest
    from twiliokit.resources._base import Operation

__all__ = ["ClientBase", "take"]

T = TypeVar("T")
TransportT = TypeVar("TransportT")


class _Pool(Protocol):
    """What the base needs of either transport."""

    @property
    def closed(self) -> bool: ...


def _user_agent() -> str:
    import platform

    from twiliokit._version import __version__

    return f"twiliokit/{__version__} python/{platform.python_version()}"


def _check_max_connections(max_connections: int | None, transport: object) -> None:
    if max_connections is None:
        return
    if isinstance(max_connections, bool) or not isinstance(max_connections, int):
        raise ValidationError(
            f"max_connections must be a whole number, not {max_connections!r}",
            field="max_connections",
        )
    if max_connections < 1:
        raise ValidationError(
            f"max_connections must be at least 1, not {max_connections}", field="max_connections"
        )
    if transport is not None:
        raise ConfigurationError(
            "max_connections sizes twiliokit's own connection pool, but a transport was given",
            hint="Set the limit on your transport instead: "
            "httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=N)).",
        )


def take(items: Sequence[T], limit: int | None) -> tuple[Sequence[T], int | None]:
    """The items of a page to hand out under ``limit`` (``None``: all), and what is left of
    it after them; iterating stops when that is 0."""
    if limit is None:
        return items, None
    return items[:limit], limit - min(limit, len(items))


class ClientBase(Generic[TransportT]):
    """The connection, the default policy, and the first half of each call. ``TransportT`` is
    the kind of httpx transport the client takes."""

    _http: _Pool
    #: The method a transport of the right kind has, and what to say when it lacks it.
    _transport_check: tuple[str, str, str]

    def __init__(
        self,
        connection: Connection,
        *,
        transport: TransportT | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int | None = None,
    ) -> None:
        if not hasattr(connection, "basic_auth") or not hasattr(connection, "account_sid"):
            raise ConfigurationError(
                f"expected a twiliokit Connection, got {type(connection).__name__}",
                hint="Build one with twiliokit.connections (Connection(account_sid=..., "
                "auth_token=...)).",
            )
        try:
            self._auth: tuple[str, str] = connection.basic_auth()
        except ValueError as exc:
            raise ConfigurationError(
                str(exc), hint="Give the connection an auth token or an API key and secret."
            ) from exc
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ValidationError("retry must be a RetryPolicy", field="retry")
        _check_max_connections(max_connections, transport)
        self._connection = connection
        self._timeout = Timeout.of(timeout)
        self._retry = retry if retry is not None else RetryPolicy()
        self._headers = {"User-Agent": _user_agent(), "Accept": "application/json"}
        method, needs, hint = self._transport_check
        if transport is not None and not hasattr(transport, method):
            # The other kind (async on the sync client, or the reverse): refused up front,
            # not with an AttributeError on the first call.
            raise ConfigurationError(f"{needs}, got {type(transport).__name__}", hint=hint)
        self._http = self._pool_class()(
            auth=self._auth,
            headers=self._headers,
            transport=transport,
            max_connections=max_connections,
        )

    @staticmethod
    def _pool_class() -> Callable[..., _Pool]:
        """The client's transport class (imported when the first client is made: it loads
        httpx)."""
        raise NotImplementedError

    @property
    def connection(self) -> Connection:
        """The connection this client sends with."""
        return self._connection

    @property
    def timeout(self) -> Timeout:
        """The default timeout of each attempt."""
        return self._timeout

    @property
    def retry(self) -> RetryPolicy:
        """The default retry policy."""
        return self._retry

    def __repr__(self) -> str:
        base = f", base_url={self._connection.base_url!r}" if self._connection.base_url else ""
        return f"{type(self).__name__}(account_sid={self._connection.account_sid!r}{base})"

    def _start(self, operation: Operation[Any]) -> tuple[PreparedRequest, Exchange]:
        """The request prepared for this connection, and the retry logic that will drive it
        (pure: the clients run it with their transport)."""
        if self._http.closed:
            raise TwiliokitError(
                "this client is closed", hint="Create a new client, or use it inside 'with'."
            )
        # Loaded with the transport when the client was made, so these are look-ups.
        from twiliokit.http.exchange import exchange
        from twiliokit.http.request import prepare

        prepared = prepare(
            operation.spec, self._connection, timeout=self._timeout, retry=self._retry
        )
        return prepared, exchange(prepared)
