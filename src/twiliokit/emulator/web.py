"""Request and response helpers shared by every product router.

Twilio's REST conventions, written once: HTTP Basic auth with an account SID + auth token or an
API key SID + secret; form-encoded bodies with repeated keys; the 2010 API's list envelope with
``PageSize``/``Page``/``PageToken`` and relative URIs; the v1/v2 ``meta`` envelope with
absolute URLs; RFC 2822 dates in the 2010 API and ISO 8601 elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Final, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from twiliokit.emulator.errors import ApiError, not_found, test_credentials_forbidden, unauthorized
from twiliokit.emulator.hosts import twilio_base
from twiliokit.emulator.state import Account, EmulatorState

API_2010 = "/2010-04-01"
#: How a form says true (anything else reads as false here; strict readers refuse it).
TRUE_WORDS: Final = frozenset({"true", "1", "yes"})
_ACCOUNT_SID: Final = re.compile(r"AC[0-9a-fA-F]{32}")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
#: A request handler, as the product routers write them.
Endpoint = Callable[[Request], Awaitable[Response]]


class Form:
    """Decoded form parameters, keeping order and repeated keys."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.pairs = list(pairs)

    def get(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.pairs:
            if key == name:
                return value
        return default

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self.pairs)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key for key, _ in self.pairs))

    def integer(self, name: str) -> int | None:
        """The whole number ``name`` holds, None when absent or empty; ``ValueError`` when it
        holds something else (each product answers that with its own error)."""
        value = self.get(name)
        return None if value is None or value == "" else int(value)

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None or value == "":
            return default
        return value.strip().lower() in TRUE_WORDS


def state_of(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


async def read_form(request: Request) -> Form:
    """The request's form parameters (query string for GET/DELETE, body for POST)."""
    if request.method in {"GET", "DELETE"}:
        return Form(parse_qsl(request.url.query, keep_blank_values=True))
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" not in content_type:
        # Twilio ignores non-form bodies (a JSON body is why 21604 says 'To' is required).
        return Form([])
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, 20001, "Request body is not valid UTF-8") from exc
    return Form(parse_qsl(text, keep_blank_values=True))


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def authenticate(request: Request) -> Account:
    """The account these credentials belong to, or Twilio's 401 / 20003."""
    state = state_of(request)
    creds = _credentials(request)
    if creds is None:
        raise unauthorized()
    username, password = creds
    if username.startswith("SK"):
        key = state.api_keys.get(username)
        if key is None or not hmac.compare_digest(key.secret.encode(), password.encode()):
            raise unauthorized()
        return state.accounts[key.account_sid]
    account = state.accounts.get(username)
    if account is None or not hmac.compare_digest(account.auth_token.encode(), password.encode()):
        raise unauthorized()
    return account


def account_for(
    request: Request, account_sid: str, *, test_credentials_ok: bool = False
) -> Account:
    """Authenticate and check the account in the path; test credentials reach only a few
    endpoints (pass ``test_credentials_ok`` for the 2010 creates that accept them)."""
    account = authenticate(request)
    if not _ACCOUNT_SID.fullmatch(account_sid):
        # No Twilio route matches a path whose account SID is malformed (``null``, cut
        # short): Twilio answers 404 naming the path, not 401.
        raise not_found(request.url.path)
    if account.sid != account_sid:
        raise unauthorized()
    if account.is_test and not test_credentials_ok:
        raise test_credentials_forbidden(request.url.path)
    return account


def path_account(request: Request, *, test_credentials_ok: bool = False) -> Account:
    """:func:`account_for` the account the 2010 API path names (``{account_sid}``)."""
    return account_for(
        request, request.path_params["account_sid"], test_credentials_ok=test_credentials_ok
    )


async def path_account_form(
    request: Request, *, test_credentials_ok: bool = False
) -> tuple[Account, Form]:
    """:func:`path_account`, then the request's :func:`read_form`: what the 2010 API's creates
    and lists start with (the account is checked before the body is read)."""
    account = path_account(request, test_credentials_ok=test_credentials_ok)
    return account, await read_form(request)


def live_account(request: Request) -> Account:
    """For products without the account in the path (Verify, Lookups, Content)."""
    account = authenticate(request)
    if account.is_test:
        raise test_credentials_forbidden(request.url.path)
    return account


def rfc2822(value: datetime | None) -> str | None:
    """The 2010 API's date format: ``Thu, 24 Aug 2023 05:01:45 +0000``."""
    if value is None:
        return None
    return format_datetime(value.astimezone(UTC).replace(microsecond=0))


def iso8601(value: datetime | None) -> str | None:
    """The v1/v2 APIs' date format: ``2023-08-24T05:01:45Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Dated(Protocol):
    @property
    def date_created(self) -> datetime: ...
    @property
    def date_updated(self) -> datetime: ...


def same_names(record: object, *names: str) -> dict[str, Any]:
    """The attributes ``names`` of ``record`` under the same keys: the part of a resource's
    JSON that Twilio spells as the emulator stores it (one place instead of ``"x": r.x`` lines)."""
    return {name: getattr(record, name) for name in names}


def iso8601_dates(record: _Dated) -> dict[str, str | None]:
    """A v1/v2 resource's ``date_created`` and ``date_updated``."""
    return {
        "date_created": iso8601(record.date_created),
        "date_updated": iso8601(record.date_updated),
    }


def json_response(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)


