"""How one declaration becomes a method of both clients.

A client method is a resource builder (a pure function from arguments to an
:class:`~twiliokit.resources._base.Operation`, in :mod:`twiliokit.resources`) bound to a
client: it takes the builder's parameters (less ``account``, which is the client's
connection), builds the operation, sends it and returns the parsed answer. Each method is
declared once, as a :class:`Bound` (an :data:`Endpoint` or a :data:`Listing`) in
:class:`~twiliokit.client._methods.ClientMethods`; when a client class is defined, each
declaration becomes a real method of that class (``async def`` for ``AsyncClient``, ``def``
for ``Client``) with the builder's signature and docstring, so ``help()``, ``inspect`` and
editors show the parameters. Type checkers see the declarations as descriptors whose
``__get__`` gives the method's type for each client.

Why not write ``AsyncClient`` and generate ``Client`` from it (httpcore's unasync): every
method body here is the same line (send what the builder built), so either file would be
little more than the builders' parameter lists spelled again, twice, and the generated
half would still be a second copy in the tree to keep current (a ``--check`` in CI). Bound
like this, each parameter list stands once, in the builder's signature, nothing is
generated, and the two clients cannot drift.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    ParamSpec,
    TypeAlias,
    TypeVar,
    overload,
)

if TYPE_CHECKING:
    import httpx

    from twiliokit.client._base import ClientBase

    # The two clients as their transports tell them apart (naming AsyncClient and Client here
    # would make the modules that define them, and import this one, import each other).
    AsyncClient: TypeAlias = ClientBase[httpx.AsyncBaseTransport]
    Client: TypeAlias = ClientBase[httpx.BaseTransport]
    from twiliokit.http.paging import Page
    from twiliokit.resources._base import AccountContext, Operation

__all__ = [
    "Bound",
    "Endpoint",
    "Listing",
    "account_endpoint",
    "account_listing",
    "endpoint",
    "listing",
    "method",
]

P = ParamSpec("P")
T = TypeVar("T")
A = TypeVar("A")
S = TypeVar("S")


class Bound(Generic[P, A, S]):
    """A builder declared as a method: called with ``P``, it gives ``A`` on ``AsyncClient``
    and ``S`` on ``Client``. ``with_account``: the builder's first parameter is the account
    (the client's connection); ``iterates``: the method walks every page of the builder's
    list instead of sending one request."""

    __slots__ = ("build", "iterates", "with_account")

    def __init__(self, build: Callable[..., Any], *, with_account: bool, iterates: bool) -> None:
        self.build = build
        self.with_account = with_account
        self.iterates = iterates

    def operation(self, client: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The operation for a call with ``args`` and ``kwargs``."""
        if self.with_account:
            return self.build(client.connection, *args, **kwargs)
        return self.build(*args, **kwargs)

    def signature(self, *, asynchronous: bool) -> inspect.Signature:
        """The builder's signature as the method's: ``self`` for the account, and what the
        method returns (``Message`` for ``Operation[Message]``; ``AsyncIterator[Call]`` or
        ``Iterator[Call]`` for ``Operation[Page[Call]]`` when it iterates)."""
        built = inspect.signature(self.build)
        returns = str(built.return_annotation).removeprefix("Operation[").removesuffix("]")
        if self.iterates:
            kind = "AsyncIterator" if asynchronous else "Iterator"
            returns = f"{kind}[{returns.removeprefix('Page[').removesuffix(']')}]"
        parameters = list(built.parameters.values())[1 if self.with_account else 0 :]
        first = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return inspect.Signature([first, *parameters], return_annotation=returns)

    if TYPE_CHECKING:

        @overload
        def __get__(
            self, client: None, owner: type[AsyncClient]
        ) -> Callable[Concatenate[AsyncClient, P], A]: ...
        @overload
        def __get__(
            self, client: None, owner: type[Client]
        ) -> Callable[Concatenate[Client, P], S]: ...
        @overload
        def __get__(self, client: AsyncClient, owner: type[Any]) -> Callable[P, A]: ...
        @overload
        def __get__(self, client: Client, owner: type[Any]) -> Callable[P, S]: ...
        def __get__(self, client: object, owner: type[Any]) -> Any: ...


#: One request: a coroutine of the answer on ``AsyncClient``, the answer on ``Client``.
Endpoint: TypeAlias = Bound[P, Coroutine[Any, Any, T], T]
#: Every item of a list, page after page (up to ``limit``).
Listing: TypeAlias = Bound[P, AsyncIterator[T], Iterator[T]]


def account_endpoint(
    build: Callable[Concatenate[AccountContext, P], Operation[T]],
) -> Endpoint[P, T]:
    """A method from a builder whose first parameter is the account."""
    return Bound(build, with_account=True, iterates=False)


def endpoint(build: Callable[P, Operation[T]]) -> Endpoint[P, T]:
    """A method from a builder that needs no account (Verify, Lookups, Content, raw)."""
    return Bound(build, with_account=False, iterates=False)


def account_listing(
    build: Callable[Concatenate[AccountContext, P], Operation[Page[T]]],
) -> Listing[P, T]:
    """An ``iter_*`` method from a list builder whose first parameter is the account."""
    return Bound(build, with_account=True, iterates=True)


def listing(build: Callable[P, Operation[Page[T]]]) -> Listing[P, T]:
    """An ``iter_*`` method from a list builder that needs no account."""
    return Bound(build, with_account=False, iterates=True)


def _send_async(declared: Bound[..., Any, Any]) -> Callable[..., Any]:
    async def send(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        return await self._call(declared.operation(self, args, kwargs))

    return send


def _send_sync(declared: Bound[..., Any, Any]) -> Callable[..., Any]:
    def send(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        return self._call(declared.operation(self, args, kwargs))

    return send


def _iterate(declared: Bound[..., Any, Any]) -> Callable[..., Any]:
    # Building the operation here, not on the first step, raises bad input at the call.
    def iterate(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        return self._iterate(declared.operation(self, args, kwargs), kwargs.get("limit"))

    return iterate


class _LazySignature(inspect.Signature):
    """A method's signature, worked out from its builder's when first asked for (by
    ``help()``, ``inspect`` or an editor) rather than for all ~60 methods at import, which
    would add a few milliseconds to every ``import twiliokit.client`` (a measured goal)."""

    __slots__ = ("_asynchronous", "_bound", "_found")

    def __init__(self, bound: Bound[..., Any, Any], *, asynchronous: bool) -> None:
        # Signature's own __init__ is skipped: its two fields are read through the
        # properties below, which fill them on first use.
        self._bound, self._asynchronous = bound, asynchronous
        self._found: inspect.Signature | None = None

    def _signature(self) -> inspect.Signature:
        if self._found is None:
            self._found = self._bound.signature(asynchronous=self._asynchronous)
        return self._found

    @property
    def parameters(self) -> Any:
        return self._signature().parameters

    @property
    def return_annotation(self) -> Any:
        return self._signature().return_annotation

    def replace(self, **changes: Any) -> inspect.Signature:  # type: ignore[override]
        # A plain Signature: this class's __init__ does not take Signature's arguments.
        return self._signature().replace(**changes)


def method(owner: type, name: str, declared: object, *, asynchronous: bool) -> Any:
    """The method of ``owner`` that ``declared`` (a :class:`Bound`) stands for; anything
    else is returned as it is."""
    if not isinstance(declared, Bound):
        return declared
    if declared.iterates:
        function = _iterate(declared)
    else:
        function = (_send_async if asynchronous else _send_sync)(declared)
    function.__name__ = name
    function.__qualname__ = f"{owner.__qualname__}.{name}"
    function.__module__ = owner.__module__
    function.__doc__ = declared.build.__doc__
    signature = _LazySignature(declared, asynchronous=asynchronous)
    function.__signature__ = signature  # type: ignore[attr-defined]
    return function
