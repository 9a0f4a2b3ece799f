"""What every resource module shares: the model base class, date types, and :class:`Operation`
(a request plus the parser of its answer).

Resource modules are pure: each operation is a function from arguments to an
:class:`Operation`; the clients send it and call ``operation.parse`` on the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Any, Generic, Protocol, Self, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from twiliokit.errors import TwiliokitError, ValidationError
from twiliokit.http.errors import Reply, request_id
from twiliokit.http.paging import Page, parse_page
from twiliokit.http.products import path_segment
from twiliokit.http.request import PreparedRequest, RequestSpec, encode_params

__all__ = [
    "API_2010",
    "AccountContext",
    "Iso8601",
    "Operation",
    "Rfc2822",
    "TwilioModel",
    "account_path",
    "delete_operation",
    "list_operation",
    "merge_extra",
    "one_operation",
    "page_params",
    "require",
    "seg",
]

T = TypeVar("T")
M = TypeVar("M", bound="TwilioModel")

API_2010 = "/2010-04-01"
MAX_PAGE_SIZE = 1000


class AccountContext(Protocol):
    """What request builders need from a :class:`twiliokit.connections.Connection`."""

    @property
    def account_sid(self) -> str: ...
    @property
    def default_from(self) -> str | None: ...
    @property
    def messaging_service_sid(self) -> str | None: ...


def _rfc2822(value: Any) -> Any:
    """The 2010 API's ``Thu, 24 Aug 2023 05:01:45 +0000`` as an aware datetime."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return value  # maybe ISO 8601: let pydantic try, and say so if it fails
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


#: A 2010 API date (RFC 2822), parsed to an aware datetime.
Rfc2822 = Annotated[datetime | None, BeforeValidator(_rfc2822)]
#: A v1/v2 API date (ISO 8601), parsed to an aware datetime.
Iso8601 = Annotated[datetime | None, BeforeValidator(_blank_is_none)]


class TwilioModel(BaseModel):
    """A Twilio resource: canonical snake_case fields, and ``raw``, Twilio's JSON as received.

    Models are frozen and ignore fields they do not know (Twilio adds fields without notice);
    every field may be ``None`` because Twilio marks nearly all of them nullable.
    """

    # defer_build: a model's validator is built the first time it is used, not at import,
    # which keeps importing a resource module cheap (the import time of sending an SMS is a
    # measured goal).
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, defer_build=True)

    #: Twilio's JSON for this resource, unchanged (left out of ``model_dump()``).
    raw: dict[str, Any] = Field(default_factory=dict, repr=False, exclude=True)

    @classmethod
    def from_twilio(cls, data: Mapping[str, Any]) -> Self:
        """Parse Twilio's JSON for one resource."""
        payload = dict(data)
        payload.pop("raw", None)
        try:
            return cls.model_validate({**payload, "raw": dict(data)})
        except PydanticValidationError as exc:
            raise TwiliokitError(
                f"Twilio's answer does not fit the {cls.__name__} model: "
                f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']} "
                f"at {'.'.join(str(p) for p in exc.errors()[0]['loc'])}",
                hint="The raw answer is still available through a raw request.",
            ) from exc


@dataclass(frozen=True, slots=True)
class Operation(Generic[T]):
    """A request and the function that turns its (successful) answer into a ``T``."""

    spec: RequestSpec
    parse: Callable[[Reply, PreparedRequest], T]


def json_object(reply: Reply) -> dict[str, Any]:
    """The answer's body as a JSON object, or a clear error."""
    try:
        body = json.loads(reply.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TwiliokitError(
            f"Twilio answered {reply.status_code} with a body that is not JSON "
            f"(request id {request_id(reply.headers)})"
        ) from exc
    if not isinstance(body, dict):
        raise TwiliokitError(f"Twilio answered {reply.status_code} with JSON that is not an object")
    return body


def one_operation(spec: RequestSpec, model: type[M]) -> Operation[M]:
    """An operation whose answer is one resource."""

    def parse(reply: Reply, request: PreparedRequest) -> M:
        return model.from_twilio(json_object(reply))

    return Operation(spec, parse)


def list_operation(spec: RequestSpec, model: type[M], key: str | None) -> Operation[Page[M]]:
    """An operation whose answer is one page of resources (``key``: the 2010 items key)."""
    return page_operation(spec, model.from_twilio, key)


def page_operation(
    spec: RequestSpec, parse_item: Callable[[dict[str, Any]], T], key: str | None
) -> Operation[Page[T]]:
    """An operation whose answer is one page, items parsed by ``parse_item``."""

    def parse(reply: Reply, request: PreparedRequest) -> Page[T]:
        return parse_page(
            json_object(reply),
            key=key,
            parse_item=parse_item,
            base_url=request.base_url,
            product=request.product,
        )

    return Operation(spec, parse)


def next_page_operation(page: Page[T]) -> Operation[Page[T]] | None:
    """The operation that fetches the page after ``page``, or ``None`` on the last page."""
    if page.next_page_url is None or page.parse_item is None:
        return None
    spec = RequestSpec("GET", page.product, page.next_page_url)
    return page_operation(spec, page.parse_item, page.key)


def delete_operation(spec: RequestSpec) -> Operation[None]:
    """An operation whose answer carries nothing (204 No Content)."""

    def parse(reply: Reply, request: PreparedRequest) -> None:
        return None

    return Operation(spec, parse)


def seg(name: str, value: str) -> str:
    """A SID or other identifier, checked and escaped for use in a path."""
    return path_segment(name, value)


def account_path(account: AccountContext, tail: str) -> str:
    """A 2010 API path under the account: ``/2010-04-01/Accounts/{AC}/{tail}``."""
    return f"{API_2010}/Accounts/{seg('account_sid', account.account_sid)}/{tail}"


def require(name: str, value: str | None) -> str:
    """``value`` if it is a non-empty string, else a :class:`ValidationError` naming it."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} is required", field=name)
    return value


def page_params(page_size: int | None, page_token: str | None) -> list[tuple[str, Any]]:
    """``PageSize`` and ``PageToken``, checked."""
    if page_size is not None and (
        isinstance(page_size, bool)
        or not isinstance(page_size, int)
        or not 1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise ValidationError(
            f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}, not {page_size!r}",
            field="page_size",
        )
    return [("PageSize", page_size), ("PageToken", page_token or None)]


def merge_extra(
    params: list[tuple[str, Any]], extra: Mapping[str, Any] | None
) -> tuple[tuple[str, str], ...]:
    """Encode ``params`` plus ``extra`` (more parameters by Twilio's names, for those without
    a keyword here). A name given both ways is an error rather than a silent choice."""
    if extra:
        named = {name for name, value in params if value is not None}
        clash = sorted(named & set(extra))
        if clash:
            raise ValidationError(
                f"{clash[0]} is given both as a keyword argument and in extra; keep one",
                field="extra",
            )
        params = [*params, *extra.items()]
    return encode_params(params)
