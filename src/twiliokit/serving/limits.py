"""How long a connection may sit idle or trickle a request in, and how many may be open: the
bounds every twiliokit server runs with (`twiliokit serve`, the emulator, test servers).

Without them, a client that opens connections and sends nothing, half a header or a body one
byte at a time holds a file descriptor for as long as it likes; enough of them starve the
server. :mod:`twiliokit.serving.protocol` enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass

from twiliokit.errors import ConfigurationError

__all__ = [
    "DEFAULT_KEEP_ALIVE_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_HEADER_BYTES",
    "DEFAULT_REQUEST_TIMEOUT",
    "ConnectionLimits",
]

#: Seconds an idle connection stays open (uvicorn's own default).
DEFAULT_KEEP_ALIVE_TIMEOUT = 5.0
#: Seconds a request's headers and body have to arrive. Twilio sends a webhook in one go
#: and gives up after 15 s itself, so a request still arriving after 30 s is not Twilio's.
DEFAULT_REQUEST_TIMEOUT = 30.0
#: Open connections per process beyond which new requests are answered 503. Well under the
#: usual 1024 file descriptors, leaving room for the ledger, the client pool and logs.
DEFAULT_MAX_CONNECTIONS = 800
#: Bytes of request line and headers a request may have (nginx allows 32 KiB by default;
#: Twilio's webhooks send about 1 KiB).
DEFAULT_MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionLimits:
    """Bounds on the connections a server keeps.

    ``keep_alive_timeout``: seconds a connection with no request in progress (a new one that
    has sent nothing yet, or a kept-alive one between requests) stays open; then it is closed.
    ``request_timeout``: seconds from a request's first byte until its headers and body have
    all arrived; a slower request is answered 408 and its connection closed.
    ``max_connections``: open connections beyond which new requests are answered 503
    (``None``: no cap; not recommended where untrusted clients connect).
    ``max_header_bytes``: a request whose request line and headers are longer is answered
    431 and its connection closed.
    """

    keep_alive_timeout: float = DEFAULT_KEEP_ALIVE_TIMEOUT
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_connections: int | None = DEFAULT_MAX_CONNECTIONS
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES

    def __post_init__(self) -> None:
        for name in ("keep_alive_timeout", "request_timeout"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ConfigurationError(
                    f"{name} must be a positive number of seconds, not {value!r}",
                    field=name,
                    hint="Use a value such as 5 or 30.",
                )
        if not isinstance(self.max_header_bytes, int) or self.max_header_bytes < 1024:
            raise ConfigurationError(
                f"max_header_bytes must be at least 1024, not {self.max_header_bytes!r}",
                field="max_header_bytes",
                hint="Use a value such as 65536.",
            )
        if self.max_connections is not None and (
            not isinstance(self.max_connections, int) or self.max_connections < 1
        ):
            raise ConfigurationError(
                f"max_connections must be at least 1, not {self.max_connections!r}",
                field="max_connections",
                hint="Use a value such as 800, or None for no cap.",
            )
