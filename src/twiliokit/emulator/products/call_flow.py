"""What happens to a call after it is created, in virtual time.

Outbound (``outbound-api``)::

    queued --initiated--> ringing --(handset answers)--> in-progress --(TwiML ends, hang-up)
       |                     |                                                   --> completed
       |                     |--(Timeout or handset no-answer)--> no-answer
       |--(handset busy / failed)--> busy / failed

On answer the emulator gets the call's instructions (inline ``Twiml``, or a signed request to
``Url`` with Twilio's parameters, falling back to ``FallbackUrl``), follows one ``<Redirect>``
and each ``<Gather>`` the handset answers (its ``inputs``), records what it got
(``GET /_emulator/calls/{sid}``) and keeps the call up as long as the TwiML runs
(:func:`call_store.twiml_seconds`) or the handset talks. Status callbacks go to
``StatusCallback`` for the subscribed events (``completed`` only by default). Calls made with
test credentials stay ``queued`` and send nothing, as with Twilio.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from twiliokit import twiml
from twiliokit.emulator.products.call_store import (
    APPLICATION_ERROR_SECONDS,
    DIAL_SECONDS,
    INPUT_SECONDS,
    Call,
    TwimlFetch,
    Verb,
    gather_result,
    parse_verbs,
    spoken_seconds,
    twiml_seconds,
)
from twiliokit.emulator.products.inbound import geography
from twiliokit.emulator.sids import new_sid
from twiliokit.emulator.state import EmulatorState
from twiliokit.emulator.web import rfc2822, same_names
from twiliokit.errors import ValidationError

# SIP codes Twilio reports with the final status.
_SIP_CODES = {
    "completed": "200",
    "busy": "486",
    "no-answer": "487",
    "canceled": "487",
    "failed": "500",
}
_EMPTY_GEO = ("", "", "", "")
#: What a TwiML fetch keeps of the webhook delivery that got it (same names on both).
_FROM_DELIVERY = ("url", "method", "status", "response_body", "error")


def _address_params(name: str, address: str) -> list[tuple[str, str]]:
    """``name`` and its City, Country, State and Zip (empty for client:/sip: addresses)."""
    city, state, zip_code, country = geography(address) if address.startswith("+") else _EMPTY_GEO
    return [
        (name, address),
        (name + "City", city),
        (name + "Country", country),
        (name + "State", state),
        (name + "Zip", zip_code),
    ]


def call_params(call: Call, call_status: str) -> list[tuple[str, str]]:
    """The parameters of every request Twilio makes about a call (TwiML and callbacks)."""
    params = [
        ("AccountSid", call.account_sid),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", call.sid),
        ("CallStatus", call_status),
        *_address_params("Called", call.to),
        *_address_params("Caller", call.from_),
        ("Direction", call.direction),
        *_address_params("From", call.from_),
        *_address_params("To", call.to),
    ]
    if call.answered_by is not None:
        params.append(("AnsweredBy", call.answered_by))
    return params


def status_params(call: Call, event: str, at: datetime) -> list[tuple[str, str]]:
    """A status callback: the call's parameters plus the progress event's own."""
    call_status = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}.get(
        event, call.status
    )
    params = [
        *call_params(call, call_status),
        ("Timestamp", rfc2822(at) or ""),
        ("CallbackSource", "call-progress-events"),
        ("SequenceNumber", str(call.sequence)),
    ]
    if event == "completed":
        seconds = call.duration or 0
        params += [
            ("CallDuration", str(seconds)),
            ("Duration", str(math.ceil(seconds / 60))),
            ("SipResponseCode", _SIP_CODES.get(call.status, "200")),
        ]
        if call.recording_sid is not None:
            params += [
                ("RecordingSid", call.recording_sid),
                (
                    "RecordingUrl",
                    f"{call.base_url}/2010-04-01/Accounts/{call.account_sid}"
                    f"/Recordings/{call.recording_sid}",
                ),
                ("RecordingDuration", str(seconds)),
            ]
    return params


def send_status(state: EmulatorState, call: Call, event: str, at: datetime) -> None:
    """Fire the status callback for ``event`` if the call subscribed to it."""
    if call.is_test or not call.status_callback or event not in call.status_callback_events:
        return
    params = status_params(call, event, at)
    call.sequence += 1
    url, method = call.status_callback, call.status_callback_method
    auth_token = state.accounts[call.account_sid].auth_token
    call.callbacks = state.dispatcher.fire_after(
        call.callbacks,
        lambda: state.dispatcher.send_form(
            kind="call-status", url=url, params=params, auth_token=auth_token, method=method
        ),
    )


# --- instructions -----------------------------------------------------------------------------


def _parsed(fetch: TwimlFetch, text: str) -> TwimlFetch:
    try:
        fetch.verbs = parse_verbs(twiml.parse_voice_verbs(text))
    except ValidationError as exc:
        fetch.error_code, fetch.error = 12100, f"Document parse failure: {exc}"
    return fetch


async def _request(
    state: EmulatorState,
    call: Call,
    *,
    source: str,
    url: str,
    method: str,
    call_status: str,
    at: datetime,
    extra: list[tuple[str, str]] | None = None,
) -> TwimlFetch:
    record = await state.dispatcher.send_form(
        kind=f"call-{source}",
        url=url,
        params=[*call_params(call, call_status), *(extra or [])],
        auth_token=state.accounts[call.account_sid].auth_token,
        method=method,
    )
    fetch = TwimlFetch(source=source, at=at, **same_names(record, *_FROM_DELIVERY))
    call.fetches.append(fetch)
    if record.status is None or record.status >= 400:
        fetch.error_code = 11200
        fetch.error = fetch.error or f"HTTP retrieval failure: status {record.status}"
        return fetch
    return _parsed(fetch, record.response_body or "")


async def instructions(
    state: EmulatorState, call: Call, at: datetime, call_status: str
) -> TwimlFetch:
    """The call's TwiML from inline Twiml or its Url (then FallbackUrl), recorded on the call."""
    if call.twiml is not None:
        fetch = _parsed(TwimlFetch(source="twiml", at=at, response_body=call.twiml), call.twiml)
        call.fetches.append(fetch)
        return fetch
    assert call.url is not None
    fetch_from = functools.partial(_request, state, call, call_status=call_status, at=at)
    fetch = await fetch_from(source="url", url=call.url, method=call.method)
    if fetch.error_code == 11200 and call.fallback_url:
        fetch = await fetch_from(
            source="fallback",
            url=call.fallback_url,
            method=call.fallback_method,
            extra=[("ErrorCode", "11200"), ("ErrorUrl", call.url)],
        )
    return fetch