def paging(form: Form) -> tuple[int, int, str | None]:
    """``PageSize``, ``Page`` and ``PageToken`` of a list request, or Twilio's 400 / 20001."""
    try:
        size = int(form.get("PageSize") or DEFAULT_PAGE_SIZE)
        page = int(form.get("Page") or 0)
    except ValueError as exc:
        raise ApiError(400, 20001, "PageSize and Page must be integers") from exc
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(400, 20001, f"PageSize must be between 1 and {MAX_PAGE_SIZE}")
    if page < 0:
        raise ApiError(400, 20001, "Page must not be negative")
    return size, page, form.get("PageToken")


def _window(items: Sequence[dict[str, Any]], size: int, page: int, token: str | None) -> int:
    """Index of the first item on the requested page. ``PageToken`` is ``PA`` + the SID of the
    last item of the previous page (``PB`` + first SID going back), so pages stay stable while
    new items arrive."""
    if token and len(token) > 2 and token[:2] in {"PA", "PB"}:
        sids = [item.get("sid") for item in items]
        try:
            index = sids.index(token[2:])
        except ValueError:
            return len(items)
        return index + 1 if token[:2] == "PA" else max(0, index - size)
    return page * size


@dataclass(frozen=True)
class _Page:
    """One page of a list, and the links to it and its neighbours (both envelopes use it)."""

    chunk: list[dict[str, Any]]
    page: int
    size: int
    start: int
    here: str
    first: str
    next: str | None
    previous: str | None


def _page_of(form: Form, items: Sequence[dict[str, Any]], base: str) -> _Page:
    size, page, token = paging(form)
    start = _window(items, size, page, token)
    chunk = list(items[start : start + size])
    filters = [(k, v) for k, v in form.pairs if k not in {"PageSize", "Page", "PageToken"}]

    def link(page_number: int, page_token: str | None = None) -> str:
        query = [*filters, ("PageSize", str(size)), ("Page", str(page_number))]
        if page_token:
            query.append(("PageToken", page_token))
        return f"{base}?{urlencode(query)}"

    has_next = start + size < len(items) and bool(chunk)
    return _Page(
        chunk=chunk,
        page=page,
        size=size,
        start=start,
        here=link(page, token),
        first=link(0),
        next=link(page + 1, "PA" + chunk[-1]["sid"]) if has_next else None,
        previous=link(page - 1, "PB" + chunk[0]["sid"]) if page > 0 and chunk else None,
    )


def page_2010(request: Request, form: Form, items: Sequence[dict[str, Any]], key: str) -> Response:
    """A 2010 API list page: ``{key: [...], page, page_size, start, end, uri, first_page_uri,
    next_page_uri, previous_page_uri}`` with URIs relative to the API host."""
    found = _page_of(form, items, request.url.path)
    body = {
        key: found.chunk,
        "page": found.page,
        "page_size": found.size,
        "start": found.start,
        "end": found.start + max(len(found.chunk) - 1, 0),
        "uri": found.here,
        "first_page_uri": found.first,
        "next_page_uri": found.next,
        "previous_page_uri": found.previous,
    }
    return json_response(body)


def page_v2(request: Request, form: Form, items: Sequence[dict[str, Any]], key: str) -> Response:
    """A v1/v2 product API list page: ``{key: [...], meta: {...}}`` with absolute URLs."""
    found = _page_of(form, items, product_base_of(request) + request.url.path)
    meta = {
        "page": found.page,
        "page_size": found.size,
        "first_page_url": found.first,
        "previous_page_url": found.previous,
        "url": found.here,
        "next_page_url": found.next,
        "key": key,
    }
    return json_response({key: found.chunk, "meta": meta})


def base_of(request: Request) -> str:
    """The emulator's own base URL as this request reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def product_base_of(request: Request) -> str:
    """The base of the absolute URLs a v1/v2 product shows (``url``, ``links``, paging):
    Twilio's ``https://verify.twilio.com`` when the client said, in ``X-Forwarded-Host``, which
    Twilio host it meant (it rewrites such URLs to the emulator, so it can follow them);
    otherwise the emulator's own base, so a plain HTTP client can follow them too."""
    return twilio_base(request.headers.get("x-forwarded-host")) or base_of(request)


def not_found_v(request: Request) -> ApiError:
    """Twilio's 404 for the v1/v2 product resource this request names (path without its
    version: ``/v2/Services/VA…`` -> ``/Services/VA…``)."""
    _, _, rest = request.url.path.lstrip("/").partition("/")
    return not_found("/" + rest)


def not_found_2010(request: Request) -> ApiError:
    """Twilio's 404 for the 2010 API resource this request names, by its whole path
    (``/2010-04-01/Accounts/AC…/Messages/SM….json``), as Twilio words it."""
    return not_found(request.url.path)


class _Owned(Protocol):
    @property
    def account_sid(self) -> str: ...


OwnedT = TypeVar("OwnedT", bound=_Owned)


def owned_2010(request: Request, record: OwnedT | None, account_sid: str) -> OwnedT:
    """``record`` if it exists and belongs to ``account_sid``, else :func:`not_found_2010`."""
    if record is None or record.account_sid != account_sid:
        raise not_found_2010(request)
    return record


def owned_v(request: Request, record: OwnedT | None, account_sid: str) -> OwnedT:
    """``record`` if it exists and belongs to ``account_sid``, else :func:`not_found_v`."""
    if record is None or record.account_sid != account_sid:
        raise not_found_v(request)
    return record


def routes_for(
    path: str,
    *,
    get: Endpoint | None = None,
    post: Endpoint | None = None,
    delete: Endpoint | None = None,
) -> list[BaseRoute]:
    """The routes of one path, a handler per HTTP method (a method without one answers 405)."""
    handlers = {"GET": get, "POST": post, "DELETE": delete}
    return [Route(path, h, methods=[m]) for m, h in handlers.items() if h is not None]
