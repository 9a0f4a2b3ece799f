"""Client methods are the resource builders bound to a client: same parameters, same docs,
and the iterators take every filter of their list (against the emulator)."""

from __future__ import annotations

import inspect

import pytest

from twiliokit.client import AsyncClient, Client
from twiliokit.errors import ValidationError
from twiliokit.resources import calls, messages, verify

pytestmark = pytest.mark.anyio

TO = "+14155550123"


def test_help_shows_the_builders_parameters_and_docstring() -> None:
    """help()/inspect on a client method show the builder's keywords (no account) and doc."""
    for cls in (AsyncClient, Client):
        create = inspect.signature(cls.create_message)
        builder = inspect.signature(messages.create)
        assert list(create.parameters)[1:] == list(builder.parameters)[1:]
        assert next(iter(create.parameters)) == "self"
        assert cls.create_message.__doc__ == messages.create.__doc__
        assert cls.fetch_verification.__doc__ == verify.fetch_verification.__doc__
        assert str(create.return_annotation) == "Message"
    assert str(inspect.signature(Client.iter_calls).return_annotation) == "Iterator[Call]"


async def test_bound_methods_show_the_call_signature(client: AsyncClient) -> None:
    """On an instance, the signature is what a caller writes: no self, no account."""
    parameters = inspect.signature(client.update_call).parameters
    assert list(parameters)[:2] == ["sid", "status"]
    assert "account" not in inspect.signature(client.list_calls).parameters


async def test_iter_calls_takes_every_filter_of_list_calls(client: AsyncClient) -> None:
    """iter_calls accepts list_calls' filters (here status) and yields what list_calls pages."""
    for _ in range(3):
        await client.create_call(to=TO, twiml="<Response><Say>hi</Say></Response>")
    listed = await client.list_calls(status="queued", page_size=2)
    iterated = [c.sid async for c in client.iter_calls(status="queued", page_size=2)]
    assert iterated[: len(listed.items)] == [c.sid for c in listed.items]
    assert len(iterated) == 3
    assert (
        list(inspect.signature(client.iter_calls).parameters)
        == list(inspect.signature(calls.list_page).parameters)[1:]
    )


async def test_list_limit_sizes_the_one_page(client: AsyncClient) -> None:
    """list_messages(limit=n) asks for a page of n; a bad limit names the field at the call."""
    for n in range(4):
        await client.create_message(to=TO, body=f"m{n}")
    page = await client.list_messages(limit=3)
    assert len(page.items) == 3
    assert page.has_next
    with pytest.raises(ValidationError) as caught:
        client.iter_message_media("SM" + "0" * 32, limit=True)
    assert caught.value.field == "limit"


def test_sync_methods_share_the_async_ones_keyword_checks(sync_client: Client) -> None:
    """A keyword the builder does not take fails on both clients before any request."""
    with pytest.raises(TypeError):
        sync_client.fetch_message("SM" + "0" * 32, bogus=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError) as caught:
        sync_client.request("POST", "/x", data={"a": 1}, json={"b": 2})
    assert caught.value.field == "json"


def test_a_subclass_of_a_client_keeps_its_methods(sync_client: Client) -> None:
    """Subclassing Client (to add a helper) needs no class arguments and inherits every method."""

    class Audited(Client):
        def newest_body(self) -> str | None:
            return self.list_messages(limit=1).items[0].body

    with Audited(sync_client.connection) as audited:
        audited.create_message(to=TO, body="hello")
        assert audited.newest_body() == "hello"
        assert Audited.create_message is Client.create_message
