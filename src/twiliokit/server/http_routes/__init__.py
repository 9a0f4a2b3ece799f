"""The rooms of the HTTP actions API, one concern each;
:func:`twiliokit.server.http_api.create_http_api` composes them.

- :mod:`~twiliokit.server.http_routes.actions`: the catalogue and running actions (``/v1/actions``);
- :mod:`~twiliokit.server.http_routes.ledger`: the ledger reads (``/v1/messages``, ...), answered by
  the ledger actions;
- :mod:`~twiliokit.server.http_routes.bodies`: reading a JSON body and checking its types;
- :mod:`~twiliokit.server.http_routes.errors`: the error object, statuses and handlers;
- :mod:`~twiliokit.server.http_routes.openapi`: the per-action paths of ``/openapi.json``;
- :mod:`~twiliokit.server.http_routes.auth`: the bearer token.
"""
