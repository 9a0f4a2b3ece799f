"""The console's forms and streams: sign-in and sign-out, the reply box, cancelling a batch,
and the live event stream.

Every POST checks the CSRF token first (403 otherwise). A reply goes through the same send
pipeline as every other surface (the guarded catalogue with the service's hooks: guardrails,
compliance, ledger); a refusal is re-rendered inline with its reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.responses import RedirectResponse, Response, StreamingResponse

from twiliokit.errors import (
    ComplianceError,
    OptedOutError,
    TwiliokitError,
    WhatsAppWindowError,
)
from twiliokit.server.console.events import ConsoleEvent
from twiliokit.server.console.pages import conversation_view
from twiliokit.server.console.session import SESSION_COOKIE, SESSION_SECONDS
from twiliokit.server.console.web import BASE, ConsoleState, posted_form, signed_in

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = [
    "cancel_batch",
    "events",
    "index",
    "refusal_text",
    "reply",
    "sign_in",
    "sign_in_page",
    "sign_out",
]

#: The most a reply may hold (Twilio's limit for one message body).
MAX_BODY = 1600


def refusal_text(exc: TwiliokitError) -> str:
    """Why a reply was not sent, for people: the reason first ("opted out", "WhatsApp window
    closed"), then the error's own message and hint."""
    if isinstance(exc, OptedOutError):
        reason = "Not sent: opted out."
    elif isinstance(exc, WhatsAppWindowError):
        reason = "Not sent: the WhatsApp window is closed."
    elif isinstance(exc, ComplianceError):
        reason = "Not sent: refused by a compliance rule."
    else:
        reason = "Not sent."
    return " ".join(part for part in (reason, exc.message, exc.hint) if part)


def _to(path: str) -> RedirectResponse:
    return RedirectResponse(f"{BASE}{path}", status_code=303)


async def index(state: ConsoleState, request: Request) -> Response:
    """``/console``: the inbox when signed in, else the sign-in page."""
    return _to("/inbox" if state.session(request) is not None else "/sign-in")


async def sign_in_page(state: ConsoleState, request: Request) -> Response:
    """The sign-in form."""
    if state.session(request) is not None:
        return _to("/inbox")
    return state.render(request, "sign_in.html", error=None)


@posted_form
async def sign_in(state: ConsoleState, request: Request, fields: dict[str, str]) -> Response:
    """Check the API token; a session cookie and the inbox, or 401 with the form again."""
    if not state.keys.token_matches(fields.get("token", "").strip()):
        return state.render(
            request,
            "sign_in.html",
            status=401,
            error="That token is not right. Use the server's API token "
            "($TWILIOKIT_API_TOKEN, or the api-token file `twiliokit serve` printed).",
        )
    response = _to("/inbox")
    state.set_cookie(response, SESSION_COOKIE, state.keys.issue_session(), max_age=SESSION_SECONDS)
    return response


@posted_form
async def sign_out(state: ConsoleState, request: Request, _fields: dict[str, str]) -> Response:
    """End the session (here at once; the cookie is deleted from the browser)."""
    session = state.session(request)
    if session is not None:
        state.keys.revoke(session)
    response = _to("/sign-in")
    response.delete_cookie(
        SESSION_COOKIE,
        path=BASE,
        httponly=True,
        samesite="strict",
        secure=state.settings.secure_cookies,
    )
    return response


@signed_in
@posted_form
async def reply(state: ConsoleState, request: Request, fields: dict[str, str]) -> Response:
    """Send the reply box's text to the conversation's contact through the send pipeline."""
    contact = request.path_params["contact"]
    body = fields.get("body", "").strip()
    problem = None
    if not body:
        problem = "Write a message first: the reply is empty."
    elif len(body) > MAX_BODY:
        problem = f"The reply is longer than {MAX_BODY} characters; shorten it."
    if problem is not None:
        return await conversation_view(
            state, request, status=422, reply_error=problem, reply_body=body
        )
    action = "send_whatsapp" if contact.startswith("whatsapp:") else "send_sms"
    try:
        output = await state.runtime().invoke(action, {"to": contact, "body": body})
    except TwiliokitError as exc:
        return await conversation_view(
            state, request, status=422, reply_error=refusal_text(exc), reply_body=body
        )
    sid = output.get("sid")
    if not isinstance(sid, str):  # --dry-run: a preview of the request, nothing sent
        return await conversation_view(
            state,
            request,
            reply_notice="Dry run: nothing was sent (the server runs with --dry-run).",
            reply_body=body,
        )
    state.events.publish(ConsoleEvent("message", {"contact": contact, "sid": sid}))
    return RedirectResponse(str(request.url), status_code=303)


@signed_in
@posted_form
async def cancel_batch(state: ConsoleState, request: Request, _fields: dict[str, str]) -> Response:
    """Cancel a batch's items still queued."""
    batch_id = request.path_params["batch_id"]
    ledger = state.ledger()
    canceled = 0
    if hasattr(ledger, "cancel_batch"):
        try:
            canceled = await ledger.cancel_batch(batch_id, at=datetime.now(UTC))
        except NotImplementedError:
            canceled = 0
    return RedirectResponse(f"{BASE}/batches/{batch_id}?canceled={canceled}", status_code=303)


async def events(state: ConsoleState, request: Request) -> Response:
    """Server-sent events (``message``, ``status``) for a signed-in browser; 401 otherwise."""
    if state.session(request) is None:
        return Response("sign in first", status_code=401, media_type="text/plain")
    return StreamingResponse(
        state.events.stream(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )
