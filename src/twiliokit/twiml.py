"""TwiML: a small escaping builder, and parsers for the TwiML a webhook answers with.

Build::

    response = Response()
    response.message("Thanks!", media=["https://example.com/cat.jpg"])
    gather = response.gather(action="/menu", num_digits=1)
    gather.say("Press 1 for sales", voice="alice", language="en-US")
    str(response)  # '<?xml version="1.0" encoding="UTF-8"?><Response>...</Response>'

Keyword arguments become lowerCamel attributes (``num_digits`` -> ``numDigits``, ``from_`` ->
``from``); booleans become ``true``/``false``; ``None`` is left out. Verbs that hold others
(``message``, ``gather``, ``dial``) return the child; the rest return the parent, so calls chain.
xml.etree escapes text and attributes; characters XML cannot carry raise ``ValidationError``.

Parse: :func:`parse_messages` and :func:`parse_voice_verbs` turn a webhook's TwiML reply into
plain data (the emulator acts on it); malformed TwiML raises ``ValidationError``. Pure, no I/O.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Self, TypeAlias, TypeVar

from twiliokit.errors import ValidationError

__all__ = [
    "Dial",
    "Gather",
    "Message",
    "Response",
    "TwimlMessage",
    "Verb",
    "parse_messages",
    "parse_voice_verbs",
]

AttrValue: TypeAlias = str | int | float | bool | None

_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8"?>'
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_RENAMED: Final = {"from_": "from", "for_": "for"}
_MESSAGING_VERBS: Final = frozenset({"Message", "Redirect"})
_VOICE_VERBS: Final = frozenset(
    {"Say", "Play", "Pause", "Gather", "Dial", "Hangup", "Redirect", "Reject", "Record"}
    | {"Enqueue", "Leave", "Connect", "Start", "Stop", "Pay", "Refer", "Echo", "Sms"}
)
# Verbs whose children are nouns (Dial/Number, Gather/Say) reported after them.
_CONTAINERS: Final = frozenset({"Gather", "Dial", "Connect", "Start", "Stop", "Pay", "Refer"})

_V = TypeVar("_V", bound="Verb")


class Verb:
    """One TwiML element; ``str()`` gives its XML."""

    def __init__(self, tag: str, text: str | None = None, /, **attributes: AttrValue) -> None:
        self.element = ET.Element(tag)
        for name, value in attributes.items():
            if value is not None:
                self.element.set(_attribute_name(name), _checked(_attribute_value(value), tag))
        if text is not None:
            self.element.text = _checked(text, tag)

    def nest(self, child: Verb) -> Self:
        """Append an already-built verb and return self."""
        self.element.append(child.element)
        return self

    def __str__(self) -> str:
        return ET.tostring(self.element, encoding="unicode")

    def _child(self, tag: str, text: str | None = None, /, **attributes: AttrValue) -> Self:
        return self.nest(Verb(tag, text, **attributes))

    def _holder(self, child: _V) -> _V:
        self.nest(child)
        return child


class _Prompts(Verb):
    """Say, Play and Pause: allowed in a Response and inside Gather."""

    def say(
        self,
        text: str,
        /,
        *,
        voice: str | None = None,
        language: str | None = None,
        **extra: AttrValue,
    ) -> Self:
        return self._child("Say", text, voice=voice, language=language, **extra)

    def play(self, url: str, /, *, loop: int | None = None, digits: str | None = None) -> Self:
        return self._child("Play", url, loop=loop, digits=digits)

    def pause(self, *, length: int | None = None) -> Self:
        return self._child("Pause", length=length)


class Gather(_Prompts):
    """Collects digits or speech; nest the prompts with say/play/pause."""


class Dial(Verb):
    """Connects the call; nest numbers, clients or a conference."""

    def number(self, number: str, /, *, send_digits: str | None = None, **extra: AttrValue) -> Self:
        return self._child("Number", number, send_digits=send_digits, **extra)

    def client(self, identity: str, /, **extra: AttrValue) -> Self:
        return self._child("Client", identity, **extra)

    def conference(self, name: str, /, **extra: AttrValue) -> Self:
        return self._child("Conference", name, **extra)


class Message(Verb):
    """An SMS/MMS reply; add parts with body and media."""

    def body(self, text: str, /) -> Self:
        return self._child("Body", text)

    def media(self, url: str, /) -> Self:
        return self._child("Media", url)


class Response(_Prompts):
    """The root of every TwiML document; ``str()`` gives the document with its declaration."""

    def __init__(self, **attributes: AttrValue) -> None:
        super().__init__("Response", **attributes)

    def __str__(self) -> str:
        return _DECLARATION + super().__str__()

    def message(
        self,
        body: str | None = None,
        /,
        *,
        to: str | None = None,
        from_: str | None = None,
        media: Iterable[str] = (),
        **extra: AttrValue,
    ) -> Message:
        """Reply with a message; with ``media`` the text goes in a ``<Body>``."""
        urls = list(media)
        message = Message("Message", None if urls else body, to=to, from_=from_, **extra)
        if body is not None and urls:
            message.body(body)
        for url in urls:
            message.media(url)
        return self._holder(message)

    def gather(
        self, *, action: str | None = None, num_digits: int | None = None, **extra: AttrValue
    ) -> Gather:
        """Collect input (``input``, ``timeout``, ``finish_on_key``, ... go in ``extra``)."""
        return self._holder(Gather("Gather", action=action, num_digits=num_digits, **extra))

    def dial(
        self, number: str | None = None, /, *, caller_id: str | None = None, **extra: AttrValue
    ) -> Dial:
        """Connect the call to ``number``, or to the nouns nested in the returned Dial."""
        return self._holder(Dial("Dial", number, caller_id=caller_id, **extra))

    def record(self, *, action: str | None = None, **extra: AttrValue) -> Self:
        """Record the caller (``max_length``, ``play_beep``, ... go in ``extra``)."""
        return self._child("Record", action=action, **extra)

    def redirect(self, url: str, /, *, method: str | None = None) -> Self:
        return self._child("Redirect", url, method=method)

    def reject(self, *, reason: str | None = None) -> Self:
        return self._child("Reject", reason=reason)

    def hangup(self) -> Self:
        return self._child("Hangup")


@dataclass(frozen=True)
class TwimlMessage:
    """A ``<Message>`` from a messaging webhook's reply."""

    body: str
    to: str | None = None
    from_: str | None = None
    media_urls: tuple[str, ...] = ()
    action: str | None = None
    method: str | None = None


