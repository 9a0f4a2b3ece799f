"""Voice state: calls, the simulated handsets that answer them, and what their TwiML did.

Pure (no I/O): the records, the default handset, and :func:`twiml_seconds`, which estimates how
long a call's TwiML keeps it up. A call ends when its TwiML runs out or when the handset hangs
up (``talk_seconds``), whichever comes first, as a real call does.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Final

from twiliokit.emulator.clock import EventHandle
from twiliokit.emulator.state import EmulatorState

#: Handset outcomes the control API accepts.
OUTCOMES: Final = frozenset({"answered", "busy", "no-answer", "failed"})
#: What answering machine detection can report.
ANSWERED_BY: Final = frozenset(
    {
        "human",
        "machine_start",
        "machine_end_beep",
        "machine_end_silence",
        "machine_end_other",
        "fax",
        "unknown",
    }
)
#: Call statuses after which nothing more happens.
FINAL: Final = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
#: Virtual seconds from queued to ringing (Twilio dials within about a second at 1 CPS).
DIAL_SECONDS: Final = 1.0
#: How long a caller hears "an application error has occurred" before the hang-up.
APPLICATION_ERROR_SECONDS: Final = 3.0
# Reading speed of <Say> (about 150 words a minute) and the length assumed for <Play> audio.
_SAY_SECONDS_PER_WORD: Final = 0.4
_PLAY_SECONDS: Final = 10.0
_DIGIT_SECONDS: Final = 0.5
_GATHER_TIMEOUT: Final = 5.0
#: Virtual seconds a person takes to key in or say what a ``<Gather>`` asks for.
INPUT_SECONDS: Final = 2.0
#: How a handset's input spoken into a ``<Gather>`` is written (``speech:yes please``).
SPEECH_PREFIX: Final = "speech:"
_KEYS: Final = frozenset("0123456789*#")
# Verbs that hold the line until someone hangs up (bridged, recorded, queued, streamed).
_OPEN_ENDED: Final = frozenset({"Dial", "Record", "Enqueue", "Connect", "Echo", "Pay", "Refer"})


@dataclass(frozen=True)
class Handset:
    """How the phone at a number behaves when called (``POST /_emulator/call-handsets``)."""

    outcome: str = "answered"
    #: Seconds of ringing before it answers (more than the call's Timeout: no-answer).
    ring_seconds: float = 5.0
    #: Seconds after answering at which the person (or machine) hangs up.
    talk_seconds: float = 60.0
    #: What answering machine detection reports when the call asks for it.
    answered_by: str = "human"
    #: What the person enters at each ``<Gather>``, in order: keys (``"1"``, ``"1234#"``) or
    #: words (``"speech:yes please"``). A ``<Gather>`` after the last one hears nothing.
    inputs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "inputs": list(self.inputs)}


def input_problem(value: str) -> str | None:
    """Why ``value`` cannot be a handset's input, or None if it can."""
    if value.startswith(SPEECH_PREFIX):
        return None if value[len(SPEECH_PREFIX) :].strip() else "speech: needs some words"
    if value and set(value) <= _KEYS:
        return None
    return "keys are 0-9, * and # (or speech:words)"


def gather_result(verb: Verb, given: str) -> list[tuple[str, str]] | None:
    """What Twilio posts to a ``<Gather>``'s action when the person enters ``given``, or None
    when the ``<Gather>`` takes nothing from it (it listens for the other kind of input, or
    only its finishing key was pressed): the call then goes on past it, as on a timeout."""
    listens = set((verb.attributes.get("input") or "dtmf").lower().split())
    if given.startswith(SPEECH_PREFIX):
        if "speech" not in listens:
            return None
        return [("SpeechResult", given[len(SPEECH_PREFIX) :].strip()), ("Confidence", "0.9")]
    if "dtmf" not in listens:
        return None
    finish = verb.attributes.get("finishOnKey", "#")
    limit = int(_number(verb.attributes.get("numDigits"), 0)) or None
    digits, pressed = "", None
    for key in given:
        if finish and key == finish:
            pressed = key
            break
        digits += key
        if limit is not None and len(digits) >= limit:
            break
    if not digits:
        return None
    return [("Digits", digits)] + ([("FinishedOnKey", pressed)] if pressed else [])


