"""The console's sign-in session and CSRF tokens: pure HMAC over values the browser holds.

A session cookie is ``EXPIRES.NONCE.MAC`` with ``MAC = HMAC-SHA256(key, "session:EXPIRES.NONCE")``;
a CSRF token is ``HMAC-SHA256(key, "csrf:" + C)`` where ``C`` is the random value of the
``twiliokit_console_csrf`` cookie (a signed double submit: a page on another site can neither
read the cookie nor compute the token). The key is derived from the API token, so every worker
process and every restart agrees on it, and changing the token signs everyone out.

Hand-written rather than a session library: it is two HMACs, and a library would bring a
server-side store or a pickled cookie we do not want.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "ConsoleKeys",
    "Session",
]

#: The session cookie's name.
SESSION_COOKIE = "twiliokit_console"
#: The cookie the CSRF tokens are derived from.
CSRF_COOKIE = "twiliokit_console_csrf"
#: How long a sign-in lasts.
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    """A valid session: its nonce (what sign-out revokes) and when it expires."""

    nonce: str
    expires: int


@dataclass(slots=True)
class ConsoleKeys:
    """Issues and checks sessions and CSRF tokens under a key derived from the API token.

    ``revoked`` holds the nonces signed out in this process (a signed-out cookie stops working
    here at once; it is deleted from the browser, and expires everywhere after
    :data:`SESSION_SECONDS`).
    """

    api_token: str = field(repr=False)
    _key: bytes = field(init=False, repr=False)
    revoked: dict[str, int] = field(default_factory=dict, repr=False)
    """Signed-out nonces and when their sessions would have expired (kept until then)."""

    def __post_init__(self) -> None:
        self._key = hmac.new(
            self.api_token.encode(), b"twiliokit console keys v1", hashlib.sha256
        ).digest()

    def token_matches(self, given: str) -> bool:
        """Whether ``given`` is the API token (constant time)."""
        return hmac.compare_digest(given.encode(), self.api_token.encode())

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def issue_session(self, *, now: float | None = None) -> str:
        """A new session cookie value."""
        expires = int(now if now is not None else time.time()) + SESSION_SECONDS
        payload = f"{expires}.{secrets.token_urlsafe(16)}"
        return f"{payload}.{self._mac('session', payload)}"

    def check_session(self, cookie: str | None, *, now: float | None = None) -> Session | None:
        """The session ``cookie`` carries, or ``None`` (missing, forged, expired, revoked).
        Never raises on junk."""
        if not cookie or cookie.count(".") != 2:
            return None
        expires_text, nonce, mac = cookie.split(".")
        expected = self._mac("session", f"{expires_text}.{nonce}")
        # As bytes: compare_digest refuses str with characters outside ASCII (a 500).
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            return None
        try:
            expires = int(expires_text)
        except ValueError:
            return None
        if expires <= (now if now is not None else time.time()) or nonce in self.revoked:
            return None
        return Session(nonce=nonce, expires=expires)

    def revoke(self, session: Session, *, now: float | None = None) -> None:
        """Sign ``session`` out (in this process); forget those that have expired anyway."""
        moment = now if now is not None else time.time()
        for nonce in [n for n, expires in self.revoked.items() if expires <= moment]:
            del self.revoked[nonce]
        self.revoked[session.nonce] = session.expires

    @staticmethod
    def new_csrf_cookie() -> str:
        """A fresh random value for the CSRF cookie."""
        return secrets.token_urlsafe(18)

    def csrf_token(self, cookie: str) -> str:
        """The token forms carry for this CSRF cookie value."""
        return self._mac("csrf", cookie)

    def csrf_ok(self, cookie: str | None, token: str | None) -> bool:
        """Whether a form's ``token`` belongs to the browser's CSRF ``cookie``."""
        if not cookie or not token:
            return False
        return hmac.compare_digest(token.encode(), self.csrf_token(cookie).encode())