async def run_twiml(
    state: EmulatorState, call: Call, at: datetime, call_status: str
) -> tuple[list[Verb], float | None]:
    """Get and follow the call's instructions: the verbs it ran and how long they keep the
    call up (None: until a hang-up).

    One ``<Redirect>`` is followed (a second one ends the call there). A ``<Gather>`` reached
    while the handset still has input posts that input to its ``action`` (by default the
    document's own URL) and goes on with the TwiML it gets back; without input it plays its
    prompts, waits its ``timeout`` and falls through. Every request is made at ``at``: the
    emulator plans the whole call when it is answered, and only its length is virtual time.
    """
    fetch = await instructions(state, call, at, call_status)
    if fetch.error_code is not None:
        return [], APPLICATION_ERROR_SECONDS
    ran: list[Verb] = []
    elapsed = 0.0
    redirected = False
    verbs, document = fetch.verbs, fetch.url or ""
    while True:
        turn = _next_turn(verbs, call, redirected)
        before = verbs if turn is None else verbs[:turn]
        head = twiml_seconds(before)
        if turn is None or head is None or any(v.name in {"Hangup", "Reject"} for v in before):
            ran += before
            return ran, None if head is None else elapsed + head
        verb = verbs[turn]
        if verb.name == "Redirect":
            if redirected:  # a second Redirect is not followed: the emulator stops there
                ran += before
                return ran, elapsed + head
            redirected = True
            ran += before
            elapsed += head
            target, method, extra = verb.text.strip(), verb.attributes.get("method"), None
        else:  # a Gather the person answers
            prompts = _prompts(verbs, turn)
            given = call.inputs.pop(0)
            extra = gather_result(verb, given)
            if extra is None:  # it takes nothing from this input: on past it, as on a timeout
                ran += [*before, verb, *prompts]
                elapsed += head + (twiml_seconds([verb, *prompts]) or 0.0)
                verbs = verbs[turn + 1 + len(prompts) :]
                continue
            ran += [*before, verb, *prompts]
            elapsed += head + spoken_seconds(prompts) + INPUT_SECONDS
            target = verb.attributes.get("action") or document
            method = verb.attributes.get("method")
        url = urljoin(document, target)
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            call.fetches.append(
                TwimlFetch(
                    verb.name.lower(), at, url=url, error_code=11100, error="Invalid URL format"
                )
            )
            return ran, elapsed + APPLICATION_ERROR_SECONDS
        fetch = await _request(
            state,
            call,
            source=verb.name.lower(),
            url=url,
            method=(method or "POST").upper(),
            call_status="in-progress",
            at=at,
            extra=extra,
        )
        if fetch.error_code is not None:
            return ran, elapsed + APPLICATION_ERROR_SECONDS
        verbs, document = fetch.verbs, fetch.url or url


