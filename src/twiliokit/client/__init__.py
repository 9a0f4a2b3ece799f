"""The Twilio client: :class:`AsyncClient` first, and :class:`Client` for scripts.

Both offer the same methods, declared once (:mod:`twiliokit.client._methods`): each sends
the operation a pure resource builder (:mod:`twiliokit.resources`) makes from its arguments,
through the shared retry logic (:func:`twiliokit.http.exchange.exchange`) and the client's
transport, and parses the answer. Only ``await`` and the transport differ between the two.

::

    async with AsyncClient(connection) as client:
        message = await client.create_message(to="+14155550100", body="Hi")
        async for m in client.iter_messages(to="+14155550100", limit=200):
            ...

The client never reads environment variables: credentials and routing come from the
:class:`~twiliokit.connections.Connection`, proxies and certificates from the ``transport``.
httpx and the answer models (pydantic) load on first use, so ``import twiliokit.client`` is
cheap.
"""

from __future__ import annotations

from twiliokit.client._async import AsyncClient
from twiliokit.client._sync import Client

__all__ = ["AsyncClient", "Client"]
