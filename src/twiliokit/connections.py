"""Credentials and where they come from.

CONTRACT (other modules rely on these names; the connections work extends this module):

- ``Connection``: a frozen, validated set of credentials plus routing and defaults.
  ``connection.account_sid``; ``connection.basic_auth() -> tuple[str, str]`` (username,
  password for HTTP Basic: account SID + auth token, or API key SID + secret);
  ``connection.auth_token`` (the auth token if known, needed to validate webhook signatures,
  else ``None``); ``region``/``edge``; ``default_from``; ``messaging_service_sid``;
  ``base_url`` (when set, every product is sent to this one base URL: the emulator).
  ``repr()`` never shows a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Connection:
    """Account credentials, routing and defaults for talking to Twilio."""

    account_sid: str
    auth_token: str | None = field(default=None, repr=False)
    api_key_sid: str | None = None
    api_key_secret: str | None = field(default=None, repr=False)
    region: str | None = None
    edge: str | None = None
    default_from: str | None = None
    messaging_service_sid: str | None = None
    base_url: str | None = None

    def basic_auth(self) -> tuple[str, str]:
        """The HTTP Basic username and password to send."""
        if self.api_key_sid and self.api_key_secret:
            return (self.api_key_sid, self.api_key_secret)
        if self.auth_token:
            return (self.account_sid, self.auth_token)
        raise ValueError("connection has neither an auth token nor an API key secret")
