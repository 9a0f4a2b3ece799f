"""Fetch an inbound message's media with the account's credentials, from Twilio only.

Media URLs arrive in the webhook (``MediaUrl0``...), and Twilio serves them only with HTTP
Basic auth. A forged webhook could name any URL, so credentials are sent only to Twilio's own
hosts over https (``api.twilio.com``, ``*.twilio.com``, ``media.twiliocdn.com``) and to the
connection's ``base_url`` (the emulator); any other URL, and any redirect leaving those hosts,
is refused before a request is made. Redirects are followed by hand so that each hop is
checked: Twilio answers a media URL with a redirect to a pre-signed CDN URL, which is fetched
without credentials unless it is one of those hosts; a redirect to plain http is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urljoin, urlsplit

import httpx

from twiliokit.connections import Connection
from twiliokit.errors import ConnectError, TransportError, TwilioError, ValidationError

__all__ = ["MAX_MEDIA_BYTES", "MediaContent", "fetch_media", "is_twilio_media_url"]

#: Twilio's limit for one inbound media item is 5 MB; leave room.
MAX_MEDIA_BYTES: Final = 16 * 1024 * 1024
_EXACT_HOSTS: Final = frozenset({"api.twilio.com", "media.twiliocdn.com"})
_HOST_SUFFIX: Final = ".twilio.com"
_MAX_REDIRECTS: Final = 3


@dataclass(frozen=True, slots=True)
class MediaContent:
    """A fetched media item."""

    content_type: str | None
    data: bytes = field(repr=False)
    url: str = ""
    """The URL the bytes finally came from."""


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in {"http", "https"} or not host:
        return None
    if parts.username is not None or parts.password is not None:
        return None  # "https://api.twilio.com@evil.example" tricks; never needed
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def is_twilio_media_url(url: str, *, base_url: str | None = None) -> bool:
    """Whether the account's credentials may be sent to ``url`` (pure).

    True for https URLs on ``api.twilio.com``, ``*.twilio.com`` and ``media.twiliocdn.com`` on
    the default port, and for URLs on the same origin as ``base_url`` (the emulator).
    """
    origin = _origin(url)
    if origin is None:
        return False
    if base_url is not None and origin == _origin(base_url):
        return True
    scheme, host, port = origin
    if scheme != "https" or port != 443:
        return False
    return host in _EXACT_HOSTS or host.endswith(_HOST_SUFFIX)


async def fetch_media(
    url: str,
    *,
    connection: Connection,
    transport: httpx.AsyncBaseTransport | None = None,
    max_bytes: int = MAX_MEDIA_BYTES,
    timeout: float = 30.0,  # noqa: ASYNC109 - an HTTP timeout, not a cancellation scope
) -> MediaContent:
    """Download a media item of an inbound message (``event.media[i].url``).

    Raises :class:`ValidationError` for a URL that is not Twilio's (nothing is sent),
    :class:`TwilioError` for an error answer, :class:`TransportError` for network failures.
    """
    if not is_twilio_media_url(url, base_url=connection.base_url):
        raise ValidationError(
            "refusing to fetch media from a host that is not Twilio's: the account's "
            "credentials are only sent to api.twilio.com, *.twilio.com and media.twiliocdn.com",
            field="url",
            hint="Media URLs come from the webhook; a URL elsewhere means a forged request.",
        )
    async with httpx.AsyncClient(
        transport=transport, timeout=timeout, follow_redirects=False
    ) as client:
        current = url
        auth: tuple[str, str] | None = connection.basic_auth()
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                async with client.stream("GET", current, auth=auth) as response:
                    if response.is_redirect:
                        current = urljoin(current, response.headers.get("location", ""))
                        auth = _auth_for(current, connection)
                        continue
                    if response.status_code >= 400:
                        raise TwilioError(
                            f"fetching the media failed with HTTP {response.status_code}",
                            status=response.status_code,
                            hint="401: the credentials do not belong to the media's account; "
                            "404: the media was deleted.",
                        )
                    data = await _read(response, max_bytes)
                    return MediaContent(response.headers.get("content-type"), data, current)
            except httpx.ConnectError as exc:
                raise ConnectError("could not connect to fetch the media") from exc
            except httpx.HTTPError as exc:
                raise TransportError(f"fetching the media failed: {type(exc).__name__}") from exc
    raise TransportError(f"the media URL redirected more than {_MAX_REDIRECTS} times")


def _auth_for(url: str, connection: Connection) -> tuple[str, str] | None:
    """Credentials for a redirect target: Twilio's hosts get them; another https host (a
    CDN's pre-signed URL) is fetched without; anything else is refused."""
    if is_twilio_media_url(url, base_url=connection.base_url):
        return connection.basic_auth()
    origin = _origin(url)
    if origin is None or origin[0] != "https":
        raise ValidationError(
            "the media URL redirected to a URL that is neither Twilio's nor https; not "
            "following it",
            field="url",
        )
    return None


async def _read(response: httpx.Response, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ValidationError(f"the media is larger than {max_bytes} bytes", field="max_bytes")
        chunks.append(chunk)
    return b"".join(chunks)
