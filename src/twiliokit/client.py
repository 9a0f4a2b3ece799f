"""The Twilio client: :class:`AsyncClient` first, and :class:`Client` for scripts.

Both are thin facades over the same pure code. A method builds an operation with a resource
module (:mod:`twiliokit.resources`), prepares it for the connection (URL, encoding, policy),
drives the shared retry logic (:func:`twiliokit.http.exchange.exchange`) with its transport,
and parses the answer. Only the last two words differ between the classes (``await`` and the
transport), so the two cannot drift apart; a test checks their signatures match.

::

    async with AsyncClient(connection) as client:
        message = await client.create_message(to="+14155550100", body="Hi")
        async for m in client.iter_messages(to="+14155550100", limit=200):
            ...

The client never reads environment variables: credentials and routing come from the
:class:`~twiliokit.connections.Connection`, proxies and certificates from the ``transport``.
Resource modules and httpx are imported on first use, so ``import twiliokit.client`` is cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from twiliokit.errors import ConfigurationError, TwiliokitError, ValidationError
from twiliokit.http.config import RetryPolicy, Timeout

if TYPE_CHECKING:
    import httpx

    from twiliokit.connections import Connection
    from twiliokit.http import exchange as _exchange
    from twiliokit.http import request as _request
    from twiliokit.http.paging import Page
    from twiliokit.http.request import FileValue, Params, PreparedRequest, ResponseType
    from twiliokit.http.transport import AsyncTransport, SyncTransport
    from twiliokit.resources import _base
    from twiliokit.resources import calls as _calls
    from twiliokit.resources import content as _content
    from twiliokit.resources import lookups as _lookups
    from twiliokit.resources import messages as _messages
    from twiliokit.resources import phone_numbers as _numbers
    from twiliokit.resources import raw as _raw
    from twiliokit.resources import verify as _verify
    from twiliokit.resources._base import Operation
    from twiliokit.resources.calls import Call
    from twiliokit.resources.content import Content, ContentApproval
    from twiliokit.resources.lookups import PhoneNumberLookup
    from twiliokit.resources.messages import DateFilter, Media, Message
    from twiliokit.resources.phone_numbers import Account, IncomingPhoneNumber
    from twiliokit.resources.raw import RawResponse
    from twiliokit.resources.verify import (
        Bucket,
        RateLimit,
        Verification,
        VerificationCheck,
        VerifyService,
        VerifyWebhook,
    )

__all__ = ["AsyncClient", "Client"]

T = TypeVar("T")


class _LazyModule:
    """A module imported on first attribute access (``importlib`` makes that thread-safe)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


if not TYPE_CHECKING:
    _base = _LazyModule("twiliokit.resources._base")
    _calls = _LazyModule("twiliokit.resources.calls")
    _content = _LazyModule("twiliokit.resources.content")
    _exchange = _LazyModule("twiliokit.http.exchange")
    _lookups = _LazyModule("twiliokit.resources.lookups")
    _messages = _LazyModule("twiliokit.resources.messages")
    _numbers = _LazyModule("twiliokit.resources.phone_numbers")
    _raw = _LazyModule("twiliokit.resources.raw")
    _request = _LazyModule("twiliokit.http.request")
    _verify = _LazyModule("twiliokit.resources.verify")


def _user_agent() -> str:
    import platform

    from twiliokit import __version__

    return f"twiliokit/{__version__} python/{platform.python_version()}"


