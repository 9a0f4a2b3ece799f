"""Every method of both clients, declared once: the resource builder it sends.

A declaration names the builder in :mod:`twiliokit.resources`; its signature is the method's
(less ``account``) and its docstring the method's (see :mod:`twiliokit.client._binding`).
Methods that are more than one request (paging) are written in each client.
"""

from __future__ import annotations

from typing import Any, TypeVar

from twiliokit.client._base import ClientBase
from twiliokit.client._binding import (
    account_endpoint,
    account_listing,
    endpoint,
    listing,
    method,
)
from twiliokit.resources import calls, content, lookups, messages, phone_numbers, raw, verify

__all__ = ["ClientMethods"]

TransportT = TypeVar("TransportT")


class ClientMethods(ClientBase[TransportT]):
    """The methods of :class:`~twiliokit.client.AsyncClient` and
    :class:`~twiliokit.client.Client`; a subclass says which with ``asynchronous=``."""

    def __init_subclass__(cls, *, asynchronous: bool | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if asynchronous is None:  # a user's subclass of a client: it inherits the methods
            return
        for name, declared in vars(ClientMethods).items():
            bound = method(cls, name, declared, asynchronous=asynchronous)
            if bound is not declared:
                setattr(cls, name, bound)

    # Raw requests and the account ---------------------------------------------------------
    request = endpoint(raw.request)
    fetch_account = account_endpoint(phone_numbers.fetch_account)

    # Messages -----------------------------------------------------------------------------
    create_message = account_endpoint(messages.create)
    list_messages = account_endpoint(messages.list_page)
    iter_messages = account_listing(messages.list_page)
    fetch_message = account_endpoint(messages.fetch)
    update_message = account_endpoint(messages.update)
    redact_message = account_endpoint(messages.redact)
    cancel_message = account_endpoint(messages.cancel)
    delete_message = account_endpoint(messages.delete)
    list_message_media = account_endpoint(messages.list_media)
    iter_message_media = account_listing(messages.list_media)
    fetch_message_media = account_endpoint(messages.fetch_media)

    # Calls --------------------------------------------------------------------------------
    create_call = account_endpoint(calls.create)
    list_calls = account_endpoint(calls.list_page)
    iter_calls = account_listing(calls.list_page)
    fetch_call = account_endpoint(calls.fetch)
    update_call = account_endpoint(calls.update)
    delete_call = account_endpoint(calls.delete)

    # Incoming phone numbers ---------------------------------------------------------------
    list_phone_numbers = account_endpoint(phone_numbers.list_page)
    iter_phone_numbers = account_listing(phone_numbers.list_page)
    create_phone_number = account_endpoint(phone_numbers.create)
    fetch_phone_number = account_endpoint(phone_numbers.fetch)
    update_phone_number = account_endpoint(phone_numbers.update)
    delete_phone_number = account_endpoint(phone_numbers.delete)

    # Verify: services, rate limits and buckets --------------------------------------------
    create_verify_service = endpoint(verify.create_service)
    list_verify_services = endpoint(verify.list_services)
    iter_verify_services = listing(verify.list_services)
    fetch_verify_service = endpoint(verify.fetch_service)
    create_rate_limit = endpoint(verify.create_rate_limit)
    list_rate_limits = endpoint(verify.list_rate_limits)
    fetch_rate_limit = endpoint(verify.fetch_rate_limit)
    update_rate_limit = endpoint(verify.update_rate_limit)
    delete_rate_limit = endpoint(verify.delete_rate_limit)
    create_bucket = endpoint(verify.create_bucket)
    list_buckets = endpoint(verify.list_buckets)
    fetch_bucket = endpoint(verify.fetch_bucket)
    update_bucket = endpoint(verify.update_bucket)
    delete_bucket = endpoint(verify.delete_bucket)

    # Verify: webhooks and verifications ---------------------------------------------------
    create_verify_webhook = endpoint(verify.create_webhook)
    list_verify_webhooks = endpoint(verify.list_webhooks)
    fetch_verify_webhook = endpoint(verify.fetch_webhook)
    update_verify_webhook = endpoint(verify.update_webhook)
    delete_verify_webhook = endpoint(verify.delete_webhook)
    create_verification = endpoint(verify.create_verification)
    fetch_verification = endpoint(verify.fetch_verification)
    update_verification = endpoint(verify.update_verification)
    check_verification = endpoint(verify.check_verification)

    # Lookups and Content ------------------------------------------------------------------
    lookup_phone_number = endpoint(lookups.lookup)
    list_contents = endpoint(content.list_page)
    iter_contents = listing(content.list_page)
    list_contents_with_approvals = endpoint(content.list_with_approvals)
    fetch_content = endpoint(content.fetch)
    fetch_content_approval = endpoint(content.fetch_approval)
