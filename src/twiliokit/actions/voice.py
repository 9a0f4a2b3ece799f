"""Voice actions: place a call (a URL, TwiML, or text to speak), read, list and end calls.

Inputs are checked before any request: numbers parsed with ``phonenumbers``, exactly one of
``url``, ``twiml`` or ``say``, TwiML that parses, date ranges. A call is never placed twice
after a lost answer: that is an :class:`~twiliokit.errors.UnknownOutcomeError`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from twiliokit.actions.context import ActionContext
from twiliokit.actions.hooks import SendIntent
from twiliokit.actions.idempotency import idempotency_key_field
from twiliokit.actions.inputs import (
    AgentInput,
    DateBound,
    Instant,
    PageInput,
    Sid,
    WebUrl,
    address,
    check_not_future,
    names,
    range_rule,
    register,
)
from twiliokit.actions.outputs import (
    CallOutput,
    PageOutput,
    next_page_token_field,
    scheduled_answer,
)
from twiliokit.actions.sending import outbox_id_field, schedule, send_now
from twiliokit.errors import ValidationError
from twiliokit.twiml import Response, parse_voice_verbs

__all__ = [
    "CallSidInput",
    "ListCallsInput",
    "ListCallsOutput",
    "MakeCallInput",
    "MakeCallOutput",
    "end_call",
    "get_call",
    "list_calls",
    "make_call",
]

GROUP = "voice"
#: Twilio's limit on inline TwiML.
MAX_TWIML = 4000
_PHONE = frozenset({"phone"})
_NO_WHATSAPP = {"whatsapp": "Calls go to phone numbers: drop the whatsapp: prefix."}

CallSid = Annotated[str, Sid(("CA",), "a call", "make_call or list_calls")]
CallStatus = Literal[
    "queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"
]
CallEvent = Literal["initiated", "ringing", "answered", "completed"]

_MACHINE_DETECTION = {"enable": "Enable", "detectmessageend": "DetectMessageEnd"}


def _machine_detection(value: Any) -> Any:
    """``Enable``/``DetectMessageEnd`` in any case; ``true`` means ``Enable``."""
    if value is True:
        return "Enable"
    if isinstance(value, str):
        return _MACHINE_DETECTION.get(value.strip().lower(), value)
    return value


def _twiml(value: str) -> str:
    try:
        parse_voice_verbs(value)
    except ValidationError as exc:
        raise ValidationError(
            f"'twiml' is not valid TwiML: {exc.message}",
            field="twiml",
            hint="Give a whole document, e.g. <Response><Say>Hello</Say></Response>, or use "
            "'say' for plain text.",
        ) from None
    return value


class MakeCallInput(AgentInput):
    """Arguments of make_call."""

    to: Annotated[str, address("to", _PHONE, refuse=_NO_WHATSAPP)] = Field(
        validation_alias=names("to", "recipientPhoneNumber", "recipient_number", "recipient"),
        description="The number to call, in E.164 (+14155552671).",
    )
    from_: Annotated[str | None, address("from", _PHONE, refuse=_NO_WHATSAPP)] = Field(
        default=None,
        validation_alias=names("from", "from_", "twilioPhoneNumber", "caller_id"),
        description="The caller ID: a voice-capable number you own (see list_phone_numbers) "
        "or a verified caller ID, in E.164. Default: the connection's number "
        "(TWILIO_PHONE_NUMBER).",
    )
    say: str | None = Field(
        default=None,
        min_length=1,
        max_length=3000,
        validation_alias=names("say", "message", "text"),
        description="Text to speak when the call is answered, then hang up. The simplest "
        "choice; give exactly one of say, twiml or url.",
    )
    voice: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._-]{1,64}$",
        description="Voice for say: man, woman, alice, or a Polly./Google. voice name.",
    )
    language: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$",
        description="Language of say, e.g. en-US, es-ES, fr-FR.",
    )
    twiml: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TWIML,
        description="TwiML instructions for the call, e.g. <Response><Say>Hi</Say><Gather "
        'numDigits="1" action="https://..."/></Response> (up to 4,000 characters).',
    )
    url: WebUrl | None = Field(
        default=None,
        description="A URL that answers with TwiML when the call connects (your app decides "
        "what happens).",
    )
    status_callback: WebUrl | None = Field(
        default=None,
        description="A URL Twilio posts call progress to (see status_callback_events).",
    )
    status_callback_events: list[CallEvent] | None = Field(
        default=None,
        validation_alias=names("status_callback_events", "status_callback_event"),
        description="Which progress events to post: initiated, ringing, answered, completed "
        "(Twilio's default: completed only).",
    )
    timeout: int | None = Field(
        default=None,
        ge=1,
        le=600,
        description="Seconds to let it ring before giving up as no-answer (Twilio's default 60).",
    )
    time_limit: int | None = Field(
        default=None,
        ge=1,
        le=86400,
        description="Hang up after this many seconds connected (Twilio's default: 4 hours).",
    )
    record: bool | None = Field(
        default=None, description="Record the call (recordings are billed and kept)."
    )
    machine_detection: Annotated[
        Literal["Enable", "DetectMessageEnd"] | None, BeforeValidator(_machine_detection)
    ] = Field(
        default=None,
        description="Detect answering machines: Enable (answered_by tells who picked up) or "
        "DetectMessageEnd (also waits for the greeting to end, to leave a message). Costs "
        "extra.",
    )
    send_at: Instant | None = Field(
        default=None,
        description="Place the call later, at this time (ISO 8601 in UTC, ending in Z), at "
        "most 35 days from now: twiliokit holds it in its outbox (needs the ledger) and "
        "a worker places it then. The answer has status scheduled, outbox_id and no sid yet.",
    )
    idempotency_key: str | None = idempotency_key_field()

    @model_validator(mode="after")
    def _instructions(self) -> Self:
        given = [name for name in ("say", "twiml", "url") if getattr(self, name) is not None]
        if len(given) != 1:
            problem = "none" if not given else " and ".join(f"'{name}'" for name in given)
            raise ValidationError(
                f"give exactly one of 'say', 'twiml' or 'url' (got {problem})",
                field=given[1] if len(given) > 1 else "say",
                hint="'say' speaks a text; 'twiml' gives the instructions inline; 'url' points "
                "to your app, which answers with TwiML.",
            )
        if self.say is None and (self.voice is not None or self.language is not None):
            raise ValidationError(
                "'voice' and 'language' only apply to 'say'",
                field="voice" if self.voice is not None else "language",
                hint="Put them in your TwiML's <Say> instead, or use 'say'.",
            )
        if self.twiml is not None:
            _twiml(self.twiml)
        if self.status_callback_events and self.status_callback is None:
            raise ValidationError(
                "'status_callback_events' needs 'status_callback' (where to post them)",
                field="status_callback_events",
                hint="Add status_callback, or drop the events.",
            )
        return self

    def instructions(self) -> tuple[str | None, str | None]:
        """``(url, twiml)`` to send: ``say`` becomes TwiML."""
        if self.say is not None:
            return None, str(Response().say(self.say, voice=self.voice, language=self.language))
        return self.url, self.twiml


class MakeCallOutput(CallOutput):
    """The call as Twilio accepted it; or, for a send_at, as scheduled (no sid yet)."""

    sid: str | None = Field(  # type: ignore[assignment]
        description="The call SID (CA...). Null while a send_at call waits in the outbox."
    )
    outbox_id: str | None = outbox_id_field()
    send_at: datetime | None = Field(
        default=None, description="When a scheduled call is placed (UTC); null for a call now."
    )


@register(
    "make_call",
    title="Place a phone call",
    side_effect="write",
    costs_money=True,
    idempotent=False,
    aliases=("makeCall",),
    group=GROUP,
)
async def make_call(context: ActionContext, arguments: MakeCallInput) -> MakeCallOutput:
    """Call a phone number and, when it answers, speak a text (say, with optional voice and
    language), run TwiML (twiml) or let your app decide (url). Use it for voice alerts,
    reminders or to connect someone. It costs money per minute (and extra for recording
    and machine detection). The output is the new call, usually status queued: it rings
    moments later; follow it with get_call (completed, busy, no-answer, failed). Not
    idempotent: after unknown_outcome, look for the call with list_calls before calling
    again."""
    from_ = arguments.from_ or context.connection.default_from
    if not from_:
        raise ValidationError(
            "'from' is missing and this connection has no default number",
            field="from",
            hint="Pass 'from' (a voice-capable number you own: see list_phone_numbers), or set "
            "TWILIO_PHONE_NUMBER in the environment (or default_from in the connection "
            "profile).",
        )
    url, twiml = arguments.instructions()
    if twiml is not None and len(twiml) > MAX_TWIML:
        raise ValidationError(
            f"'say' makes TwiML of {len(twiml):,} characters; Twilio's limit is {MAX_TWIML:,}",
            field="say",
            hint="Shorten the text, or host it and pass url instead.",
        )
    intent = SendIntent(
        channel="call",
        to=arguments.to,
        from_=from_,
        body=arguments.say,
        status_callback=arguments.status_callback,
        details={
            "url": url,
            "twiml": twiml,
            "status_callback_event": arguments.status_callback_events,
            "ring_timeout": arguments.timeout,
            "time_limit": arguments.time_limit,
            "record": arguments.record,
            "machine_detection": arguments.machine_detection,
        },
    )
    key = arguments.idempotency_key
    if arguments.send_at is not None:
        held = await schedule(
            context, intent, action="make_call", send_at=arguments.send_at, idempotency_key=key
        )
        return MakeCallOutput.model_validate(scheduled_answer(CallOutput, held))
    from twiliokit.resources.calls import Call

    sent = await send_now(context, intent, Call, action="make_call", idempotency_key=key)
    return MakeCallOutput.extending(CallOutput.of(sent.result), outbox_id=sent.outbox_id)


class CallSidInput(AgentInput):
    """Arguments of get_call and end_call."""

    sid: CallSid = Field(
        validation_alias=names("sid", "call_sid"),
        description="The call SID (CA...), as returned by make_call or list_calls.",
    )


@register(
    "get_call",
    title="Get a call and its status",
    aliases=("getCallStatus",),
    group=GROUP,
)
async def get_call(context: ActionContext, arguments: CallSidInput) -> CallOutput:
    """Fetch one call by SID: its status (queued, ringing, in-progress, completed, busy,
    no-answer, failed, canceled), who answered (with machine detection), duration and
    price. Use it to follow a call placed with make_call. Free, read-only."""
    return CallOutput.of(await context.client.fetch_call(arguments.sid))


@register(
    "end_call",
    title="Hang up or cancel a call",
    side_effect="destructive",
    idempotent=True,
    group=GROUP,
)
async def end_call(context: ActionContext, arguments: CallSidInput) -> CallOutput:
    """End a call now: hang up if it is in progress, cancel it if it is still queued or
    ringing. A call that already ended is left as it is. Free (it stops the call's
    charges). The output is the call with its final status."""
    return CallOutput.of(await context.client.update_call(arguments.sid, status="completed"))


class _CallFilters(AgentInput):
    """The filters of list_calls."""

    to: Annotated[str | None, address("to", _PHONE, refuse=_NO_WHATSAPP)] = Field(
        default=None, description="Only calls to this number (E.164)."
    )
    from_: Annotated[str | None, address("from", _PHONE, refuse=_NO_WHATSAPP)] = Field(
        default=None,
        validation_alias=names("from", "from_"),
        description="Only calls from this number (E.164).",
    )
    status: CallStatus | None = Field(default=None, description="Only calls in this status.")
    started_after: DateBound | None = Field(
        default=None,
        validation_alias=names("started_after", "start_time_after"),
        description="Only calls that started at or after this moment (2024-03-01T12:00:00Z) "
        "or day (2024-03-01, UTC).",
    )
    started_before: DateBound | None = Field(
        default=None,
        validation_alias=names("started_before", "start_time_before"),
        description="Only calls that started at or before this moment or day (UTC).",
    )

    _dates = range_rule("started_after", "started_before")


class ListCallsInput(PageInput, _CallFilters):
    """Arguments of list_calls."""

    include_raw: bool = Field(
        default=False, description="Include each call's raw Twilio JSON (longer answers)."
    )


class ListCallsOutput(PageOutput):
    """One page of calls."""

    calls: list[CallOutput] = Field(description="The calls, newest first.")
    next_page_token: str | None = next_page_token_field(filtered=True)


@register(
    "list_calls",
    title="List calls",
    group=GROUP,
)
async def list_calls(context: ActionContext, arguments: ListCallsInput) -> ListCallsOutput:
    """List the account's calls, newest first, optionally only those to or from a number,
    in a status, or started within a time range. Returns at most limit calls and a
    next_page_token to continue. Free, read-only."""
    check_not_future(arguments.started_after, name="started_after", now=context.now(), what="call")
    page = await context.client.list_calls(
        to=arguments.to,
        from_=arguments.from_,
        status=arguments.status,
        start_time_after=arguments.started_after,
        start_time_before=arguments.started_before,
        **arguments.paging(),
    )
    return ListCallsOutput.of_page(page, CallOutput.of, raw=arguments.include_raw)
