"""The control API under ``/_emulator``: time, faults, webhook log, API keys, reset.

Products add their own control routes (inbound messages, pending verifications, content
templates) next to their REST routes. Control requests take and return JSON; bad input gets a
400 ``{"error": {"message", "field"}}``. The control API needs no credentials: the emulator
binds to loopback by default and holds no real data.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, cast, get_args

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from twiliokit import phone
from twiliokit.emulator.faults import Fault, FaultMode
from twiliokit.emulator.web import iso8601, routes_for, state_of
from twiliokit.errors import ValidationError


class ControlError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"message": self.message, "field": self.field}}, 400)


async def read_json(request: Request) -> dict[str, Any]:
    """The JSON object body of a control request (empty body -> ``{}``)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ControlError(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ControlError("the body must be a JSON object")
    return data


def field_of(
    data: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = False
) -> Any:
    """``data[name]`` checked against ``kind`` (bool is never a number), or None if absent."""
    value = data.get(name)
    if value is None:
        if required:
            raise ControlError(f"'{name}' is required", name)
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise ControlError(f"'{name}' must be {_describe(kinds)}", name)
    if not isinstance(value, kinds):
        raise ControlError(f"'{name}' must be {_describe(kinds)}", name)
    return value


def e164_field(data: dict[str, Any], name: str, *, example: str) -> str:
    """``data[name]``, a phone number or ``whatsapp:`` address, as E.164 (required); the error
    shows ``example``."""
    raw = field_of(data, name, str, required=True)
    try:
        address = phone.parse_address(raw, field=name, allow=frozenset({"phone", "whatsapp"}))
    except ValidationError as exc:
        raise ControlError(
            f"'{name}' must be an E.164 number such as {example}: {raw!r}", name
        ) from exc
    assert address.e164 is not None
    return address.e164


def _describe(kinds: tuple[type, ...]) -> str:
    names = {
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        bool: "true/false",
        dict: "an object",
    }
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def clock(request: Request) -> Response:
    state = state_of(request)
    return JSONResponse({"now": iso8601(state.clock.now()), "rate": state.clock.rate})


async def set_clock(request: Request) -> Response:
    """Set virtual time to ``now`` (ISO 8601 with a zone), e.g. to run a test on a chosen day.

    Going back is refused while events are pending (they would run out of order); reset first.
    """
    state = state_of(request)
    data = await read_json(request)
    text = field_of(data, "now", str, required=True)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ControlError(
            "'now' must be an ISO 8601 time with a zone, e.g. 2026-03-10T12:00:00Z", "now"
        )
    if when < state.clock.now() and state.scheduler.pending:
        raise ControlError(
            "'now' is earlier than the emulator's time while events are pending; reset first",
            "now",
        )
    state.clock.set(when)
    state.scheduler.at(state.clock.now(), _noop)  # wake the ticker to re-plan
    return JSONResponse({"now": iso8601(state.clock.now()), "rate": state.clock.rate})


async def advance(request: Request) -> Response:
    """Move virtual time forward, run every event that falls due, deliver their callbacks."""
    state = state_of(request)
    data = await read_json(request)
    seconds = field_of(data, "seconds", (int, float), required=True)
    if seconds < 0 or seconds > 10 * 365 * 86400:
        raise ControlError("'seconds' must be between 0 and ten years", "seconds")
    state.clock.advance(float(seconds))
    ran = await state.scheduler.run_due()
    await state.dispatcher.drain()
    return JSONResponse({"now": iso8601(state.clock.now()), "events_run": ran})


async def set_rate(request: Request) -> Response:
    state = state_of(request)
    data = await read_json(request)
    rate = field_of(data, "rate", (int, float), required=True)
    if rate < 0:
        raise ControlError("'rate' must not be negative", "rate")
    state.clock.set_rate(float(rate))
    state.scheduler.at(state.clock.now(), _noop)  # wake the ticker to re-plan
    return JSONResponse({"now": iso8601(state.clock.now()), "rate": state.clock.rate})


async def _noop(_: Any) -> None:
    return None


async def add_fault(request: Request) -> Response:
    state = state_of(request)
    data = await read_json(request)
    mode = field_of(data, "mode", str) or "respond"
    if mode not in get_args(FaultMode):
        raise ControlError("'mode' must be respond, drop_before or drop_after", "mode")
    pattern = field_of(data, "path", str) or ".*"
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ControlError(f"'path' is not a valid regular expression: {exc}", "path") from exc
    status = field_of(data, "status", int)
    if status is not None and not 100 <= status <= 599:
        raise ControlError("'status' must be an HTTP status between 100 and 599", "status")
    times = field_of(data, "times", int)
    if times is not None and times < 1:
        raise ControlError("'times' must be at least 1 (omit it for every request)", "times")
    delay = field_of(data, "delay_ms", (int, float)) or 0
    if not 0 <= delay <= 120_000:
        raise ControlError("'delay_ms' must be between 0 and 120000", "delay_ms")
    retry_after = field_of(data, "retry_after", (int, float))
    fault = Fault(
        method=(field_of(data, "method", str) or "*").upper(),
        path=compiled,
        status=status,
        code=field_of(data, "code", int),
        times=times,
        delay_ms=float(delay),
        retry_after=None if retry_after is None else float(retry_after),
        mode=cast(FaultMode, mode),
        message=field_of(data, "message", str) or "Injected fault",
    )
    state.faults.add(fault)
    return JSONResponse(fault.to_dict(), status_code=201)


async def list_faults(request: Request) -> Response:
    return JSONResponse({"faults": [f.to_dict() for f in state_of(request).faults.faults]})


async def clear_faults(request: Request) -> Response:
    state_of(request).faults.clear()
    return Response(status_code=204)


async def webhooks(request: Request) -> Response:
    """Every callback and webhook delivered, oldest first; ``?kind=`` and ``?url=`` filter."""
    state = state_of(request)
    kind = request.query_params.get("kind")
    url = request.query_params.get("url")
    records = [
        r.to_dict()
        for r in state.dispatcher.records
        if (kind is None or r.kind == kind) and (url is None or url in r.url)
    ]
    return JSONResponse({"webhooks": records})


async def create_api_key(request: Request) -> Response:
    state = state_of(request)
    data = await read_json(request)
    account_sid = field_of(data, "account_sid", str) or state.config.account_sid
    if account_sid not in state.accounts:
        raise ControlError(f"no account {account_sid!r} in the emulator", "account_sid")
    key = state.create_api_key(account_sid, field_of(data, "friendly_name", str) or "")
    return JSONResponse(
        {"sid": key.sid, "secret": key.secret, "account_sid": key.account_sid}, status_code=201
    )


async def reset(request: Request) -> Response:
    """Back to a fresh emulator: accounts, numbers, messages, faults, the webhook log, and
    the clock at the time and rate it started with."""
    state = state_of(request)
    await state.dispatcher.drain()
    state.scheduler.clear()
    state.clock.reset()
    state.faults.clear()
    state.dispatcher.reset()
    state.seed()
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        *routes_for("/healthz", get=healthz),
        *routes_for("/_emulator/clock", get=clock, post=set_clock),
        *routes_for("/_emulator/clock/advance", post=advance),
        *routes_for("/_emulator/clock/rate", post=set_rate),
        *routes_for("/_emulator/faults", get=list_faults, post=add_fault, delete=clear_faults),
        *routes_for("/_emulator/webhooks", get=webhooks),
        *routes_for("/_emulator/api-keys", post=create_api_key),
        *routes_for("/_emulator/reset", post=reset),
    ]
