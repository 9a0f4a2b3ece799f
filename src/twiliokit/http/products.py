"""Where each Twilio product lives, and which URLs we are willing to send credentials to.

Twilio serves each product from its own host: ``api.twilio.com`` (the 2010 API: messages,
calls, numbers), ``verify.twilio.com``, ``lookups.twilio.com``, ``content.twilio.com``, ...
With a region or an edge the host becomes ``{product}.{edge}.{region}.twilio.com`` (an edge
alone implies region ``us1``, as in Twilio's SDKs). A connection's ``base_url`` (the emulator)
replaces every product's host with one base URL.

Absolute URLs (a v1/v2 ``next_page_url``, a raw request) are accepted only for ``*.twilio.com``
hosts or under the connection's ``base_url``; they are re-routed like any other request, so the
region, edge or emulator still apply. Any other host is refused: the request would carry the
account's credentials.
"""

from __future__ import annotations

import re
from typing import Protocol
from urllib.parse import quote, urlsplit

from twiliokit.errors import ValidationError

__all__ = [
    "API",
    "CONTENT",
    "LOOKUPS",
    "VERIFY",
    "Routing",
    "base_url",
    "forwarded_host",
    "path_segment",
    "resolve_url",
]

API = "api"
VERIFY = "verify"
LOOKUPS = "lookups"
CONTENT = "content"

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TWILIO_SUFFIX = ".twilio.com"


class Routing(Protocol):
    """What routing needs from a :class:`twiliokit.connections.Connection`."""

    @property
    def region(self) -> str | None: ...
    @property
    def edge(self) -> str | None: ...
    @property
    def base_url(self) -> str | None: ...


def _label(name: str, value: str) -> str:
    value = value.strip().lower()
    if not _LABEL.match(value):
        raise ValidationError(
            f"{name} {value!r} is not a valid host name part (letters, digits and dashes)",
            field=name,
        )
    return value


def base_url(product: str, routing: Routing) -> str:
    """The base URL (scheme and host, no trailing slash) that serves ``product``."""
    product = _label("product", product)
    if routing.base_url:
        return routing.base_url.rstrip("/")
    edge = _label("edge", routing.edge) if routing.edge else None
    region = _label("region", routing.region) if routing.region else None
    if edge and not region:
        region = "us1"
    host = ".".join(part for part in (product, edge, region) if part) + _TWILIO_SUFFIX
    return f"https://{host}"


def forwarded_host(product: str, routing: Routing) -> str | None:
    """The ``X-Forwarded-Host`` to send when ``base_url`` replaces Twilio's hosts: the host
    ``product`` lives on (``chat.twilio.com``), so one server for every product (the emulator)
    can tell products with the same path apart. None when requests go to Twilio itself."""
    if not routing.base_url:
        return None
    return _label("product", product) + _TWILIO_SUFFIX


def product_of_host(host: str) -> str | None:
    """The product a ``*.twilio.com`` host serves (``api.sydney.us1.twilio.com`` -> ``api``)."""
    host = host.lower().rstrip(".")
    if not host.endswith(_TWILIO_SUFFIX):
        return None
    product = host[: -len(_TWILIO_SUFFIX)].split(".", 1)[0]
    return product if _LABEL.match(product) else None


def resolve_url(product: str, path_or_url: str, routing: Routing) -> tuple[str, str]:
    """The absolute URL to request and the product it belongs to.

    ``path_or_url`` is a path on ``product``'s host (``/2010-04-01/Accounts/...``, optionally
    with a query string), a full ``https://*.twilio.com/...`` URL (its product is taken from the
    host), or a URL under the connection's ``base_url``.
    """
    if not path_or_url or not path_or_url.strip():
        raise ValidationError("the path or URL is empty", field="path")
    text = path_or_url.strip()
    if text.startswith("/") and not text.startswith("//"):
        return base_url(product, routing) + text, product
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        raise ValidationError(
            f"{text!r} is neither a path starting with '/' nor a full https://*.twilio.com URL",
            field="path",
        )
    own = routing.base_url.rstrip("/") if routing.base_url else None
    if own and (text == own or text.startswith((own + "/", own + "?"))):
        return text, product
    host_product = product_of_host(parts.hostname or "")
    if host_product is None or parts.scheme not in {"https", "http"} or parts.username:
        raise ValidationError(
            f"refusing to send credentials to {parts.scheme}://{parts.hostname}: only "
            "https://*.twilio.com URLs (or the connection's base_url) are allowed",
            field="path",
            hint="Pass a path such as /2010-04-01/Accounts/AC.../Messages.json with the "
            "product ('api', 'verify', 'lookups', 'content', ...).",
        )
    rest = parts.path or "/"
    if parts.query:
        rest += "?" + parts.query
    return base_url(host_product, routing) + rest, host_product


def path_segment(name: str, value: str) -> str:
    """``value`` made safe as one path segment (a SID, a phone number), or a clear error.

    Percent-encoding every reserved character keeps a value such as ``SM1/../Calls`` from
    reaching another resource.
    """
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, not {type(value).__name__}", field=name)
    if value is None or not value.strip():
        raise ValidationError(f"{name} is required", field=name)
    value = value.strip()
    if value in {".", ".."}:
        raise ValidationError(f"{name} {value!r} is not a valid identifier", field=name)
    return quote(value, safe="")