def parse_messages(xml_text: str) -> list[TwimlMessage]:
    """The messages a messaging webhook's TwiML asks Twilio to send, in order."""
    messages = []
    for verb in _root(xml_text):
        if verb.tag not in _MESSAGING_VERBS:
            raise _invalid(f"<{verb.tag}> is not a messaging verb", "Use <Message> or <Redirect>.")
        if verb.tag == "Redirect":
            continue
        parts, media = [verb.text or ""], []
        for child in verb:
            if child.tag == "Body":
                parts.append(child.text or "")
            elif child.tag == "Media" and (child.text or "").strip():
                media.append((child.text or "").strip())
            else:
                raise _invalid(f"<Message> cannot hold <{child.tag}>", "Use <Body> and <Media>.")
            parts.append(child.tail or "")
        body = "".join(parts).strip()
        if not body and not media:
            raise _invalid("<Message> has no body and no media", "Give it text or a <Media> URL.")
        get = verb.attrib.get
        messages.append(
            TwimlMessage(body, get("to"), get("from"), tuple(media), get("action"), get("method"))
        )
    return messages


def parse_voice_verbs(xml_text: str) -> list[tuple[str, dict[str, str], str]]:
    """The verbs of a voice webhook's TwiML as ``(name, attributes, text)``, in order.

    Nouns inside Gather, Dial and the like follow their verb as ``("Dial/Number", ...)``.
    """
    verbs: list[tuple[str, dict[str, str], str]] = []
    for verb in _root(xml_text):
        if verb.tag not in _VOICE_VERBS:
            raise _invalid(f"<{verb.tag}> is not a voice verb", "Use Say, Play, Gather, Dial, ...")
        if verb.tag not in _CONTAINERS:
            verbs.append((verb.tag, dict(verb.attrib), "".join(verb.itertext()).strip()))
            continue
        verbs.append((verb.tag, dict(verb.attrib), (verb.text or "").strip()))
        for noun in verb:
            text = "".join(noun.itertext()).strip()
            verbs.append((f"{verb.tag}/{noun.tag}", dict(noun.attrib), text))
    return verbs


def _root(xml_text: str) -> ET.Element:
    if not isinstance(xml_text, str) or not xml_text.strip():
        raise _invalid("the TwiML is empty", "Answer with <Response/> to do nothing.")
    if "<!DOCTYPE" in xml_text.upper() or "<!ENTITY" in xml_text.upper():
        raise _invalid("the TwiML has a DOCTYPE", "TwiML never needs one: remove it.")
    try:
        # Safe with the stdlib parser: no DOCTYPE means no entity can be declared or expanded.
        root = ET.fromstring(xml_text)  # noqa: S314
    except ET.ParseError as exc:
        raise _invalid(f"the TwiML is not well-formed XML ({exc})", "Fix the XML.") from exc
    if root.tag != "Response":
        raise _invalid(f"the TwiML root is <{root.tag}>", "Wrap the verbs in <Response>.")
    return root


def _invalid(message: str, hint: str) -> ValidationError:
    return ValidationError(message, field="twiml", hint=hint)


def _attribute_name(name: str) -> str:
    if name in _RENAMED:
        return _RENAMED[name]
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _attribute_value(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _checked(text: str, tag: str) -> str:
    found = _NOT_XML.search(text)
    if found is not None:
        raise ValidationError(
            f"<{tag}> contains U+{ord(found.group()):04X}, which XML cannot carry.",
            field=tag.lower(),
            hint="Remove control characters from the text.",
        )
    return text
