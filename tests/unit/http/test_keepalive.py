"""The client's pool never keeps a connection longer than twiliokit's servers keep it open."""

from __future__ import annotations

from twiliokit.http.transport import pool_limits
from twiliokit.serving.limits import DEFAULT_KEEP_ALIVE_TIMEOUT


def test_idle_connections_are_dropped_before_the_server_closes_them() -> None:
    """Every pool the client builds lets an idle connection go before a twiliokit server (or
    the emulator) would close it: a send never leaves on a connection being closed, which
    would make its outcome unknown."""
    for limits in (pool_limits(None), pool_limits(1), pool_limits(50)):
        assert limits.keepalive_expiry is not None
        assert 0 < limits.keepalive_expiry < DEFAULT_KEEP_ALIVE_TIMEOUT
