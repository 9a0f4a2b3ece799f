"""The emulator handset: text the Twilio number as a person would, see the replies, advance the
emulator's clock, inject a fault. Served only when the service runs on the emulator.

It speaks to the emulator's control API (``/_emulator/inbound``, ``/_emulator/clock/advance``,
``/_emulator/faults``); the emulator then calls this service's webhooks, as Twilio would.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from starlette.responses import RedirectResponse, Response

from twiliokit.server.console.web import (
    BASE,
    ConsoleState,
    FormPage,
    Page,
    posted_form,
    signed_in,
)

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = ["FAULTS", "advance_clock", "handset_page", "inject_fault", "text_number"]

#: A number to start from (the demo contact of ``make run``).
DEFAULT_CONTACT = "+14155550123"

#: The faults the page offers: name -> (label, the control API's fault).
FAULTS: dict[str, tuple[str, dict[str, Any]]] = {
    "server-error": (
        "The next message send answers 500",
        {"method": "POST", "path": r"/Messages\.json$", "status": 500, "times": 1},
    ),
    "rate-limited": (
        "The next message send is rate limited (429, error 20429)",
        {"method": "POST", "path": r"/Messages\.json$", "status": 429, "code": 20429, "times": 1},
    ),
    "lost-answer": (
        "The next message send is taken but its answer is lost",
        {"method": "POST", "path": r"/Messages\.json$", "mode": "drop_after", "times": 1},
    ),
}


def _page(request: Request, *, contact: str, notice: str | None = None) -> str:
    del request
    query = f"?from={quote(contact, safe='')}"
    if notice:
        query += f"&notice={quote(notice, safe='')}"
    return f"{BASE}/handset{query}"


async def _control(state: ConsoleState, path: str, document: dict[str, Any]) -> str | None:
    """POST ``document`` to the emulator's control API; ``None``, or what went wrong."""
    assert state.settings.emulator_url is not None
    try:
        async with httpx.AsyncClient(base_url=state.settings.emulator_url, timeout=30) as http:
            answer = await http.post(path, json=document)
    except httpx.HTTPError as exc:
        return f"the emulator did not answer ({type(exc).__name__})"
    if answer.is_success:
        return None
    try:
        return str(answer.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"the emulator answered {answer.status_code}"


def _absent(state: ConsoleState, request: Request) -> Response | None:
    if state.settings.handset:
        return None
    return state.error_page(
        request,
        status=404,
        title="No handset",
        message="The handset exists only when the server runs on the emulator.",
        detail="Start it with `twiliokit serve --emulator` (what `make run` does).",
    )


def _handset_form(handler: FormPage) -> Page:
    """``posted_form(handler)`` where there is a handset; else the "no handset" page."""
    posted = posted_form(handler)

    @wraps(handler)
    async def present(state: ConsoleState, request: Request) -> Response:
        absent = _absent(state, request)
        return absent if absent is not None else await posted(state, request)

    return present


async def _render(
    state: ConsoleState, request: Request, *, contact: str, error: str | None, status: int = 200
) -> Response:
    items = await state.ledger().conversation(contact, limit=20)
    replies = [item.message for item in items if not item.message.is_inbound]
    return state.render(
        request,
        "handset.html",
        status=status,
        contact=contact,
        number=state.settings.twilio_number,
        replies=replies,
        faults=[(name, label) for name, (label, _) in FAULTS.items()],
        error=error,
        notice=request.query_params.get("notice"),
    )


@signed_in
async def handset_page(state: ConsoleState, request: Request) -> Response:
    """The handset: a contact's phone texting the Twilio number."""
    absent = _absent(state, request)
    if absent is not None:
        return absent
    contact = request.query_params.get("from", "").strip() or DEFAULT_CONTACT
    return await _render(state, request, contact=contact, error=None)


@signed_in
@_handset_form
async def text_number(state: ConsoleState, request: Request, fields: dict[str, str]) -> Response:
    """Text the Twilio number from the contact (STOP, START, HELP work as they do on Twilio)."""
    contact = fields.get("from", "").strip()
    body = fields.get("body", "")
    problem = (
        "Give the contact's number (from), e.g. +14155550123." if not contact else None
    ) or await _control(
        state,
        "/_emulator/inbound",
        {"From": contact, "To": state.settings.twilio_number, "Body": body},
    )
    if problem is not None:
        return await _render(
            state, request, contact=contact or DEFAULT_CONTACT, error=problem, status=422
        )
    return RedirectResponse(_page(request, contact=contact), status_code=303)


@signed_in
@_handset_form
async def advance_clock(state: ConsoleState, request: Request, fields: dict[str, str]) -> Response:
    """Move the emulator's time forward: what falls due runs (deliveries, status callbacks)."""
    contact = fields.get("from", "").strip() or DEFAULT_CONTACT
    text = fields.get("seconds", "").strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    problem = (
        f"seconds {text!r} is not a number of seconds; give e.g. 60"
        if not 0 < seconds <= 86400 * 365
        else await _control(state, "/_emulator/clock/advance", {"seconds": seconds})
    )
    if problem is not None:
        return await _render(state, request, contact=contact, error=problem, status=422)
    notice = f"The emulator's clock moved {seconds:g} s forward."
    return RedirectResponse(_page(request, contact=contact, notice=notice), status_code=303)


@signed_in
@_handset_form
async def inject_fault(state: ConsoleState, request: Request, fields: dict[str, str]) -> Response:
    """Make the emulator fail the next request of a kind (see :data:`FAULTS`)."""
    contact = fields.get("from", "").strip() or DEFAULT_CONTACT
    chosen = FAULTS.get(fields.get("fault", ""))
    problem = (
        "fault: choose one of the listed faults"
        if chosen is None
        else await _control(state, "/_emulator/faults", chosen[1])
    )
    if problem is not None or chosen is None:
        return await _render(state, request, contact=contact, error=problem, status=422)
    notice = f"Fault set: {chosen[0]}."
    return RedirectResponse(_page(request, contact=contact, notice=notice), status_code=303)
