"""What every resource module shares: :class:`Operation` (a request plus the parser of its
answer) and the helpers that build requests. The model base class and date types live in
:mod:`twiliokit.resources._model` and are re-exported here.

Resource modules are pure: each operation is a function from arguments to an
:class:`Operation`; the clients send it and call ``operation.parse`` on the answer.

Nothing here imports pydantic (nor json, nor the error helpers): building a request (the
message create above all) does not need them, and pydantic is a good part of a cold start (the
import time of sending an SMS is a measured goal). They load when the first answer is parsed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar

from twiliokit._lazy import lazy_getattr
from twiliokit.errors import TwiliokitError, ValidationError
from twiliokit.http.paging import Page, parse_page
from twiliokit.http.products import path_segment
from twiliokit.http.request import Params, PreparedRequest, RequestSpec, encode_params

if TYPE_CHECKING:
    from twiliokit.http.errors import Reply
    from twiliokit.resources._model import Iso8601, Rfc2822, TwilioModel

__all__ = [
    "API_2010",
    "AccountContext",
    "Iso8601",
    "Operation",
    "Rfc2822",
    "TwilioModel",
    "account_path",
    "delete_operation",
    "delete_resource",
    "get_one",
    "get_page",
    "list_operation",
    "load_model",
    "merge_extra",
    "model_getattr",
    "one_operation",
    "page_params",
    "post",
    "require",
    "require_changes",
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


@dataclass(frozen=True, slots=True)
class Operation(Generic[T]):
    """A request and the function that turns its (successful) answer into a ``T``."""

    spec: RequestSpec
    parse: Callable[[Reply, PreparedRequest], T]


def json_object(reply: Reply) -> dict[str, Any]:
    """The answer's body as a JSON object, or a clear error."""
    import json

    from twiliokit.http.errors import request_id

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


#: A model class, or a function that imports and returns it (so that building the request
#: does not import the model, nor pydantic, until an answer is parsed).
ModelRef: TypeAlias = "type[M] | Callable[[], type[M]]"


def _resolve(model: ModelRef[M]) -> type[M]:
    return model if isinstance(model, type) else model()


def load_model(module: str, name: str) -> Callable[[], type[Any]]:
    """A :data:`ModelRef` for the model ``name`` in ``module``, imported on first use."""

    def load() -> type[Any]:
        loaded: type[Any] = getattr(importlib.import_module(module), name)
        return loaded

    return load


def model_getattr(owner: str, module: str, names: Iterable[str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) for ``owner`` that imports the models ``names`` from
    ``module`` on first use, so ``from twiliokit.resources.calls import Call`` works while
    building a request loads neither the models nor pydantic. ``names`` may be the owner's
    whole ``__all__``: the names it defines itself never reach ``__getattr__``."""
    return lazy_getattr(owner, dict.fromkeys(names, module))


def one_operation(spec: RequestSpec, model: ModelRef[M]) -> Operation[M]:
    """An operation whose answer is one resource."""

    def parse(reply: Reply, request: PreparedRequest) -> M:
        return _resolve(model).from_twilio(json_object(reply))

    return Operation(spec, parse)


def list_operation(spec: RequestSpec, model: ModelRef[M], key: str | None) -> Operation[Page[M]]:
    """An operation whose answer is one page of resources (``key``: the 2010 items key)."""

    def parse_item(data: dict[str, Any]) -> M:
        return _resolve(model).from_twilio(data)

    return page_operation(spec, parse_item, key)


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
    if not hasattr(page, "next_page_url"):
        raise TypeError(f"next_page takes a Page from a list call, not {type(page).__name__}")
    if page.next_page_url is None or page.parse_item is None:
        return None
    spec = RequestSpec("GET", page.product, page.next_page_url)
    return page_operation(spec, page.parse_item, page.key)


def delete_operation(spec: RequestSpec) -> Operation[None]:
    """An operation whose answer carries nothing (204 No Content)."""

    def parse(reply: Reply, request: PreparedRequest) -> None:
        return None

    return Operation(spec, parse)


def get_one(
    product: str, path: str, model: ModelRef[M], query: Params | None = None
) -> Operation[M]:
    """``GET path`` on ``product``'s host, answered by one resource."""
    return one_operation(RequestSpec("GET", product, path, query=encode_params(query)), model)


def get_page(
    product: str, path: str, params: Params, model: ModelRef[M], key: str | None
) -> Operation[Page[M]]:
    """``GET path?params``, answered by one page of resources (``key``: the 2010 items key)."""
    return list_operation(
        RequestSpec("GET", product, path, query=encode_params(params)), model, key
    )


def post(
    product: str,
    path: str,
    form: tuple[tuple[str, str], ...],
    model: ModelRef[M],
    *,
    check: str | None = None,
) -> Operation[M]:
    """``POST path`` with ``form``, answered by one resource.

    Without ``check`` the request only sets fields, so it is safe to send again after a lost
    answer. With one it is not (a create, a redirect, a code check): ``check`` says how to find
    out whether it took effect (``{sent_at}``: when the attempt started), and it is never resent.
    """
    spec = RequestSpec("POST", product, path, form=form, idempotent=check is None, check=check)
    return one_operation(spec, model)


def delete_resource(product: str, path: str) -> Operation[None]:
    """``DELETE path`` on ``product``'s host (204 No Content)."""
    return delete_operation(RequestSpec("DELETE", product, path))


def require_changes(
    form: tuple[tuple[str, str], ...], what: str, field: str
) -> tuple[tuple[str, str], ...]:
    """``form`` if it sets anything, else a :class:`ValidationError` saying
    ``nothing to update: {what}`` and naming ``field``."""
    if not form:
        raise ValidationError(f"nothing to update: {what}", field=field)
    return form


def seg(name: str, value: str) -> str:
    """A SID or other identifier, checked and escaped for use in a path."""
    return path_segment(name, value)


def account_path(account: AccountContext, tail: str) -> str:
    """A 2010 API path under the account: ``/2010-04-01/Accounts/{AC}/{tail}``."""
    return f"{API_2010}/Accounts/{seg('account_sid', account.account_sid)}/{tail}"


def require(name: str, value: str | None) -> str:
    """``value`` if it is a non-empty string, else a :class:`ValidationError` naming it."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, not {type(value).__name__}", field=name)
    if value is None or not value.strip():
        raise ValidationError(f"{name} is required", field=name)
    return value


def page_params(
    page_size: int | None, page_token: str | None, limit: int | None = None
) -> list[tuple[str, Any]]:
    """``PageSize`` and ``PageToken``, checked. ``limit`` (the most items wanted) sizes the page
    when ``page_size`` is not given: just enough for it (Twilio's maximum page is 1,000)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValidationError(f"limit must be a whole number >= 0, not {limit!r}", field="limit")
    if page_size is None and limit:
        page_size = min(limit, MAX_PAGE_SIZE)
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
    if extra is not None and not isinstance(extra, Mapping):
        raise ValidationError(
            f"extra must be a mapping of Twilio parameter names to values, not "
            f"{type(extra).__name__}",
            field="extra",
            hint='For example extra={"ShortenUrls": True}.',
        )
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


# The model base class and date types, imported (with pydantic) on first use.
__getattr__ = model_getattr(
    __name__, "twiliokit.resources._model", frozenset({"Iso8601", "Rfc2822", "TwilioModel"})
)
