"""Voice control API: handsets, incoming calls, and what a call did.

::

    POST /_emulator/call-handsets {"number": "+14155550123", "outcome": "answered"|"busy"|
         "no-answer"|"failed", "ring_seconds": 5, "talk_seconds": 60, "answered_by": "human"}
    GET  /_emulator/call-handsets
    POST /_emulator/inbound-call {"From": "+14155550123", "To": "+14155550100"}
         -> 201 {"call_sid", "url", "status", "response_body", "verbs", "call_status"}
    GET  /_emulator/calls, /_emulator/calls/{sid}
         -> the call with every set of instructions it got ("fetches") and the verbs it ran

An incoming call requests the owned number's VoiceUrl (signed; VoiceFallbackUrl on failure)
with ``CallStatus=ringing`` and ``Direction=inbound``, is answered unless the TwiML starts with
``<Reject>``, and lasts as long as its TwiML runs or the calling handset talks. The number's
StatusCallback gets the ``completed`` event.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from twiliokit import phone
from twiliokit.emulator import control
from twiliokit.emulator.products import call_flow
from twiliokit.emulator.products.call_store import (
    ANSWERED_BY,
    OUTCOMES,
    Call,
    CallStore,
    Handset,
    input_problem,
)
from twiliokit.emulator.products.numbers import NumberStore
from twiliokit.emulator.sids import new_sid
from twiliokit.emulator.web import base_of, iso8601, routes_for, state_of
from twiliokit.errors import ValidationError


def _number(data: dict[str, Any], name: str) -> str:
    raw = control.field_of(data, name, str, required=True)
    if raw.lower().startswith(("client:", "sip:")):
        return str(raw)
    try:
        parsed = phone.parse_address(raw, field=name, allow=frozenset({"phone"}))
    except ValidationError as exc:
        raise control.ControlError(f"'{name}' must be an E.164 phone number: {exc}", name) from exc
    assert parsed.e164 is not None
    return parsed.e164


def _seconds(data: dict[str, Any], name: str, default: float) -> float:
    value = control.field_of(data, name, (int, float))
    if value is None:
        return default
    if not 0 <= value <= 86400:
        raise control.ControlError(f"'{name}' must be between 0 and 86400 seconds", name)
    return float(value)


def _inputs(data: dict[str, Any], default: tuple[str, ...]) -> tuple[str, ...]:
    """``inputs``: what the person enters at each ``<Gather>`` (keys, or speech:words)."""
    value = control.field_of(data, "inputs", list)
    if value is None:
        return default
    for item in value:
        problem = input_problem(item) if isinstance(item, str) else "each must be a string"
        if problem is not None:
            raise control.ControlError(f"'inputs' has {item!r}: {problem}", "inputs")
    return tuple(value)


def _choice(data: dict[str, Any], name: str, allowed: frozenset[str], default: str) -> str:
    value = control.field_of(data, name, str) or default
    if value not in allowed:
        raise control.ControlError(f"'{name}' must be one of {', '.join(sorted(allowed))}", name)
    return str(value)


async def set_handset(request: Request) -> Response:
    """Configure how the phone at a number answers calls from now on."""
    data = await control.read_json(request)
    number = _number(data, "number")
    default = Handset()
    handset = Handset(
        outcome=_choice(data, "outcome", OUTCOMES, default.outcome),
        ring_seconds=_seconds(data, "ring_seconds", default.ring_seconds),
        talk_seconds=_seconds(data, "talk_seconds", default.talk_seconds),
        answered_by=_choice(data, "answered_by", ANSWERED_BY, default.answered_by),
        inputs=_inputs(data, default.inputs),
    )
    state_of(request).store(CallStore).handsets[number] = handset
    return JSONResponse({"number": number, **handset.to_dict()}, status_code=201)


async def list_handsets(request: Request) -> Response:
    handsets = state_of(request).store(CallStore).handsets
    return JSONResponse({"handsets": [{"number": n, **h.to_dict()} for n, h in handsets.items()]})


def call_view(call: Call) -> dict[str, Any]:
    """What a call did: its state and every set of instructions it got."""
    verbs = [verb.to_dict() for fetch in call.fetches for verb in fetch.verbs]
    return {
        "sid": call.sid,
        "account_sid": call.account_sid,
        "direction": call.direction,
        "from": call.from_,
        "to": call.to,
        "status": call.status,
        "answered_by": call.answered_by,
        "duration": call.duration,
        "start_time": iso8601(call.start_time),
        "answered_at": iso8601(call.answered_at),
        "end_time": iso8601(call.end_time),
        "send_digits": call.send_digits,
        "handset": call.handset.to_dict(),
        "fetches": [fetch.to_dict() for fetch in call.fetches],
        "verbs": verbs,
    }


async def list_calls(request: Request) -> Response:
    calls = state_of(request).store(CallStore).calls.values()
    return JSONResponse({"calls": [call_view(call) for call in calls]})


async def show_call(request: Request) -> Response:
    call = state_of(request).store(CallStore).calls.get(request.path_params["sid"])
    if call is None:
        raise control.ControlError(f"no call {request.path_params['sid']!r}", "sid")
    return JSONResponse(call_view(call))


async def inbound_call(request: Request) -> Response:
    """A handset calls an owned number: the number's VoiceUrl decides what happens."""
    state = state_of(request)
    data = await control.read_json(request)
    caller, called = _number(data, "From"), _number(data, "To")
    owned = state.store(NumberStore).owner_of(called)
    if owned is None:
        raise control.ControlError(
            f"'To' {called} is not a number the emulator's accounts own; buy it with "
            "POST …/IncomingPhoneNumbers.json",
            "To",
        )
    if not owned.voice_url:
        raise control.ControlError(
            f"{called} has no VoiceUrl: set one with POST …/IncomingPhoneNumbers/{owned.sid}.json",
            "To",
        )
    store = state.store(CallStore)
    now = state.clock.now()
    call = Call(
        sid=new_sid("CA"),
        account_sid=owned.account_sid,
        to=called,
        from_=caller,
        direction="inbound",
        status="ringing",
        date_created=now,
        date_updated=now,
        base_url=base_of(request),
        url=owned.voice_url,
        method=owned.voice_method,
        fallback_url=owned.voice_fallback_url,
        fallback_method=owned.voice_fallback_method,
        status_callback=owned.status_callback,
        status_callback_method=owned.status_callback_method,
        phone_number_sid=owned.sid,
        start_time=now,
        handset=store.handset(caller),
        inputs=list(_inputs(data, store.handset(caller).inputs)),
    )
    store.add(call)
    verbs, seconds = await call_flow.run_twiml(state, call, now, "ringing")
    if verbs and verbs[0].name == "Reject":
        reason = verbs[0].attributes.get("reason", "rejected")
        await call_flow.finish(state, call, "busy" if reason == "busy" else "no-answer")(now)
    else:
        call.status, call.answered_at = "in-progress", now
        call_flow.hang_up_after(state, call, seconds, now)
    first = call.fetches[0]
    result: dict[str, Any] = {
        "call_sid": call.sid,
        "url": first.url,
        "status": first.status,
        "response_body": first.response_body,
        "verbs": [verb.to_dict() for verb in verbs],
        "call_status": call.status,
    }
    if first.error_code is not None:
        result["error_code"], result["error"] = first.error_code, first.error
    return JSONResponse(result, status_code=201)


def routes() -> list[BaseRoute]:
    return [
        *routes_for("/_emulator/call-handsets", get=list_handsets, post=set_handset),
        *routes_for("/_emulator/inbound-call", post=inbound_call),
        *routes_for("/_emulator/calls", get=list_calls),
        *routes_for("/_emulator/calls/{sid}", get=show_call),
    ]