@dataclass
class Verb:
    name: str
    attributes: dict[str, str]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TwimlFetch:
    """One set of instructions a call got: from its Url, inline Twiml, a Redirect or fallback."""

    source: str
    at: datetime
    url: str | None = None
    method: str | None = None
    status: int | None = None
    response_body: str | None = None
    #: Twilio's error code when the instructions could not be used (11200, 12100).
    error_code: int | None = None
    error: str | None = None
    verbs: list[Verb] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Every field, the time as ISO 8601 (``asdict`` turns the verbs into dicts too)."""
        return {**asdict(self), "at": self.at.strftime("%Y-%m-%dT%H:%M:%SZ")}


@dataclass
class Call:
    """One call, outbound-api (REST) or inbound (the control API)."""

    sid: str
    account_sid: str
    to: str
    from_: str
    direction: str
    status: str
    date_created: datetime
    date_updated: datetime
    base_url: str
    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset({"completed"})
    timeout: int = 60
    record: bool = False
    machine_detection: str | None = None
    send_digits: str | None = None
    time_limit: int | None = None
    phone_number_sid: str | None = None
    is_test: bool = False
    start_time: datetime | None = None
    answered_at: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    answered_by: str | None = None
    recording_sid: str | None = None
    handset: Handset = field(default_factory=Handset)
    #: The handset's inputs not yet given to a ``<Gather>``.
    inputs: list[str] = field(default_factory=list)
    sequence: int = 0
    fetches: list[TwimlFetch] = field(default_factory=list)
    events: list[EventHandle] = field(default_factory=list, repr=False)
    #: The last status callback fired: the next one waits for it (callbacks in order).
    callbacks: asyncio.Future[Any] | None = field(default=None, repr=False)

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def cancel_events(self) -> None:
        for handle in self.events:
            handle.cancel()
        self.events = []

    def end(self, status: str, at: datetime) -> None:
        """Finish the call; talk time counts from the answer."""
        self.cancel_events()
        self.status = status
        self.end_time = at
        self.date_updated = at
        if self.answered_at is not None:
            self.duration = max(0, math.ceil((at - self.answered_at).total_seconds()))


class CallStore:
    """Calls by SID (in creation order) and the configured handsets by number."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self.calls: dict[str, Call] = {}
        self.handsets: dict[str, Handset] = {}

    def add(self, call: Call) -> Call:
        self.calls[call.sid] = call
        self._state.next_seq()
        return call

    def handset(self, number: str) -> Handset:
        return self.handsets.get(number, Handset())

    def of_account(self, account_sid: str) -> list[Call]:
        """The account's calls, newest first."""
        return [c for c in reversed(self.calls.values()) if c.account_sid == account_sid]


def parse_verbs(raw: list[tuple[str, dict[str, str], str]]) -> list[Verb]:
    return [Verb(name, attributes, text) for name, attributes, text in raw]


def _number(value: str | None, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


def _spoken_seconds(verb: Verb) -> float | None:
    """Seconds a Say / Play / Pause takes (None: loops forever)."""
    loops = int(_number(verb.attributes.get("loop"), 1))
    if verb.name.endswith("Pause"):
        return _number(verb.attributes.get("length"), 1)
    if verb.name.endswith("Play") and verb.attributes.get("digits"):
        return _DIGIT_SECONDS * len(verb.attributes["digits"])
    if loops <= 0:
        return None
    if verb.name.endswith("Say"):
        words = len(verb.text.split())
        return max(1.0, words * _SAY_SECONDS_PER_WORD) * loops
    return _PLAY_SECONDS * loops


def twiml_seconds(verbs: list[Verb]) -> float | None:
    """How long these verbs keep the call up, or None when only a hang-up ends it.

    ``<Hangup>``/``<Reject>`` end it at once; a ``<Gather>`` given no input plays its prompts,
    waits ``timeout`` (5 s) and falls through; ``<Dial>``, ``<Record>`` and the like hold the line
    until someone hangs up. The call also ends when the TwiML runs out.
    """
    total = 0.0
    for verb in verbs:
        name = verb.name
        if name in {"Hangup", "Reject"}:
            return total
        if name in _OPEN_ENDED:
            return None
        if name in {"Say", "Play", "Pause", "Gather/Say", "Gather/Play", "Gather/Pause"}:
            seconds = _spoken_seconds(verb)
            if seconds is None:
                return None
            total += seconds
        elif name == "Gather":
            total += _number(verb.attributes.get("timeout"), _GATHER_TIMEOUT)
    return total


def spoken_seconds(verbs: list[Verb]) -> float:
    """How long these prompts take to play in full (a looping one counts once)."""
    return sum(_spoken_seconds(verb) or _PLAY_SECONDS for verb in verbs)