def _next_turn(verbs: list[Verb], call: Call, redirected: bool) -> int | None:
    """Where the call leaves this document: a ``<Redirect>``, or a ``<Gather>`` while the
    handset has input left (and the ``<Gather>`` has somewhere to post it)."""
    for index, verb in enumerate(verbs):
        if verb.name == "Redirect":
            return index
        if verb.name == "Gather" and call.inputs:
            return index
    return None


def _prompts(verbs: list[Verb], gather: int) -> list[Verb]:
    """The verbs nested in the ``<Gather>`` at ``gather`` (``Gather/Say`` and the like)."""
    nested = []
    for verb in verbs[gather + 1 :]:
        if not verb.name.startswith("Gather/"):
            break
        nested.append(verb)
    return nested


# --- the outbound lifecycle -------------------------------------------------------------------

Step = Callable[[datetime], Awaitable[None]]


def _after(state: EmulatorState, call: Call, seconds: float, step: Step, base: datetime) -> None:
    call.events.append(state.scheduler.after(seconds, step, base=base))


def finish(state: EmulatorState, call: Call, status: str) -> Step:
    async def step(at: datetime) -> None:
        if call.final:
            return
        call.end(status, at)
        send_status(state, call, "completed", at)

    return step


def hang_up_after(state: EmulatorState, call: Call, seconds: float | None, at: datetime) -> None:
    """Schedule the end of an answered call: the TwiML runs out or the handset hangs up."""
    elapsed = (at - call.answered_at).total_seconds() if call.answered_at else 0.0
    limit = call.handset.talk_seconds - elapsed
    if call.time_limit is not None:
        limit = min(limit, call.time_limit - elapsed)
    # Whole seconds, so that end_time - answered_at is exactly the duration Twilio reports.
    length = math.ceil(max(0.0, limit if seconds is None else min(seconds, limit)))
    _after(state, call, length, finish(state, call, "completed"), at)


def start_outbound(state: EmulatorState, call: Call, now: datetime) -> None:
    """Schedule the call's progress from now (nothing for test credentials)."""
    if call.is_test:
        return
    handset = call.handset

    async def answer(at: datetime) -> None:
        if call.final:
            return
        call.status, call.answered_at, call.date_updated = "in-progress", at, at
        if call.machine_detection is not None:
            call.answered_by = handset.answered_by
        if call.record:
            call.recording_sid = new_sid("RE")
        _, seconds = await run_twiml(state, call, at, "in-progress")
        send_status(state, call, "answered", at)
        hang_up_after(state, call, seconds, at)

    async def ringing(at: datetime) -> None:
        if call.final:
            return
        call.status, call.date_updated = "ringing", at
        send_status(state, call, "ringing", at)
        if handset.outcome == "no-answer" or handset.ring_seconds >= call.timeout:
            _after(state, call, call.timeout, finish(state, call, "no-answer"), at)
        else:
            _after(state, call, handset.ring_seconds, answer, at)

    async def initiated(at: datetime) -> None:
        if call.final:
            return
        call.start_time = at
        send_status(state, call, "initiated", at)
        if handset.outcome in {"busy", "failed"}:
            _after(state, call, DIAL_SECONDS, finish(state, call, handset.outcome), at)
        else:
            _after(state, call, DIAL_SECONDS, ringing, at)

    call.events.append(state.scheduler.at(now, initiated))


def redirect(state: EmulatorState, call: Call, now: datetime) -> None:
    """Run new instructions on an in-progress call (an update with Url or Twiml)."""

    async def step(at: datetime) -> None:
        if call.status != "in-progress":
            return
        call.cancel_events()
        _, seconds = await run_twiml(state, call, at, "in-progress")
        hang_up_after(state, call, seconds, at)

    call.cancel_events()
    call.events.append(state.scheduler.at(now, step))
