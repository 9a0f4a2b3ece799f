"""The web console: server-rendered pages over the ledger and the outbox at ``/console``.

::

    console = Console(ConsoleSettings(), api_token=token, runtime=holder)
    routes.extend(console.routes())           # /console, /console/...
    handlers = Handlers.combined(console.events.handlers(), operator_handlers)

Pages (docs/console.md): sign-in, inbox, conversation (with the reply box), outbox and
batches, opt-outs, webhooks, chart, the emulator handset, and ``/console/events`` (server-sent
events). Jinja2 templates (autoescaped), a vendored htmx and one small script under
``static/``; no CDN, no build step. Sign-in is with the API token; see
:mod:`~twiliokit.server.console.session` for the session and CSRF tokens and
:mod:`~twiliokit.server.console.web` for the headers every response carries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from twiliokit.server.console.settings import BASE, ConsoleSettings

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from twiliokit.server.console.events import Broadcaster
    from twiliokit.server.runtime import AgentRuntime

__all__ = ["BASE", "Console", "ConsoleSettings"]


class Console:
    """The console's routes and live events, for one service."""

    def __init__(
        self,
        settings: ConsoleSettings,
        *,
        api_token: str,
        runtime: Callable[[], AgentRuntime],
        receiver: Any = None,
    ) -> None:
        # Jinja2 and the pages load only when a console is built (the service imports this
        # package for its settings).
        from twiliokit.server.console.session import ConsoleKeys
        from twiliokit.server.console.web import ConsoleState

        self.state = ConsoleState(
            settings=settings, keys=ConsoleKeys(api_token), runtime=runtime, receiver=receiver
        )

    @property
    def events(self) -> Broadcaster:
        """What the live stream hears; feed it the receiver's events with ``handlers()``."""
        return self.state.events

    def routes(self) -> list[BaseRoute]:
        """``/console`` and everything under it."""
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.routing import Mount, Route, request_response
        from starlette.staticfiles import StaticFiles

        from twiliokit.server.console import forms, handset, pages
        from twiliokit.server.console.web import SecurityHeaders

        def bound(page: Any) -> Any:
            return partial(page, self.state)

        inner = [
            Route("/sign-in", bound(forms.sign_in_page), methods=["GET"]),
            Route("/sign-in", bound(forms.sign_in), methods=["POST"]),
            Route("/sign-out", bound(forms.sign_out), methods=["POST"]),
            Route("/inbox", bound(pages.inbox), methods=["GET"]),
            Route("/conversations/{contact}", bound(pages.conversation_page), methods=["GET"]),
            Route("/conversations/{contact}", bound(forms.reply), methods=["POST"]),
            Route("/outbox", bound(pages.outbox_page), methods=["GET"]),
            Route("/batches/{batch_id}", bound(pages.batch_page), methods=["GET"]),
            Route("/batches/{batch_id}/cancel", bound(forms.cancel_batch), methods=["POST"]),
            Route("/opt-outs", bound(pages.opt_outs_page), methods=["GET"]),
            Route("/webhooks", bound(pages.webhooks_page), methods=["GET"]),
            Route("/chart", bound(pages.chart_page), methods=["GET"]),
            Route("/handset", bound(handset.handset_page), methods=["GET"]),
            Route("/handset", bound(handset.text_number), methods=["POST"]),
            Route("/handset/clock", bound(handset.advance_clock), methods=["POST"]),
            Route("/handset/fault", bound(handset.inject_fault), methods=["POST"]),
            Route("/events", bound(forms.events), methods=["GET"]),
            Mount(
                "/static",
                app=StaticFiles(directory=str(files("twiliokit.server.console") / "static")),
            ),
        ]
        app = Starlette(
            routes=inner,
            middleware=[Middleware(SecurityHeaders)],
            exception_handlers={404: self._not_found, 405: self._not_found},
        )
        return [
            Route(BASE, SecurityHeaders(request_response(bound(forms.index))), methods=["GET"]),
            Mount(BASE, app=app),
        ]

    async def _not_found(self, request: Any, exc: Exception) -> Any:
        status = getattr(exc, "status_code", 404)
        return self.state.error_page(
            request,
            status=status,
            title="Not found" if status == 404 else "Not allowed",
            message=f"There is no console page {request.url.path}."
            if status == 404
            else f"{request.method} is not allowed on {request.url.path}.",
        )
