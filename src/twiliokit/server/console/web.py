"""What every console page shares: the settings, templates, the session guard, the CSRF check
and the security headers.

Every response under ``/console`` carries the Content-Security-Policy (no inline script or
style), ``X-Frame-Options: DENY``, ``nosniff``, ``no-referrer`` and ``Cache-Control: no-store``
(pages hold message text). A page needs a session (else 303 to the sign-in page); a form POST
needs the CSRF token (else 403, "form expired, reload the page").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import MutableHeaders
from starlette.responses import HTMLResponse, RedirectResponse, Response

from twiliokit.errors import TwiliokitError, ValidationError
from twiliokit.server.console.events import Broadcaster
from twiliokit.server.console.session import CSRF_COOKIE, SESSION_COOKIE, ConsoleKeys, Session
from twiliokit.server.console.settings import BASE, ConsoleSettings
from twiliokit.server.http_middleware import HttpMiddleware

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import Message, Receive, Scope, Send

    from twiliokit.ledger import LedgerStore
    from twiliokit.server.runtime import AgentRuntime

logger = logging.getLogger("twiliokit.console")

__all__ = [
    "BASE",
    "CSP",
    "ConsoleSettings",
    "ConsoleState",
    "FormPage",
    "SecurityHeaders",
    "posted_form",
    "signed_in",
]

#: The Content-Security-Policy of every console response.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
_HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@dataclass(slots=True)
class ConsoleState:
    """The console's parts, shared by its routes."""

    settings: ConsoleSettings
    keys: ConsoleKeys
    runtime: Callable[[], AgentRuntime]
    events: Broadcaster = field(default_factory=Broadcaster)
    receiver: Any = None
    templates: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.templates = Environment(
            loader=PackageLoader("twiliokit.server.console", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["when"] = _when

    def ledger(self) -> LedgerStore:
        """The service's ledger (a ConfigurationError page when there is none)."""
        return self.runtime().require_ledger()

    def session(self, request: Request) -> Session | None:
        """The request's valid session, or ``None``."""
        return self.keys.check_session(request.cookies.get(SESSION_COOKIE))

    def render(
        self, request: Request, template: str, *, status: int = 200, **context: Any
    ) -> Response:
        """The page ``template`` with ``context``, the CSRF token of this browser, and (when
        the browser had none) the CSRF cookie it is derived from."""
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = not cookie
        if not cookie:
            cookie = ConsoleKeys.new_csrf_cookie()
        html = self.templates.get_template(template).render(
            base=BASE,
            csrf_token=self.keys.csrf_token(cookie),
            signed_in=self.session(request) is not None,
            handset=self.settings.handset,
            path=request.url.path,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        if fresh:
            self.set_cookie(response, CSRF_COOKIE, cookie, max_age=None)
        return response

    def set_cookie(self, response: Response, name: str, value: str, *, max_age: int | None) -> None:
        """A console cookie: HttpOnly, SameSite=Strict, path /console, Secure when https."""
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=BASE,
            httponly=True,
            samesite="strict",
            secure=self.settings.secure_cookies,
        )

    async def form(self, request: Request) -> dict[str, str] | Response:
        """The posted form's fields; or, when it lacks this browser's CSRF token, the 403
        to answer ("form expired, reload the page")."""
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if self.keys.csrf_ok(request.cookies.get(CSRF_COOKIE), fields.get("csrf_token")):
            return fields
        return self.error_page(
            request,
            status=403,
            title="Form expired",
            message="The form expired: reload the page and try again.",
            detail="form expired, reload the page",
        )

    def error_page(
        self, request: Request, *, status: int, title: str, message: str, detail: str = ""
    ) -> Response:
        """A page saying what went wrong (``message``, an alert) and what to do (``detail``)."""
        return self.render(
            request, "error.html", status=status, title=title, message=message, detail=detail
        )


def _when(value: datetime | None) -> str:
    """A time as people read it, in UTC."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


Page = Callable[["ConsoleState", "Request"], Awaitable[Response]]
#: A form handler: a page that also takes the posted form's fields.
FormPage = Callable[["ConsoleState", "Request", dict[str, str]], Awaitable[Response]]


def posted_form(handler: FormPage) -> Page:
    """Run ``handler`` with the posted form's fields once its CSRF token checks out; otherwise
    answer the 403 "form expired" page."""

    @wraps(handler)
    async def checked(state: ConsoleState, request: Request) -> Response:
        fields = await state.form(request)
        if isinstance(fields, Response):
            return fields
        return await handler(state, request, fields)

    return checked


def signed_in(page: Page) -> Page:
    """Run ``page`` for a signed-in browser; otherwise 303 to the sign-in page. A bad value is
    a 400 page naming it, a missing ledger or a database failure a 503 page saying so; never
    a traceback."""

    @wraps(page)
    async def guarded(state: ConsoleState, request: Request) -> Response:
        if state.session(request) is None:
            return RedirectResponse(f"{BASE}/sign-in", status_code=303)
        try:
            return await page(state, request)
        except ValidationError as exc:  # a bad value in the link or the form
            return state.error_page(
                request, status=400, title="Bad request", message=exc.message, detail=exc.hint or ""
            )
        except TwiliokitError as exc:  # no ledger, the database down...
            return state.error_page(
                request,
                status=503,
                title="Not available",
                message=exc.message,
                detail=exc.hint or "",
            )
        except Exception:
            # A bug: its traceback goes to the log (whose filter masks secrets); the browser
            # gets a page saying where to look, not the server's plain-text 500.
            logger.exception("the console failed on %s %s", request.method, request.url.path)
            return state.error_page(
                request,
                status=500,
                title="Something went wrong",
                message="The console could not show this page.",
                detail="This is a twiliokit bug: the server log has the details.",
            )

    return guarded


class SecurityHeaders(HttpMiddleware):
    """ASGI middleware adding the console's security headers to every response."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # Server time until the answer starts (what the inbox's goal is measured in).
                spent = (time.perf_counter() - started) * 1000
                headers["server-timing"] = f"app;dur={spent:.1f}"
                for name, value in _HEADERS.items():
                    headers[name] = value
                if "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
