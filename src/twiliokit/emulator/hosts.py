"""Routing by the Twilio host a request meant: ``X-Forwarded-Host``.

The emulator serves every Twilio product at one base URL, and their paths do not collide for
the products it covers; but a product it does not cover can land on one it does (Chat v2's
``POST /v2/Services`` is Verify's ``POST /v2/Services`` once the host is gone). A client that
reaches the emulator by rewriting Twilio URLs says which host it meant in ``X-Forwarded-Host``
(Twilio's SDKs through a custom HTTP client, twiliokit's own client with a ``base_url``). When
that header names a ``*.twilio.com`` host, a request is served only if the emulator covers that
product and the path belongs to it; anything else answers Twilio's 404 naming the product.
Without the header, or with a host that is not Twilio's, routing is by path alone, as before.

:func:`route_error` is pure; :class:`ForwardedHostMiddleware` applies it to each request.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from twiliokit.emulator.errors import ApiError

_TWILIO_SUFFIX: Final = ".twilio.com"
#: Covered products and the path prefixes each one serves.
COVERED: Final[dict[str, tuple[str, ...]]] = {
    "api": ("/2010-04-01/",),
    "verify": ("/v2/Services",),
    "lookups": ("/v2/PhoneNumbers/",),
    "content": ("/v1/Content",),
    "messaging": ("/v1/Services",),
}
#: Product names as Twilio's docs spell them, for the error message (others are capitalised).
_NAMES: Final[dict[str, str]] = {
    "api": "the REST API (2010-04-01)",
    "verify": "Verify",
    "lookups": "Lookup",
    "content": "Content",
    "chat": "Chat",
    "conversations": "Conversations",
    "messaging": "Messaging",
    "notify": "Notify",
    "sync": "Sync",
    "video": "Video",
    "voice": "Voice",
    "taskrouter": "TaskRouter",
    "studio": "Studio",
    "serverless": "Serverless",
    "flex-api": "Flex",
    "numbers": "Numbers",
    "pricing": "Pricing",
    "trusthub": "Trust Hub",
    "intelligence": "Conversational Intelligence",
}
# The emulator's own routes answer whatever host the client meant.
OWN_PREFIXES: Final = ("/_emulator", "/healthz")


def product_of_host(header: str) -> str | None:
    """The product a forwarded ``*.twilio.com`` host names (``chat.twilio.com`` -> ``chat``,
    ``api.sydney.us1.twilio.com:443`` -> ``api``); None for any other host. A list of hosts
    (proxies append) is read from its first entry, the one the client sent."""
    host = _meant_host(header)
    if not host.endswith(_TWILIO_SUFFIX):
        return None
    label = host[: -len(_TWILIO_SUFFIX)].split(".", 1)[0]
    return label or None


def twilio_base(header: str | None) -> str | None:
    """``https://{host}`` for the ``*.twilio.com`` host a forwarded header names (the base of
    the absolute URLs Twilio shows on that host); None for no header or any other host."""
    if not header or product_of_host(header) is None:
        return None
    return "https://" + _meant_host(header)


def _meant_host(header: str) -> str:
    """The host a forwarded header names: its first entry (the one the client sent; proxies
    append), lower case, without a port or a trailing dot."""
    first = header.split(",", 1)[0].strip().lower()
    host = first.rsplit(":", 1)[0] if first.count(":") == 1 else first
    return host.rstrip(".")


def product_name(product: str) -> str:
    return _NAMES.get(product, product.capitalize())


def route_error(forwarded_host: str | None, method: str, path: str) -> ApiError | None:
    """Twilio's 404 when ``forwarded_host`` names a Twilio product that does not serve
    ``path`` here; None when the request may be routed by its path. Pure."""
    if not forwarded_host or path.startswith(OWN_PREFIXES):
        return None
    product = product_of_host(forwarded_host)
    if product is None:
        return None
    host = f"{product}{_TWILIO_SUFFIX}"
    prefixes = COVERED.get(product)
    if prefixes is None:
        return ApiError(
            404,
            20404,
            f"The requested resource {path} was not found: the emulator does not cover "
            f"{product_name(product)} ({host}); {method} requests for it are not emulated.",
        )
    if not path.startswith(prefixes):
        return ApiError(
            404,
            20404,
            f"The requested resource {path} was not found on {host}: the emulator serves "
            f"{product_name(product)} there under {' and '.join(prefixes)} only",
        )
    return None


class ForwardedHostMiddleware:
    """Answers 404 before routing when ``X-Forwarded-Host`` names a product that does not
    serve the path (see :func:`route_error`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            forwarded = _header(scope, b"x-forwarded-host")
            error = route_error(forwarded, scope["method"], scope["path"])
            if error is not None:
                await error.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None
