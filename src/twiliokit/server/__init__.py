"""The server wing: what `twiliokit serve` runs.

- :mod:`~twiliokit.server.service`: the ASGI app (HTTP API, MCP over HTTP, webhooks, /metrics);
- :mod:`~twiliokit.server.http_api` and :mod:`~twiliokit.server.mcp`: the two agent surfaces;
- :mod:`~twiliokit.server.runtime`: the client, ledger and guarded catalogue they share;
- :mod:`~twiliokit.server.guardrails` and :mod:`~twiliokit.server.dry_run`: what agents may do;
- :mod:`~twiliokit.server.metrics`: the figures at /metrics.

Serving over uvicorn (ports, workers, connection bounds) is :mod:`twiliokit.serving`, which the
emulator shares.
"""
