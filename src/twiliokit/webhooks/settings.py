"""``WebhookSettings``: how the receiver checks and answers Twilio's webhooks.

A small frozen object with named defaults; nothing here reads the environment (the CLI does,
and passes values in). ``settings_from_section`` reads the ``[webhooks]`` table of the config
file (pure: it takes the parsed table).

Secure by default: signatures are checked, forwarded headers are ignored unless the peer is a
configured trusted proxy, and a settings object that would check signatures without an auth
token cannot be built.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias
from urllib.parse import urlsplit

from twiliokit.config_file import unknown_key_error
from twiliokit.errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_REPLY_TIMEOUT",
    "ProxyNetwork",
    "WebhookSettings",
    "parse_public_url",
    "settings_from_section",
]

ProxyNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Seconds a message or call handler may take before the receiver answers without its reply.
#: Twilio waits 15 s in total (connection included) and then gives up on the webhook.
DEFAULT_REPLY_TIMEOUT: Final = 10.0
#: The largest request body accepted (Twilio's webhooks are a few kilobytes).
DEFAULT_MAX_BODY_BYTES: Final = 256 * 1024

_SIGNING_HINT = (
    "Set TWILIO_AUTH_TOKEN (or auth_token in the config profile): Twilio signs webhooks with the "
    "account's primary auth token, even when REST calls use an API key. Only on a private "
    "network you trust, or with the emulator, turn checking off with --no-validate-signatures "
    "(validate_signatures=False)."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookSettings:
    """What the receiver needs to check and answer webhooks.

    ``auth_token``: the account's primary auth token (webhooks are signed with it even when REST
    calls use an API key); never shown in ``repr``.

    ``public_url``: the URL Twilio reaches this server at, such as ``https://abc.ngrok.app`` or
    ``https://example.com/twilio`` (scheme, host, optional port and path prefix; the request
    path is appended). Set it whenever a proxy, load balancer or tunnel sits in front: Twilio
    signs the URL *it* requested, not the one this server sees.

    ``trusted_proxies``: addresses or networks (``10.0.0.0/8``, ``127.0.0.1``) whose
    ``X-Forwarded-Proto``, ``X-Forwarded-Host`` and ``X-Forwarded-Port`` are believed when
    rebuilding the signed URL (only without ``public_url``). Headers from any other peer are
    ignored: anyone can send them.

    ``validate_signatures``: on by default. Turning it off lets anyone who can reach the server
    forge inbound messages, opt-outs and status changes; that is acceptable only on a private
    network that nothing untrusted can reach, or in front of the local emulator.

    ``reply_timeout``: seconds a message or call handler may run before the receiver answers
    Twilio without its reply (the handler goes on in the background); Twilio gives up after 15.

    ``fetch_final_details``: when an outbound message reaches its final status, fetch it once
    to record when it was sent and its price, which status callbacks never carry (see
    :mod:`twiliokit.webhooks.final_details`; needs the service's Twilio client).
    """

    auth_token: str | None = field(default=None, repr=False)
    public_url: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    validate_signatures: bool = True
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    fetch_final_details: bool = True
    proxy_networks: tuple[ProxyNetwork, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        if self.auth_token is not None and (
            not isinstance(self.auth_token, str) or not self.auth_token.strip()
        ):
            raise ConfigurationError(
                "auth_token must be a non-empty string", field="auth_token", hint=_SIGNING_HINT
            )
        if self.validate_signatures and not self.auth_token:
            raise ConfigurationError(
                "checking webhook signatures needs the account's auth token, and none is set",
                field="auth_token",
                hint=_SIGNING_HINT,
            )
        if self.public_url is not None:
            object.__setattr__(self, "public_url", parse_public_url(self.public_url))
        given: object = self.trusted_proxies  # a lone string is one proxy, not characters
        proxies = (given,) if isinstance(given, str) else tuple(self.trusted_proxies)
        object.__setattr__(self, "trusted_proxies", proxies)
        object.__setattr__(self, "proxy_networks", tuple(_network(p) for p in proxies))
        if isinstance(self.reply_timeout, bool) or not (
            isinstance(self.reply_timeout, int | float) and 0 < self.reply_timeout <= 14
        ):
            raise ConfigurationError(
                "reply_timeout must be a number of seconds above 0 and at most 14",
                field="reply_timeout",
                hint="Twilio waits 15 s for the whole webhook; leave room for the network.",
            )
        if isinstance(self.max_body_bytes, bool) or not (
            isinstance(self.max_body_bytes, int) and self.max_body_bytes >= 1024
        ):
            raise ConfigurationError(
                "max_body_bytes must be an integer of at least 1024", field="max_body_bytes"
            )

    def is_trusted_proxy(self, peer: str | None) -> bool:
        """Whether ``peer`` (an IP address) is one of the configured trusted proxies."""
        if not peer or not self.proxy_networks:
            return False
        try:
            address = ipaddress.ip_address(peer.partition("%")[0])
        except ValueError:
            return False
        return any(address in network for network in self.proxy_networks)


def parse_public_url(value: str) -> str:
    """``value`` checked as a public base URL: http(s), a host, no query, fragment or user.

    A trailing ``/`` is dropped. The host keeps its case: Twilio signs the URL as configured.
    """
    hint = "Give the base URL Twilio calls, e.g. https://abc.ngrok.app or https://example.com/tw."
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError("public_url must be a URL", field="public_url", hint=hint)
    text = value.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError:
        raise ConfigurationError(
            "public_url is not a valid URL (check the port)", field="public_url", hint=hint
        ) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(
            "public_url must start with https:// (or http://) and name a host",
            field="public_url",
            hint=hint,
        )
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ConfigurationError(
            "public_url must not have a query string or fragment",
            field="public_url",
            hint=hint,
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            "public_url must not carry a user name or password",
            field="public_url",
            hint="Remove the user:password@ part; the receiver does not use HTTP auth.",
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _network(value: object) -> ProxyNetwork:
    try:
        if not isinstance(value, str):
            raise TypeError
        return ipaddress.ip_network(value.strip(), strict=False)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"trusted proxy {value!r} is not an IP address or network",
            field="trusted_proxies",
            hint="Give addresses or CIDR networks, e.g. 127.0.0.1 or 10.0.0.0/8.",
        ) from None


_SECTION_KEYS: Final[dict[str, type | tuple[type, ...]]] = {
    "public_url": str,
    "trusted_proxies": list,
    "validate_signatures": bool,
    "reply_timeout": (int, float),
    "max_body_bytes": int,
    "fetch_final_details": bool,
    "forward_urls": list,
    "forward_secret": str,
}


def settings_from_section(section: Mapping[str, Any], *, where: str = "config") -> dict[str, Any]:
    """The ``[webhooks]`` table of the config file, checked: a dict of the keys it sets.

    Keys: ``public_url``, ``trusted_proxies`` (list), ``validate_signatures``,
    ``reply_timeout``, ``max_body_bytes``, ``fetch_final_details``, ``forward_urls`` (list) and
    ``forward_secret``
    (a ``vault:NAME`` reference is returned as is, for the caller to resolve).
    """
    if not isinstance(section, Mapping):
        raise ConfigurationError(
            f"'webhooks' in {where} must be a table",
            field="webhooks",
            hint="Write it as a [webhooks] table.",
        )
    values: dict[str, Any] = {}
    for key, value in section.items():
        expected = _SECTION_KEYS.get(key)
        if expected is None:
            raise unknown_key_error(key, table="webhooks", allowed=_SECTION_KEYS, where=where)
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigurationError(
                f"{key} in [webhooks] of {where} has the wrong type",
                field=f"webhooks.{key}",
                hint=f"{key} takes {_kind(expected)}.",
            )
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise ConfigurationError(
                f"{key} in [webhooks] of {where} must be a list of strings",
                field=f"webhooks.{key}",
                hint=f'Write it as {key} = ["...", "..."].',
            )
        values[key] = tuple(value) if isinstance(value, list) else value
    return values


def _kind(expected: type | tuple[type, ...]) -> str:
    names: dict[type, str] = {
        str: "a string",
        list: "a list of strings",
        bool: "true or false",
        int: "an integer",
    }
    if isinstance(expected, tuple):
        return "a number"
    return names.get(expected, "a value")
