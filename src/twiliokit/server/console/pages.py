"""The console's reading pages: inbox, conversation, opt-outs, webhooks, chart, outbox, batch.

Each reads the service's ledger and renders a template; they work without JavaScript. Bad
filter values are shown on the page as an alert naming the filter (status 400).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.responses import Response

from twiliokit.errors import ValidationError
from twiliokit.ledger.console_reads import InboxFilters, inbox_page, status_chart
from twiliokit.ledger.records import Channel, Direction, MessageStatus
from twiliokit.server.console.chart_svg import hour_range, render_chart
from twiliokit.server.console.web import ConsoleState, signed_in
from twiliokit.server.ledger_views import parse_time_bound

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = [
    "batch_page",
    "chart_page",
    "conversation_page",
    "inbox",
    "opt_outs_page",
    "outbox_page",
    "webhooks_page",
]

#: How long WhatsApp lets a business send free-form messages after the user's last message.
WHATSAPP_WINDOW = timedelta(hours=24)


def _day(request: Request, name: str) -> datetime | None:
    """A ``YYYY-MM-DD`` (or ISO time, or ``today``/``7d``) query parameter as UTC, read as
    the HTTP API reads it (a day from its start); ValidationError naming it."""
    text = request.query_params.get(name, "").strip()
    return parse_time_bound(text or None, name=name, edge="start")


def _choice(request: Request, name: str, enum: type[Channel] | type[MessageStatus]) -> Any:
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    try:
        return enum(text)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationError(f"{name} {text!r} is not one of: {allowed}", field=name) from None


def _page_number(request: Request) -> int:
    text = request.query_params.get("page", "1").strip() or "1"
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise ValidationError(f"page {text!r} is not a page number (1, 2, ...)", field="page")
    return int(text)


@signed_in
async def inbox(state: ConsoleState, request: Request) -> Response:
    """Conversations newest first, with filters and search."""
    params = request.query_params
    shown = {name: params.get(name, "") for name in ("q", "channel", "status", "since", "until")}
    rows: tuple[Any, ...] = ()
    next_url = error = None
    try:
        filters = InboxFilters(
            text=params.get("q", "").strip() or None,
            channel=_choice(request, "channel", Channel),
            status=_choice(request, "status", MessageStatus),
            since=_day(request, "since"),
            until=_day(request, "until"),
        )
        number = _page_number(request)
    except ValidationError as exc:
        error = exc.message
    else:
        size = state.settings.page_size
        page = await inbox_page(state.ledger(), filters, offset=(number - 1) * size, limit=size)
        rows = page.rows
        if page.has_more:
            query = {k: v for k, v in shown.items() if v} | {"page": str(number + 1)}
            next_url = f"{request.url.path}?{urlencode(query)}"
    return _filtered(
        state,
        request,
        "inbox.html",
        error,
        rows=rows,
        shown=shown,
        channels=list(Channel),
        statuses=list(MessageStatus),
        next_url=next_url,
    )


async def conversation_view(
    state: ConsoleState,
    request: Request,
    *,
    status: int = 200,
    reply_error: str | None = None,
    reply_notice: str | None = None,
    reply_body: str = "",
) -> Response:
    """The thread with one contact (also what a refused reply re-renders, with its reason)."""
    from twiliokit.actions.outputs import error_hint

    contact = request.path_params["contact"]
    ledger = state.ledger()
    before = _day(request, "before")
    size = state.settings.page_size
    items = await ledger.conversation(contact, limit=size + 1, before=before)
    shown = items[:size]
    next_url = None
    if len(items) > size:
        oldest = shown[-1].message.date_created.isoformat()
        next_url = f"{request.url.path}?{urlencode({'before': oldest})}"
    opted_out = await ledger.list_opt_outs(recipient=contact)
    window = None
    if contact.startswith("whatsapp:"):
        last = await ledger.last_inbound_at(contact)
        now = datetime.now(UTC)
        if last is not None and last + WHATSAPP_WINDOW > now:
            left = last + WHATSAPP_WINDOW - now
            window = {"open": True, "closes": last + WHATSAPP_WINDOW, "left": _duration(left)}
        else:
            window = {"open": False, "closes": None, "left": ""}
    return state.render(
        request,
        "conversation.html",
        status=status,
        contact=contact,
        items=list(reversed(shown)),
        next_url=next_url,
        opted_out=opted_out,
        window=window,
        hint=error_hint,
        reply_error=reply_error,
        reply_notice=reply_notice,
        reply_body=reply_body,
        inbound=Direction.INBOUND,
    )


def _duration(left: timedelta) -> str:
    minutes = int(left.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


@signed_in
async def conversation_page(state: ConsoleState, request: Request) -> Response:
    """GET a conversation (a bad ``before`` is the guard's 400 page)."""
    return await conversation_view(state, request)


@signed_in
async def opt_outs_page(state: ConsoleState, request: Request) -> Response:
    """Who opted out, of which sender, with which keyword, when."""
    opt_outs = await state.ledger().list_opt_outs()
    opt_outs.sort(key=lambda o: o.since, reverse=True)
    return state.render(request, "opt_outs.html", opt_outs=opt_outs)


@signed_in
async def webhooks_page(state: ConsoleState, request: Request) -> Response:
    """Recent webhook deliveries, and signature failures with the receiver's diagnostic."""
    deliveries = await state.ledger().webhook_deliveries(limit=100)
    receiver = state.receiver
    failures = list(reversed(getattr(receiver, "signature_failures", ()) or ()))
    return state.render(
        request,
        "webhooks.html",
        deliveries=deliveries,
        failures=failures,
        receiving=receiver is not None,
    )


@signed_in
async def chart_page(state: ConsoleState, request: Request) -> Response:
    """Messages per hour by status, and the top error codes, over a period (default 24 h)."""
    from markupsafe import Markup

    from twiliokit.actions.outputs import error_hint

    params = request.query_params
    shown = {"since": params.get("since", ""), "until": params.get("until", ""), "svg": ""}
    top_errors: list[tuple[int, int, str | None]] = []
    error = None
    try:
        until = _day(request, "until") or datetime.now(UTC)
        since = _day(request, "since") or until - timedelta(hours=24)
        _check_period(since, until)
    except ValidationError as exc:
        error = exc.message
    else:
        data = await status_chart(state.ledger(), since=since, until=until)
        hours = {hour: data.hours.get(hour, {}) for hour in hour_range(since, until)}
        title = f"Messages per hour by status, {since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC"
        shown = {
            "since": since.strftime("%Y-%m-%dT%H:%M"),
            "until": until.strftime("%Y-%m-%dT%H:%M"),
            "svg": Markup(render_chart(hours, title=title)),  # noqa: S704 - escaped there
        }
        top_errors = [(code, count, error_hint(code)) for code, count in data.top_errors]
    return _filtered(state, request, "chart.html", error, top_errors=top_errors, **shown)


def _filtered(
    state: ConsoleState, request: Request, template: str, error: str | None, **context: Any
) -> Response:
    """A page of filtered records: 400 with ``error`` above them when a filter was refused."""
    return state.render(request, template, status=400 if error else 200, error=error, **context)


def _check_period(since: datetime, until: datetime) -> None:
    if since >= until:
        raise ValidationError("since must be before until", field="since")
    if until - since > timedelta(days=92):
        raise ValidationError("the period is at most 92 days; narrow since/until", field="since")


def _outbox(state: ConsoleState) -> Any:
    """The ledger as an outbox store, or ``None`` when it has no outbox (yet)."""
    ledger = state.ledger()
    return ledger if hasattr(ledger, "list_items") and hasattr(ledger, "paces") else None


async def _read_outbox(call: Any) -> Any:
    """An outbox read, or ``None`` where this ledger does not implement it yet."""
    try:
        return await call
    except NotImplementedError:
        return None


@signed_in
async def outbox_page(state: ConsoleState, request: Request) -> Response:
    """Outbox items (newest first), the batches they belong to, and each sender's pace."""
    store = _outbox(state)
    items = paces = None
    if store is not None:
        from twiliokit.ledger.outbox_records import OutboxQuery

        items = await _read_outbox(store.list_items(OutboxQuery(limit=200)))
        paces = await _read_outbox(store.paces())
    batches = sorted({item.batch_id for item in items or () if item.batch_id})
    return state.render(
        request,
        "outbox.html",
        available=items is not None,
        items=items or [],
        batches=batches,
        paces=paces or [],
    )


@signed_in
async def batch_page(state: ConsoleState, request: Request) -> Response:
    """One batch: progress by state, rate per sender against its pace, cancel."""
    store = _outbox(state)
    progress = paces = None
    if store is not None:
        progress = await _read_outbox(
            store.batch_progress(request.path_params["batch_id"], now=datetime.now(UTC))
        )
        paces = await _read_outbox(store.paces())
    if progress is None:
        return state.error_page(
            request,
            status=404,
            title="No such batch",
            message=f"There is no batch {request.path_params['batch_id']!r} in this ledger.",
        )
    pace_of = {pace.sender: pace.rate for pace in paces or ()}
    total = max(progress.batch.total, 1)
    return state.render(
        request,
        "batch.html",
        progress=progress,
        total=total,
        counts=sorted((str(k), v) for k, v in progress.counts.items()),
        rates=[(s, r, pace_of.get(s)) for s, r in sorted(progress.rate_per_sender.items())],
        message=request.query_params.get("canceled"),
    )
