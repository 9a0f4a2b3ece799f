"""The client's public surface: async and sync twins in step, cheap to import, safe to show."""

from __future__ import annotations

import inspect
import subprocess
import sys

import httpx
import pytest

from twiliokit.client import AsyncClient, Client
from twiliokit.connections import Connection
from twiliokit.errors import ConfigurationError, TwiliokitError, ValidationError
from twiliokit.http.policies import RetryPolicy, Timeout

TOKEN = "0123456789abcdef" * 2


def _connection() -> Connection:
    return Connection(account_sid="AC" + "0" * 32, auth_token=TOKEN)


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_") and name not in {"aclose", "close"}
    }


def test_sync_and_async_clients_offer_the_same_methods() -> None:
    """Every AsyncClient method has a Client twin with the same parameters and defaults."""
    async_methods, sync_methods = _public(AsyncClient), _public(Client)
    assert set(async_methods) == set(sync_methods)
    for name, signature in async_methods.items():
        assert list(signature.parameters.values()) == list(
            sync_methods[name].parameters.values()
        ), name


def test_async_methods_are_awaitable_except_iterators() -> None:
    """AsyncClient methods are coroutines; iter_* return async iterators (not coroutines)."""
    for name in _public(AsyncClient):
        method = getattr(AsyncClient, name)
        if name.startswith("iter_"):
            assert not inspect.iscoroutinefunction(method), name
            assert "AsyncIterator" in str(inspect.signature(method).return_annotation), name
        else:
            assert inspect.iscoroutinefunction(method), name


def test_importing_the_client_loads_neither_httpx_nor_pydantic() -> None:
    """`import twiliokit.client` stays cheap: httpx and pydantic load on first use."""
    code = (
        "import sys, twiliokit.client; "
        "print(sorted(m for m in ('httpx', 'pydantic') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_importing_httpx_through_the_transport_skips_its_cli() -> None:
    """Loading the transport does not import httpx's CLI (click, rich, pygments)."""
    code = (
        "import sys, twiliokit.http.transport, httpx; "
        "print('rich' in sys.modules, 'click' in sys.modules, callable(httpx.main))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False False True"


def test_repr_shows_the_account_but_never_the_token() -> None:
    """A client's repr names the account and never includes the auth token."""
    client = Client(_connection())
    try:
        assert "AC" + "0" * 32 in repr(client)
        assert TOKEN not in repr(client)
    finally:
        client.close()


def test_client_settings_are_exposed_and_checked() -> None:
    """timeout and retry become the client's defaults; a wrong retry type is refused."""
    client = Client(_connection(), timeout=3, retry=RetryPolicy(max_retries=1))
    try:
        assert client.timeout == Timeout.of(3)
        assert client.retry.max_retries == 1
    finally:
        client.close()
    with pytest.raises(ValidationError):
        Client(_connection(), retry=3)  # type: ignore[arg-type]


def test_a_non_connection_is_refused_with_a_hint() -> None:
    """Passing something other than a Connection fails with a configuration error."""
    with pytest.raises(ConfigurationError) as caught:
        Client("AC123:token")  # type: ignore[arg-type]
    assert caught.value.hint is not None


def test_transports_must_match_the_client_kind() -> None:
    """An async transport on the sync client (or the reverse) is refused up front."""
    with pytest.raises(ConfigurationError):
        Client(_connection(), transport=httpx.AsyncHTTPTransport())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        AsyncClient(_connection(), transport=httpx.HTTPTransport())  # type: ignore[arg-type]


def test_a_closed_client_says_so() -> None:
    """Calls after close() raise a twiliokit error, not httpx's RuntimeError."""
    client = Client(_connection())
    client.close()
    with pytest.raises(TwiliokitError) as caught:
        client.fetch_message("SM1")
    assert "closed" in caught.value.message


def test_bad_input_fails_before_any_request() -> None:
    """Validation errors surface from the call itself, naming the field."""
    with Client(_connection()) as client:
        with pytest.raises(ValidationError) as caught:
            client.create_message(to="+14155550100", body="hi")
        assert caught.value.field == "from_"
        with pytest.raises(ValidationError) as refused:
            client.request("GET", "https://example.com/steal")
        assert refused.value.field == "path"
        with pytest.raises(ValidationError):
            client.iter_messages(limit=-1)
