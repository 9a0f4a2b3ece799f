"""Talking to Twilio over HTTP: settings, routing, request building, retries, paging, errors.

Only :mod:`twiliokit.http.transport` (and :mod:`twiliokit.http.asyncio_backend`, its sockets
on asyncio) does I/O; everything else is pure and shared by the async and sync clients.
Public here: :class:`Timeout`, :class:`RetryPolicy` (and the :class:`RetryNotice` its
``on_retry`` hears) and :class:`Page`.
"""

from __future__ import annotations

from twiliokit.http.paging import Page
from twiliokit.http.policies import RetryPolicy, Timeout
from twiliokit.http.retry_notice import RetryNotice

__all__ = ["Page", "RetryNotice", "RetryPolicy", "Timeout"]
