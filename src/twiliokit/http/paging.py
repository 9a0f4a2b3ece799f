"""List pages from both of Twilio's envelopes, as one :class:`Page` type.

- The 2010 API puts the items under a resource-named key (``messages``, ``calls``,
  ``incoming_phone_numbers``, ``media_list``) with paging fields beside it, and links
  *relative* to the API host: ``"next_page_uri": "/2010-04-01/...?PageSize=50&Page=1&
  PageToken=PA..."``.
- v1/v2 product APIs (Verify, Content, ...) put the items under ``meta.key`` and give
  *absolute* links: ``"meta": {"next_page_url": "https://verify.twilio.com/v2/...", ...}``.

Either way the next page is fetched by following the link Twilio gave (it repeats the filters
and carries the ``PageToken``). ``next_page_token`` is that token on its own, for callers that
keep a cursor and resume later with ``page_token=``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

from twiliokit.errors import TwiliokitError

__all__ = ["Page", "page_token_of", "parse_page"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, and how to get the next one."""

    items: tuple[T, ...]
    #: The absolute URL of the next page, or ``None`` on the last page.
    next_page_url: str | None
    #: The ``PageToken`` of the next page (pass it back as ``page_token=``), or ``None``.
    next_page_token: str | None
    #: The page number (0-based) and size Twilio reports.
    page: int | None = None
    page_size: int | None = None
    #: The product the list belongs to (routes the next page's request).
    product: str = "api"
    #: The 2010 envelope's items key (``None`` for v1/v2, which name it in ``meta.key``).
    key: str | None = field(default=None, repr=False, compare=False)
    #: Turns one raw item into ``T`` (used for the following pages).
    parse_item: Callable[[dict[str, Any]], T] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def has_next(self) -> bool:
        """Whether another page follows."""
        return self.next_page_url is not None

    def __len__(self) -> int:
        return len(self.items)


def page_token_of(url: str | None) -> str | None:
    """The ``PageToken`` query parameter of a page link, if any."""
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("PageToken")
    return values[0] if values else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_page(
    body: Any,
    *,
    key: str | None,
    parse_item: Callable[[dict[str, Any]], T],
    base_url: str,
    product: str,
) -> Page[T]:
    """A :class:`Page` from a decoded list answer.

    ``key`` names the items in a 2010 envelope (``None``: use ``meta.key``); ``base_url`` is
    the product's base URL, against which relative 2010 links are resolved.
    """
    if not isinstance(body, Mapping):
        raise TwiliokitError("Twilio's list answer is not a JSON object")
    meta = body.get("meta")
    if isinstance(meta, Mapping):
        items_key = meta.get("key") if isinstance(meta.get("key"), str) else key
        next_url = meta.get("next_page_url") or None
        page, size = _int(meta.get("page")), _int(meta.get("page_size"))
    else:
        items_key = key
        next_uri = body.get("next_page_uri") or None
        next_url = base_url.rstrip("/") + next_uri if isinstance(next_uri, str) else None
        page, size = _int(body.get("page")), _int(body.get("page_size"))
    raw_items = body.get(items_key) if items_key else None
    if raw_items is None and items_key is None:
        candidates = [v for k, v in body.items() if k != "meta" and isinstance(v, list)]
        raw_items = candidates[0] if len(candidates) == 1 else None
    if not isinstance(raw_items, list):
        raise TwiliokitError(f"Twilio's list answer has no {items_key or 'items'!r} array")
    items = tuple(parse_item(item) for item in raw_items if isinstance(item, dict))
    if next_url is not None and not isinstance(next_url, str):
        next_url = None
    return Page(
        items=items,
        next_page_url=next_url,
        next_page_token=page_token_of(next_url),
        page=page,
        page_size=size,
        product=product,
        key=key,
        parse_item=parse_item,
    )