def _page_size(page_size: int | None, limit: int | None) -> int | None:
    """``page_size``, or just enough for ``limit`` (Twilio's maximum page is 1,000)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValidationError(f"limit must be a whole number >= 0, not {limit!r}", field="limit")
    if page_size is None and limit:
        return min(limit, 1000)
    return page_size


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


class _BaseClient:
    """What both clients share: the connection, the default policy, operation preparation."""

    def __init__(
        self,
        connection: Connection,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        transport: object = None,
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

    def _prepare(self, operation: Operation[Any]) -> PreparedRequest:
        return _request.prepare(
            operation.spec, self._connection, timeout=self._timeout, retry=self._retry
        )


def _closed_error() -> TwiliokitError:
    return TwiliokitError(
        "this client is closed", hint="Create a new client, or use it inside 'with'."
    )


class AsyncClient(_BaseClient):
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

    def __init__(
        self,
        connection: Connection,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int | None = None,
    ) -> None:
        super().__init__(
            connection,
            timeout=timeout,
            retry=retry,
            transport=transport,
            max_connections=max_connections,
        )
        from twiliokit.http.transport import AsyncTransport

        if transport is not None and not hasattr(transport, "handle_async_request"):
            raise ConfigurationError(
                "AsyncClient needs an async transport (httpx.AsyncBaseTransport), got "
                f"{type(transport).__name__}",
                hint="Use Client for a sync transport, or httpx.AsyncHTTPTransport / "
                "httpx.ASGITransport here.",
            )
        self._http: AsyncTransport = AsyncTransport(
            auth=self._auth,
            headers=self._headers,
            transport=transport,
            max_connections=max_connections,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _call(self, operation: Operation[T]) -> T:
        if self._http.closed:
            raise _closed_error()
        prepared = self._prepare(operation)
        reply = await self._http.run(_exchange.exchange(prepared))
        return operation.parse(reply, prepared)

    async def _iterate(self, operation: Operation[Page[T]], limit: int | None) -> AsyncIterator[T]:
        page: Page[T] | None = await self._call(operation)
        count = 0
        while page is not None:
            for item in page.items:
                if limit is not None and count >= limit:
                    return
                yield item
                count += 1
            if limit is not None and count >= limit:
                return
            page = await self.next_page(page)

    # Paging and raw requests --------------------------------------------------------------

    async def next_page(self, page: Page[T]) -> Page[T] | None:
        """The page after ``page``, or ``None`` if it was the last."""
        operation = _base.next_page_operation(page)
        if operation is None:
            return None
        return await self._call(operation)

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        product: str = "api",
        params: Params | None = None,
        data: Params | None = None,
        json: Any = None,
        files: Mapping[str, FileValue] | None = None,
        headers: Mapping[str, str] | None = None,
        response_type: ResponseType = "json",
        timeout: Timeout | float | None = None,  # noqa: ASYNC109 - per-attempt HTTP timeout
        retry: RetryPolicy | None = None,
        idempotent: bool | None = None,
    ) -> RawResponse:
        """Any Twilio endpoint: ``path_or_url`` is a path on ``product``'s host or a full
        ``https://*.twilio.com`` URL (other hosts are refused). Error answers raise like
        every other call. See :func:`twiliokit.resources.raw.request`."""
        return await self._call(
            _raw.request(
                method,
                path_or_url,
                product=product,
                params=params,
                data=data,
                json_body=json,
                files=files,
                headers=headers,
                response_type=response_type,
                timeout=timeout,
                retry=retry,
                idempotent=idempotent,
            )
        )

    # Account ------------------------------------------------------------------------------

    async def fetch_account(self) -> Account:
        """The connection's account (its auth token is never kept)."""
        return await self._call(_numbers.fetch_account(self._connection))

    # Messages -----------------------------------------------------------------------------

    async def create_message(
        self,
        *,
        to: str,
        body: str | None = None,
        from_: str | None = None,
        messaging_service_sid: str | None = None,
        media_url: str | Sequence[str] | None = None,
        content_sid: str | None = None,
        content_variables: Mapping[str, Any] | str | None = None,
        status_callback: str | None = None,
        send_at: datetime | None = None,
        schedule_type: str | None = None,
        validity_period: int | None = None,
        smart_encoded: bool | None = None,
        send_as_mms: bool | None = None,
        shorten_urls: bool | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Message:
        """Send a message. Never re-sent after a lost answer: that raises
        :class:`~twiliokit.errors.UnknownOutcomeError` saying how to check. See
        :func:`twiliokit.resources.messages.create`."""
        return await self._call(
            _messages.create(
                self._connection,
                to=to,
                body=body,
                from_=from_,
                messaging_service_sid=messaging_service_sid,
                media_url=media_url,
                content_sid=content_sid,
                content_variables=content_variables,
                status_callback=status_callback,
                send_at=send_at,
                schedule_type=schedule_type,
                validity_period=validity_period,
                smart_encoded=smart_encoded,
                send_as_mms=send_as_mms,
                shorten_urls=shorten_urls,
                extra=extra,
            )
        )

    async def list_messages(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        date_sent: DateFilter | None = None,
        date_sent_before: DateFilter | None = None,
        date_sent_after: DateFilter | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Page[Message]:
        """One page of messages, newest first (aware datetimes are sent in UTC)."""
        return await self._call(
            _messages.list_page(
                self._connection,
                to=to,
                from_=from_,
                date_sent=date_sent,
                date_sent_before=date_sent_before,
                date_sent_after=date_sent_after,
                page_size=page_size,
                page_token=page_token,
            )
        )

    def iter_messages(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        date_sent: DateFilter | None = None,
        date_sent_before: DateFilter | None = None,
        date_sent_after: DateFilter | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[Message]:
        """Every matching message, newest first, fetching pages as needed (up to ``limit``)."""
        operation = _messages.list_page(
            self._connection,
            to=to,
            from_=from_,
            date_sent=date_sent,
            date_sent_before=date_sent_before,
            date_sent_after=date_sent_after,
            page_size=_page_size(page_size, limit),
        )
        return self._iterate(operation, limit)

    async def fetch_message(self, sid: str) -> Message:
        """One message."""
        return await self._call(_messages.fetch(self._connection, sid))

    async def update_message(
        self, sid: str, *, body: str | None = None, status: str | None = None
    ) -> Message:
        """Redact (``body=""``) or cancel a scheduled message (``status="canceled"``)."""
        return await self._call(_messages.update(self._connection, sid, body=body, status=status))

    async def redact_message(self, sid: str) -> Message:
        """Erase a message's body (``Body=""``), keeping its record."""
        return await self._call(_messages.update(self._connection, sid, body=""))

    async def cancel_message(self, sid: str) -> Message:
        """Cancel a scheduled message (``Status=canceled``)."""
        return await self._call(_messages.update(self._connection, sid, status="canceled"))

    async def delete_message(self, sid: str) -> None:
        """Delete a message's record."""
        await self._call(_messages.delete(self._connection, sid))

    async def list_message_media(
        self, message_sid: str, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[Media]:
        """One page of a message's media."""
        return await self._call(
            _messages.list_media(
                self._connection, message_sid, page_size=page_size, page_token=page_token
            )
        )

    def iter_message_media(
        self, message_sid: str, *, page_size: int | None = None, limit: int | None = None
    ) -> AsyncIterator[Media]:
        """Every media file of a message."""
        operation = _messages.list_media(
            self._connection, message_sid, page_size=_page_size(page_size, limit)
        )
        return self._iterate(operation, limit)

    async def fetch_message_media(self, message_sid: str, sid: str) -> Media:
        """One media file's metadata (its bytes: ``request("GET", media.content_path,
        response_type="binary")``)."""
        return await self._call(_messages.fetch_media(self._connection, message_sid, sid))

    # Calls --------------------------------------------------------------------------------

    async def create_call(
        self,
        *,
        to: str,
        from_: str | None = None,
        url: str | None = None,
        twiml: str | None = None,
        application_sid: str | None = None,
        method: str | None = None,
        status_callback: str | None = None,
        status_callback_event: Sequence[str] | None = None,
        status_callback_method: str | None = None,
        ring_timeout: int | None = None,
        time_limit: int | None = None,
        record: bool | None = None,
        machine_detection: str | None = None,
        send_digits: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Call:
        """Place a call (never re-sent after a lost answer). See
        :func:`twiliokit.resources.calls.create`."""
        return await self._call(
            _calls.create(
                self._connection,
                to=to,
                from_=from_,
                url=url,
                twiml=twiml,
                application_sid=application_sid,
                method=method,
                status_callback=status_callback,
                status_callback_event=status_callback_event,
                status_callback_method=status_callback_method,
                ring_timeout=ring_timeout,
                time_limit=time_limit,
                record=record,
                machine_detection=machine_detection,
                send_digits=send_digits,
                extra=extra,
            )
        )

    async def list_calls(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        status: str | None = None,
        parent_call_sid: str | None = None,
        start_time: DateFilter | None = None,
        start_time_before: DateFilter | None = None,
        start_time_after: DateFilter | None = None,
        end_time: DateFilter | None = None,
        end_time_before: DateFilter | None = None,
        end_time_after: DateFilter | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Page[Call]:
        """One page of calls, newest first."""
        return await self._call(
            _calls.list_page(
                self._connection,
                to=to,
                from_=from_,
                status=status,
                parent_call_sid=parent_call_sid,
                start_time=start_time,
                start_time_before=start_time_before,
                start_time_after=start_time_after,
                end_time=end_time,
                end_time_before=end_time_before,
                end_time_after=end_time_after,
                page_size=page_size,
                page_token=page_token,
            )
        )

    def iter_calls(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        status: str | None = None,
        start_time_before: DateFilter | None = None,
        start_time_after: DateFilter | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[Call]:
        """Every matching call, newest first."""
        operation = _calls.list_page(
            self._connection,
            to=to,
            from_=from_,
            status=status,
            start_time_before=start_time_before,
            start_time_after=start_time_after,
            page_size=_page_size(page_size, limit),
        )
        return self._iterate(operation, limit)

    async def fetch_call(self, sid: str) -> Call:
        """One call."""
        return await self._call(_calls.fetch(self._connection, sid))

    async def update_call(
        self,
        sid: str,
        *,
        status: str | None = None,
        url: str | None = None,
        method: str | None = None,
        twiml: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str | None = None,
        time_limit: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Call:
        """Hang up (``status="completed"``), cancel (``"canceled"``) or redirect a call."""
        return await self._call(
            _calls.update(
                self._connection,
                sid,
                status=status,
                url=url,
                method=method,
                twiml=twiml,
                status_callback=status_callback,
                status_callback_method=status_callback_method,
                time_limit=time_limit,
                extra=extra,
            )
        )

    async def delete_call(self, sid: str) -> None:
        """Delete a call's record."""
        await self._call(_calls.delete(self._connection, sid))

    # Incoming phone numbers ---------------------------------------------------------------

    async def list_phone_numbers(
        self,
        *,
        phone_number: str | None = None,
        friendly_name: str | None = None,
        origin: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Page[IncomingPhoneNumber]:
        """One page of the numbers the account owns."""
        return await self._call(
            _numbers.list_page(
                self._connection,
                phone_number=phone_number,
                friendly_name=friendly_name,
                origin=origin,
                page_size=page_size,
                page_token=page_token,
            )
        )

    def iter_phone_numbers(
        self,
        *,
        phone_number: str | None = None,
        friendly_name: str | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[IncomingPhoneNumber]:
        """Every number the account owns."""
        operation = _numbers.list_page(
            self._connection,
            phone_number=phone_number,
            friendly_name=friendly_name,
            page_size=_page_size(page_size, limit),
        )
        return self._iterate(operation, limit)

    async def create_phone_number(
        self,
        *,
        phone_number: str | None = None,
        area_code: str | None = None,
        friendly_name: str | None = None,
        sms_url: str | None = None,
        sms_method: str | None = None,
        sms_fallback_url: str | None = None,
        voice_url: str | None = None,
        voice_method: str | None = None,
        voice_fallback_url: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> IncomingPhoneNumber:
        """Buy a number (never re-sent after a lost answer)."""
        return await self._call(
            _numbers.create(
                self._connection,
                phone_number=phone_number,
                area_code=area_code,
                friendly_name=friendly_name,
                sms_url=sms_url,
                sms_method=sms_method,
                sms_fallback_url=sms_fallback_url,
                voice_url=voice_url,
                voice_method=voice_method,
                voice_fallback_url=voice_fallback_url,
                status_callback=status_callback,
                status_callback_method=status_callback_method,
                extra=extra,
            )
        )

    async def fetch_phone_number(self, sid: str) -> IncomingPhoneNumber:
        """One owned number (``PN...``)."""
        return await self._call(_numbers.fetch(self._connection, sid))

    async def update_phone_number(
        self,
        sid: str,
        *,
        friendly_name: str | None = None,
        sms_url: str | None = None,
        sms_method: str | None = None,
        sms_fallback_url: str | None = None,
        voice_url: str | None = None,
        voice_method: str | None = None,
        voice_fallback_url: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> IncomingPhoneNumber:
        """Point a number's webhooks somewhere (only the fields given change)."""
        return await self._call(
            _numbers.update(
                self._connection,
                sid,
                friendly_name=friendly_name,
                sms_url=sms_url,
                sms_method=sms_method,
                sms_fallback_url=sms_fallback_url,
                voice_url=voice_url,
                voice_method=voice_method,
                voice_fallback_url=voice_fallback_url,
                status_callback=status_callback,
                status_callback_method=status_callback_method,
                extra=extra,
            )
        )

    async def delete_phone_number(self, sid: str) -> None:
        """Release a number."""
        await self._call(_numbers.delete(self._connection, sid))

    # Verify: services ---------------------------------------------------------------------

    async def create_verify_service(
        self,
        *,
        friendly_name: str,
        code_length: int | None = None,
        lookup_enabled: bool | None = None,
        skip_sms_to_landlines: bool | None = None,
        do_not_share_warning_enabled: bool | None = None,
        custom_code_enabled: bool | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> VerifyService:
        """Create a Verify service."""
        return await self._call(
            _verify.create_service(
                friendly_name=friendly_name,
                code_length=code_length,
                lookup_enabled=lookup_enabled,
                skip_sms_to_landlines=skip_sms_to_landlines,
                do_not_share_warning_enabled=do_not_share_warning_enabled,
                custom_code_enabled=custom_code_enabled,
                extra=extra,
            )
        )

    async def list_verify_services(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[VerifyService]:
        """One page of Verify services."""
        return await self._call(_verify.list_services(page_size=page_size, page_token=page_token))

    def iter_verify_services(
        self, *, page_size: int | None = None, limit: int | None = None
    ) -> AsyncIterator[VerifyService]:
        """Every Verify service."""
        operation = _verify.list_services(page_size=_page_size(page_size, limit))
        return self._iterate(operation, limit)

    async def fetch_verify_service(self, sid: str) -> VerifyService:
        """One Verify service."""
        return await self._call(_verify.fetch_service(sid))

    # Verify: rate limits and buckets ------------------------------------------------------

    async def create_rate_limit(
        self, service_sid: str, *, unique_name: str, description: str | None = None
    ) -> RateLimit:
        """Create a rate limit on a Verify service."""
        return await self._call(
            _verify.create_rate_limit(service_sid, unique_name=unique_name, description=description)
        )

    async def list_rate_limits(
        self, service_sid: str, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[RateLimit]:
        """One page of a service's rate limits."""
        return await self._call(
            _verify.list_rate_limits(service_sid, page_size=page_size, page_token=page_token)
        )

    async def fetch_rate_limit(self, service_sid: str, sid: str) -> RateLimit:
        """One rate limit."""
        return await self._call(_verify.fetch_rate_limit(service_sid, sid))

    async def update_rate_limit(
        self, service_sid: str, sid: str, *, description: str | None = None
    ) -> RateLimit:
        """Change a rate limit's description."""
        return await self._call(
            _verify.update_rate_limit(service_sid, sid, description=description)
        )

    async def delete_rate_limit(self, service_sid: str, sid: str) -> None:
        """Delete a rate limit."""
        await self._call(_verify.delete_rate_limit(service_sid, sid))

    async def create_bucket(
        self, service_sid: str, rate_limit_sid: str, *, max: int, interval: int
    ) -> Bucket:
        """Allow at most ``max`` starts per ``interval`` seconds under a rate limit."""
        return await self._call(
            _verify.create_bucket(service_sid, rate_limit_sid, max=max, interval=interval)
        )

    async def list_buckets(
        self,
        service_sid: str,
        rate_limit_sid: str,
        *,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Page[Bucket]:
        """One page of a rate limit's buckets."""
        return await self._call(
            _verify.list_buckets(
                service_sid, rate_limit_sid, page_size=page_size, page_token=page_token
            )
        )

    async def fetch_bucket(self, service_sid: str, rate_limit_sid: str, sid: str) -> Bucket:
        """One bucket."""
        return await self._call(_verify.fetch_bucket(service_sid, rate_limit_sid, sid))

    async def update_bucket(
        self,
        service_sid: str,
        rate_limit_sid: str,
        sid: str,
        *,
        max: int | None = None,
        interval: int | None = None,
    ) -> Bucket:
        """Change a bucket's ``max`` or ``interval``."""
        return await self._call(
            _verify.update_bucket(service_sid, rate_limit_sid, sid, max=max, interval=interval)
        )

    async def delete_bucket(self, service_sid: str, rate_limit_sid: str, sid: str) -> None:
        """Delete a bucket."""
        await self._call(_verify.delete_bucket(service_sid, rate_limit_sid, sid))

    # Verify: webhooks ---------------------------------------------------------------------

    async def create_verify_webhook(
        self,
        service_sid: str,
        *,
        friendly_name: str,
        event_types: Sequence[str],
        webhook_url: str,
        status: str | None = None,
        version: str | None = None,
    ) -> VerifyWebhook:
        """Have Verify post events to ``webhook_url``."""
        return await self._call(
            _verify.create_webhook(
                service_sid,
                friendly_name=friendly_name,
                event_types=event_types,
                webhook_url=webhook_url,
                status=status,
                version=version,
            )
        )

    async def list_verify_webhooks(
        self, service_sid: str, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[VerifyWebhook]:
        """One page of a service's webhooks."""
        return await self._call(
            _verify.list_webhooks(service_sid, page_size=page_size, page_token=page_token)
        )

    async def fetch_verify_webhook(self, service_sid: str, sid: str) -> VerifyWebhook:
        """One webhook."""
        return await self._call(_verify.fetch_webhook(service_sid, sid))

    async def update_verify_webhook(
        self,
        service_sid: str,
        sid: str,
        *,
        friendly_name: str | None = None,
        event_types: Sequence[str] | None = None,
        webhook_url: str | None = None,
        status: str | None = None,
        version: str | None = None,
    ) -> VerifyWebhook:
        """Change a webhook (only the fields given)."""
        return await self._call(
            _verify.update_webhook(
                service_sid,
                sid,
                friendly_name=friendly_name,
                event_types=event_types,
                webhook_url=webhook_url,
                status=status,
                version=version,
            )
        )

    async def delete_verify_webhook(self, service_sid: str, sid: str) -> None:
        """Delete a webhook."""
        await self._call(_verify.delete_webhook(service_sid, sid))

    # Verify: verifications ----------------------------------------------------------------

    async def create_verification(
        self,
        service_sid: str,
        *,
        to: str,
        channel: str,
        locale: str | None = None,
        custom_friendly_name: str | None = None,
        custom_code: str | None = None,
        rate_limits: Mapping[str, str] | None = None,
        channel_configuration: Mapping[str, Any] | None = None,
        app_hash: str | None = None,
        template_sid: str | None = None,
        device_ip: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Verification:
        """Send a verification code (never re-sent after a lost answer)."""
        return await self._call(
            _verify.create_verification(
                service_sid,
                to=to,
                channel=channel,
                locale=locale,
                custom_friendly_name=custom_friendly_name,
                custom_code=custom_code,
                rate_limits=rate_limits,
                channel_configuration=channel_configuration,
                app_hash=app_hash,
                template_sid=template_sid,
                device_ip=device_ip,
                extra=extra,
            )
        )

    async def fetch_verification(self, service_sid: str, sid: str) -> Verification:
        """One verification."""
        return await self._call(_verify.fetch_verification(service_sid, sid))

    async def update_verification(self, service_sid: str, sid: str, *, status: str) -> Verification:
        """Cancel (``"canceled"``) or approve (``"approved"``) a verification."""
        return await self._call(_verify.update_verification(service_sid, sid, status=status))

    async def check_verification(
        self,
        service_sid: str,
        *,
        code: str,
        to: str | None = None,
        verification_sid: str | None = None,
    ) -> VerificationCheck:
        """Check a code (a wrong code is ``status="pending"``, not an error)."""
        return await self._call(
            _verify.check_verification(
                service_sid, code=code, to=to, verification_sid=verification_sid
            )
        )

    # Lookups ------------------------------------------------------------------------------

    async def lookup_phone_number(
        self,
        phone_number: str,
        *,
        fields: str | Sequence[str] | None = None,
        country_code: str | None = None,
    ) -> PhoneNumberLookup:
        """Validate and format a number; ``fields`` adds data packages
        (``"line_type_intelligence"``, ``"caller_name"``, ...)."""
        return await self._call(
            _lookups.lookup(phone_number, fields=fields, country_code=country_code)
        )

    # Content ------------------------------------------------------------------------------

    async def list_contents(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[Content]:
        """One page of message templates."""
        return await self._call(_content.list_page(page_size=page_size, page_token=page_token))

    def iter_contents(
        self, *, page_size: int | None = None, limit: int | None = None
    ) -> AsyncIterator[Content]:
        """Every message template."""
        return self._iterate(_content.list_page(page_size=_page_size(page_size, limit)), limit)

    async def list_contents_with_approvals(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[Content]:
        """One page of templates with their WhatsApp approval status."""
        return await self._call(
            _content.list_with_approvals(page_size=page_size, page_token=page_token)
        )

    async def fetch_content(self, sid: str) -> Content:
        """One message template."""
        return await self._call(_content.fetch(sid))

    async def fetch_content_approval(self, sid: str) -> ContentApproval:
        """A template's WhatsApp approval (``approval.whatsapp.status``)."""
        return await self._call(_content.fetch_approval(sid))


class Client(_BaseClient):
    """Twilio's REST API, blocking: the same methods as :class:`AsyncClient`, for scripts.
    Use ``with`` (or ``close()``) to release the connection pool. Safe to share between
    threads.

    ``transport`` replaces the network (``httpx.HTTPTransport(proxy=..., verify=...)``, or
    ``httpx.MockTransport`` in a test). ``max_connections`` caps the connections kept for
    threads sending at once (default 100), as for :class:`AsyncClient`.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int | None = None,
    ) -> None:
        super().__init__(
            connection,
            timeout=timeout,
            retry=retry,
            transport=transport,
            max_connections=max_connections,
        )
        from twiliokit.http.transport import SyncTransport

        if transport is not None and not hasattr(transport, "handle_request"):
            raise ConfigurationError(
                "Client needs a sync transport (httpx.BaseTransport), got "
                f"{type(transport).__name__}",
                hint="Use AsyncClient for an async transport such as httpx.ASGITransport.",
            )
        self._http: SyncTransport = SyncTransport(
            auth=self._auth,
            headers=self._headers,
            transport=transport,
            max_connections=max_connections,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, operation: Operation[T]) -> T:
        if self._http.closed:
            raise _closed_error()
        prepared = self._prepare(operation)
        reply = self._http.run(_exchange.exchange(prepared))
        return operation.parse(reply, prepared)

    def _iterate(self, operation: Operation[Page[T]], limit: int | None) -> Iterator[T]:
        page: Page[T] | None = self._call(operation)
        count = 0
        while page is not None:
            for item in page.items:
                if limit is not None and count >= limit:
                    return
                yield item
                count += 1
            if limit is not None and count >= limit:
                return
            page = self.next_page(page)

    # Paging and raw requests --------------------------------------------------------------

    def next_page(self, page: Page[T]) -> Page[T] | None:
        """The page after ``page``, or ``None`` if it was the last."""
        operation = _base.next_page_operation(page)
        if operation is None:
            return None
        return self._call(operation)

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        product: str = "api",
        params: Params | None = None,
        data: Params | None = None,
        json: Any = None,
        files: Mapping[str, FileValue] | None = None,
        headers: Mapping[str, str] | None = None,
        response_type: ResponseType = "json",
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        idempotent: bool | None = None,
    ) -> RawResponse:
        """Any Twilio endpoint; see :meth:`AsyncClient.request`."""
        return self._call(
            _raw.request(
                method,
                path_or_url,
                product=product,
                params=params,
                data=data,
                json_body=json,
                files=files,
                headers=headers,
                response_type=response_type,
                timeout=timeout,
                retry=retry,
                idempotent=idempotent,
            )
        )

    # Account ------------------------------------------------------------------------------

    def fetch_account(self) -> Account:
        """The connection's account (its auth token is never kept)."""
        return self._call(_numbers.fetch_account(self._connection))

    # Messages -----------------------------------------------------------------------------

    def create_message(
        self,
        *,
        to: str,
        body: str | None = None,
        from_: str | None = None,
        messaging_service_sid: str | None = None,
        media_url: str | Sequence[str] | None = None,
        content_sid: str | None = None,
        content_variables: Mapping[str, Any] | str | None = None,
        status_callback: str | None = None,
        send_at: datetime | None = None,
        schedule_type: str | None = None,
        validity_period: int | None = None,
        smart_encoded: bool | None = None,
        send_as_mms: bool | None = None,
        shorten_urls: bool | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Message:
        """Send a message; see :meth:`AsyncClient.create_message`."""
        return self._call(
            _messages.create(
                self._connection,
                to=to,
                body=body,
                from_=from_,
                messaging_service_sid=messaging_service_sid,
                media_url=media_url,
                content_sid=content_sid,
                content_variables=content_variables,
                status_callback=status_callback,
                send_at=send_at,
                schedule_type=schedule_type,
                validity_period=validity_period,
                smart_encoded=smart_encoded,
                send_as_mms=send_as_mms,
                shorten_urls=shorten_urls,
                extra=extra,
            )
        )

    def list_messages(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        date_sent: DateFilter | None = None,
        date_sent_before: DateFilter | None = None,
        date_sent_after: DateFilter | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Page[Message]:
        """One page of messages, newest first."""
        return self._call(
            _messages.list_page(
                self._connection,
                to=to,
                from_=from_,
                date_sent=date_sent,
                date_sent_before=date_sent_before,
                date_sent_after=date_sent_after,
                page_size=page_size,
                page_token=page_token,
            )
        )

    def iter_messages(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        date_sent: DateFilter | None = None,
        date_sent_before: DateFilter | None = None,
        date_sent_after: DateFilter | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Message]:
        """Every matching message, newest first (up to ``limit``)."""
        operation = _messages.list_page(
            self._connection,
            to=to,
            from_=from_,
            date_sent=date_sent,
            date_sent_before=date_sent_before,
            date_sent_after=date_sent_after,
            page_size=_page_size(page_size, limit),
        )
        return self._iterate(operation, limit)

    def fetch_message(self, sid: str) -> Message:
        """One message."""
        return self._call(_messages.fetch(self._connection, sid))

    def update_message(
        self, sid: str, *, body: str | None = None, status: str | None = None
    ) -> Message:
        """Redact (``body=""``) or cancel a scheduled message (``status="canceled"``)."""
        return self._call(_messages.update(self._connection, sid, body=body, status=status))

    def redact_message(self, sid: str) -> Message:
        """Erase a message's body, keeping its record."""
        return self._call(_messages.update(self._connection, sid, body=""))

    def cancel_message(self, sid: str) -> Message:
        """Cancel a scheduled message."""
        return self._call(_messages.update(self._connection, sid, status="canceled"))

    def delete_message(self, sid: str) -> None:
        """Delete a message's record."""
        self._call(_messages.delete(self._connection, sid))

    def list_message_media(
        self, message_sid: str, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[Media]:
        """One page of a message's media."""
        return self._call(
            _messages.list_media(
                self._connection, message_sid, page_size=page_size, page_token=page_token
            )
        )

    def iter_message_media(
        self, message_sid: str, *, page_size: int | None = None, limit: int | None = None
    ) -> Iterator[Media]:
        """Every media file of a message."""
        operation = _messages.list_media(
            self._connection, message_sid, page_size=_page_size(page_size, limit)
        )
        return self._iterate(operation, limit)

    def fetch_message_media(self, message_sid: str, sid: str) -> Media:
        """One media file's metadata."""
        return self._call(_messages.fetch_media(self._connection, message_sid, sid))

    # Calls --------------------------------------------------------------------------------

    def create_call(
        self,
        *,
        to: str,
        from_: str | None = None,
        url: str | None = None,
        twiml: str | None = None,
        application_sid: str | None = None,
        method: str | None = None,
        status_callback: str | None = None,
        status_callback_event: Sequence[str] | None = None,
        status_callback_method: str | None = None,
        ring_timeout: int | None = None,
        time_limit: int | None = None,
        record: bool | None = None,
        machine_detection: str | None = None,
        send_digits: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Call:
        """Place a call; see :meth:`AsyncClient.create_call`."""
        return self._call(
            _calls.create(
                self._connection,
                to=to,
                from_=from_,
                url=url,
                twiml=twiml,
                application_sid=application_sid,
                method=method,
                status_callback=status_callback,
                status_callback_event=status_callback_event,
                status_callback_method=status_callback_method,
                ring_timeout=ring_timeout,
                time_limit=time_limit,
                record=record,
                machine_detection=machine_detection,
                send_digits=send_digits,
                extra=extra,
            )
        )

    def list_calls(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        status: str | None = None,
        parent_call_sid: str | None = None,
        start_time: DateFilter | None = None,
        start_time_before: DateFilter | None = None,
        start_time_after: DateFilter | None = None,
        end_time: DateFilter | None = None,
        end_time_before: DateFilter | None = None,
        end_time_after: DateFilter | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Page[Call]:
        """One page of calls, newest first."""
        return self._call(
            _calls.list_page(
                self._connection,
                to=to,
                from_=from_,
                status=status,
                parent_call_sid=parent_call_sid,
                start_time=start_time,
                start_time_before=start_time_before,
                start_time_after=start_time_after,
                end_time=end_time,
                end_time_before=end_time_before,
                end_time_after=end_time_after,
                page_size=page_size,
                page_token=page_token,
            )
        )

    def iter_calls(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        status: str | None = None,
        start_time_before: DateFilter | None = None,
        start_time_after: DateFilter | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Call]:
        """Every matching call, newest first."""
        operation = _calls.list_page(
            self._connection,
            to=to,
            from_=from_,
            status=status,
            start_time_before=start_time_before,
            start_time_after=start_time_after,
            page_size=_page_size(page_size, limit),
        )
        return self._iterate(operation, limit)

    def fetch_call(self, sid: str) -> Call:
        """One call."""
        return self._call(_calls.fetch(self._connection, sid))

    def update_call(
        self,
        sid: str,
        *,
        status: str | None = None,
        url: str | None = None,
        method: str | None = None,
        twiml: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str | None = None,
        time_limit: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Call:
        """Hang up, cancel or redirect a call."""
        return self._call(
            _calls.update(
                self._connection,
                sid,
                status=status,
                url=url,
                method=method,
                twiml=twiml,
                status_callback=status_callback,
                status_callback_method=status_callback_method,
                time_limit=time_limit,
                extra=extra,
            )
        )

    def delete_call(self, sid: str) -> None:
        """Delete a call's record."""
        self._call(_calls.delete(self._connection, sid))

    # Incoming phone numbers ---------------------------------------------------------------

    def list_phone_numbers(
        self,
        *,
        phone_number: str | None = None,
        friendly_name: str | None = None,
        origin: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Page[IncomingPhoneNumber]:
        """One page of the numbers the account owns."""
        return self._call(
            _numbers.list_page(
                self._connection,
                phone_number=phone_number,
                friendly_name=friendly_name,
                origin=origin,
                page_size=page_size,
                page_token=page_token,
            )
        )

    def iter_phone_numbers(
        self,
        *,
        phone_number: str | None = None,
        friendly_name: str | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> Iterator[IncomingPhoneNumber]:
        """Every number the account owns."""
        operation = _numbers.list_page(
            self._connection,
            phone_number=phone_number,
            friendly_name=friendly_name,
            page_size=_page_size(page_size, limit),
        )
        return self._iterate(operation, limit)

    def create_phone_number(
        self,
        *,
        phone_number: str | None = None,
        area_code: str | None = None,
        friendly_name: str | None = None,
        sms_url: str | None = None,
        sms_method: str | None = None,
        sms_fallback_url: str | None = None,
        voice_url: str | None = None,
        voice_method: str | None = None,
        voice_fallback_url: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> IncomingPhoneNumber:
        """Buy a number (never re-sent after a lost answer)."""
        return self._call(
            _numbers.create(
                self._connection,
                phone_number=phone_number,
                area_code=area_code,
                friendly_name=friendly_name,
                sms_url=sms_url,
                sms_method=sms_method,
                sms_fallback_url=sms_fallback_url,
                voice_url=voice_url,
                voice_method=voice_method,
                voice_fallback_url=voice_fallback_url,
                status_callback=status_callback,
                status_callback_method=status_callback_method,
                extra=extra,
            )
        )

    def fetch_phone_number(self, sid: str) -> IncomingPhoneNumber:
        """One owned number (``PN...``)."""
        return self._call(_numbers.fetch(self._connection, sid))

    def update_phone_number(
        self,
        sid: str,
        *,
        friendly_name: str | None = None,
        sms_url: str | None = None,
        sms_method: str | None = None,
        sms_fallback_url: str | None = None,
        voice_url: str | None = None,
        voice_method: str | None = None,
        voice_fallback_url: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> IncomingPhoneNumber:
        """Point a number's webhooks somewhere (only the fields given change)."""
        return self._call(
            _numbers.update(
                self._connection,
                sid,
                friendly_name=friendly_name,
                sms_url=sms_url,
                sms_method=sms_method,
                sms_fallback_url=sms_fallback_url,
                voice_url=voice_url,
                voice_method=voice_method,
                voice_fallback_url=voice_fallback_url,
                status_callback=status_callback,
                status_callback_method=status_callback_method,
                extra=extra,
            )
        )

    def delete_phone_number(self, sid: str) -> None:
        """Release a number."""
        self._call(_numbers.delete(self._connection, sid))

    # Verify: services ---------------------------------------------------------------------

    def create_verify_service(
        self,
        *,
        friendly_name: str,
        code_length: int | None = None,
        lookup_enabled: bool | None = None,
        skip_sms_to_landlines: bool | None = None,
        do_not_share_warning_enabled: bool | None = None,
        custom_code_enabled: bool | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> VerifyService:
        """Create a Verify service."""
        return self._call(
            _verify.create_service(
                friendly_name=friendly_name,
                code_length=code_length,
                lookup_enabled=lookup_enabled,
                skip_sms_to_landlines=skip_sms_to_landlines,
                do_not_share_warning_enabled=do_not_share_warning_enabled,
                custom_code_enabled=custom_code_enabled,
                extra=extra,
            )
        )

    def list_verify_services(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[VerifyService]:
        """One page of Verify services."""
        return self._call(_verify.list_services(page_size=page_size, page_token=page_token))

    def iter_verify_services(
        self, *, page_size: int | None = None, limit: int | None = None
    ) -> Iterator[VerifyService]:
        """Every Verify service."""
        operation = _verify.list_services(page_size=_page_size(page_size, limit))
        return self._iterate(operation, limit)

    def fetch_verify_service(self, sid: str) -> VerifyService:
        """One Verify service."""
        return self._call(_verify.fetch_service(sid))

    # Verify: rate limits and buckets ------------------------------------------------------

    def create_rate_limit(
        self, service_sid: str, *, unique_name: str, description: str | None = None
    ) -> RateLimit:
        """Create a rate limit on a Verify service."""
        return self._call(
            _verify.create_rate_limit(service_sid, unique_name=unique_name, description=description)
        )

    def list_rate_limits(
        self, service_sid: str, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[RateLimit]:
        """One page of a service's rate limits."""
        return self._call(
            _verify.list_rate_limits(service_sid, page_size=page_size, page_token=page_token)
        )

    def fetch_rate_limit(self, service_sid: str, sid: str) -> RateLimit:
        """One rate limit."""
        return self._call(_verify.fetch_rate_limit(service_sid, sid))

    def update_rate_limit(
        self, service_sid: str, sid: str, *, description: str | None = None
    ) -> RateLimit:
        """Change a rate limit's description."""
        return self._call(_verify.update_rate_limit(service_sid, sid, description=description))

    def delete_rate_limit(self, service_sid: str, sid: str) -> None:
        """Delete a rate limit."""
        self._call(_verify.delete_rate_limit(service_sid, sid))

    def create_bucket(
        self, service_sid: str, rate_limit_sid: str, *, max: int, interval: int
    ) -> Bucket:
        """Allow at most ``max`` starts per ``interval`` seconds under a rate limit."""
        return self._call(
            _verify.create_bucket(service_sid, rate_limit_sid, max=max, interval=interval)
        )

    def list_buckets(
        self,
        service_sid: str,
        rate_limit_sid: str,
        *,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Page[Bucket]:
        """One page of a rate limit's buckets."""
        return self._call(
            _verify.list_buckets(
                service_sid, rate_limit_sid, page_size=page_size, page_token=page_token
            )
        )

    def fetch_bucket(self, service_sid: str, rate_limit_sid: str, sid: str) -> Bucket:
        """One bucket."""
        return self._call(_verify.fetch_bucket(service_sid, rate_limit_sid, sid))

    def update_bucket(
        self,
        service_sid: str,
        rate_limit_sid: str,
        sid: str,
        *,
        max: int | None = None,
        interval: int | None = None,
    ) -> Bucket:
        """Change a bucket's ``max`` or ``interval``."""
        return self._call(
            _verify.update_bucket(service_sid, rate_limit_sid, sid, max=max, interval=interval)
        )

    def delete_bucket(self, service_sid: str, rate_limit_sid: str, sid: str) -> None:
        """Delete a bucket."""
        self._call(_verify.delete_bucket(service_sid, rate_limit_sid, sid))

    # Verify: webhooks ---------------------------------------------------------------------

    def create_verify_webhook(
        self,
        service_sid: str,
        *,
        friendly_name: str,
        event_types: Sequence[str],
        webhook_url: str,
        status: str | None = None,
        version: str | None = None,
    ) -> VerifyWebhook:
        """Have Verify post events to ``webhook_url``."""
        return self._call(
            _verify.create_webhook(
                service_sid,
                friendly_name=friendly_name,
                event_types=event_types,
                webhook_url=webhook_url,
                status=status,
                version=version,
            )
        )

    def list_verify_webhooks(
        self, service_sid: str, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[VerifyWebhook]:
        """One page of a service's webhooks."""
        return self._call(
            _verify.list_webhooks(service_sid, page_size=page_size, page_token=page_token)
        )

    def fetch_verify_webhook(self, service_sid: str, sid: str) -> VerifyWebhook:
        """One webhook."""
        return self._call(_verify.fetch_webhook(service_sid, sid))

    def update_verify_webhook(
        self,
        service_sid: str,
        sid: str,
        *,
        friendly_name: str | None = None,
        event_types: Sequence[str] | None = None,
        webhook_url: str | None = None,
        status: str | None = None,
        version: str | None = None,
    ) -> VerifyWebhook:
        """Change a webhook (only the fields given)."""
        return self._call(
            _verify.update_webhook(
                service_sid,
                sid,
                friendly_name=friendly_name,
                event_types=event_types,
                webhook_url=webhook_url,
                status=status,
                version=version,
            )
        )

    def delete_verify_webhook(self, service_sid: str, sid: str) -> None:
        """Delete a webhook."""
        self._call(_verify.delete_webhook(service_sid, sid))

    # Verify: verifications ----------------------------------------------------------------

    def create_verification(
        self,
        service_sid: str,
        *,
        to: str,
        channel: str,
        locale: str | None = None,
        custom_friendly_name: str | None = None,
        custom_code: str | None = None,
        rate_limits: Mapping[str, str] | None = None,
        channel_configuration: Mapping[str, Any] | None = None,
        app_hash: str | None = None,
        template_sid: str | None = None,
        device_ip: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Verification:
        """Send a verification code (never re-sent after a lost answer)."""
        return self._call(
            _verify.create_verification(
                service_sid,
                to=to,
                channel=channel,
                locale=locale,
                custom_friendly_name=custom_friendly_name,
                custom_code=custom_code,
                rate_limits=rate_limits,
                channel_configuration=channel_configuration,
                app_hash=app_hash,
                template_sid=template_sid,
                device_ip=device_ip,
                extra=extra,
            )
        )

    def fetch_verification(self, service_sid: str, sid: str) -> Verification:
        """One verification."""
        return self._call(_verify.fetch_verification(service_sid, sid))

    def update_verification(self, service_sid: str, sid: str, *, status: str) -> Verification:
        """Cancel (``"canceled"``) or approve (``"approved"``) a verification."""
        return self._call(_verify.update_verification(service_sid, sid, status=status))

    def check_verification(
        self,
        service_sid: str,
        *,
        code: str,
        to: str | None = None,
        verification_sid: str | None = None,
    ) -> VerificationCheck:
        """Check a code (a wrong code is ``status="pending"``, not an error)."""
        return self._call(
            _verify.check_verification(
                service_sid, code=code, to=to, verification_sid=verification_sid
            )
        )

    # Lookups ------------------------------------------------------------------------------

    def lookup_phone_number(
        self,
        phone_number: str,
        *,
        fields: str | Sequence[str] | None = None,
        country_code: str | None = None,
    ) -> PhoneNumberLookup:
        """Validate and format a number; ``fields`` adds data packages."""
        return self._call(_lookups.lookup(phone_number, fields=fields, country_code=country_code))

    # Content ------------------------------------------------------------------------------

    def list_contents(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[Content]:
        """One page of message templates."""
        return self._call(_content.list_page(page_size=page_size, page_token=page_token))

    def iter_contents(
        self, *, page_size: int | None = None, limit: int | None = None
    ) -> Iterator[Content]:
        """Every message template."""
        return self._iterate(_content.list_page(page_size=_page_size(page_size, limit)), limit)

    def list_contents_with_approvals(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> Page[Content]:
        """One page of templates with their WhatsApp approval status."""
        return self._call(_content.list_with_approvals(page_size=page_size, page_token=page_token))

    def fetch_content(self, sid: str) -> Content:
        """One message template."""
        return self._call(_content.fetch(sid))

    def fetch_content_approval(self, sid: str) -> ContentApproval:
        """A template's WhatsApp approval (``approval.whatsapp.status``)."""
        return self._call(_content.fetch_approval(sid))
