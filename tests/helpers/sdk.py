"""Twilio's official Python SDK pointed at the emulator (the outside client we must satisfy).

The SDK hard-codes ``https://{product}.twilio.com``; as its docs advise, a custom HttpClient
rewrites those URLs to the emulator (twilio-python-sdk.md section 1A) and sends the host it
meant in ``X-Forwarded-Host``, which the emulator routes by.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client


def to_emulator(url: str, base: str) -> str:
    parts, target = urlsplit(url), urlsplit(base)
    if not (parts.hostname or "").endswith("twilio.com"):
        return url
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))


class EmulatorHttpClient(TwilioHttpClient):
    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=30)
        self.base_url = base_url
        self.requests: list[tuple[str, str]] = []

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> Any:
        target = to_emulator(url, self.base_url)
        self.requests.append((method, target))
        if target != url:  # say which Twilio host was meant: the emulator routes by it
            headers = {**(headers or {}), "X-Forwarded-Host": urlsplit(url).netloc}
        return super().request(
            method,
            target,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def sdk_client(base_url: str, account_sid: str, auth_token: str, **kwargs: Any) -> Client:
    """A ``twilio.rest.Client`` whose every request goes to the emulator at ``base_url``."""
    return Client(
        account_sid,
        auth_token,
        http_client=EmulatorHttpClient(base_url),
        environment={"TWILIOKIT_TEST": "1"},  # non-empty: keeps os.environ out (SDK quirk)
        **kwargs,
    )
