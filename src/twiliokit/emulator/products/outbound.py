"""Creating outbound messages: a record from a validated draft, kept and set on its way."""

from __future__ import annotations

from dataclasses import fields

from twiliokit.emulator.products import lifecycle
from twiliokit.emulator.products.message_rules import Draft
from twiliokit.emulator.products.messaging_store import Media, Message, MessagingStore
from twiliokit.emulator.sids import new_sid
from twiliokit.emulator.state import Account, EmulatorState
from twiliokit.emulator.web import same_names

#: What a message takes from its draft: every field both have, but the media (the draft's
#: (url, content type) pairs become Media records).
_FROM_DRAFT = tuple(
    name
    for name in (f.name for f in fields(Draft))
    if name != "media" and name in {f.name for f in fields(Message)}
)


def build_message(
    state: EmulatorState, account: Account, draft: Draft, *, direction: str = "outbound-api"
) -> Message:
    """A Message record from a validated draft (not yet stored)."""
    now = state.clock.now()
    sid = new_sid("MM" if draft.media else "SM")
    message = Message(
        sid=sid,
        account_sid=account.sid,
        direction=direction,
        date_created=now,
        **same_names(draft, *_FROM_DRAFT),
    )
    message.media = [
        Media(new_sid("ME"), account.sid, sid, content_type, url, now)
        for url, content_type in draft.media
    ]
    return message


def send(state: EmulatorState, account: Account, message: Message) -> None:
    """Keep a new outbound message and set it on its way."""
    store = state.store(MessagingStore)
    store.add(message)
    if message.messaging_service_sid:
        store.services.setdefault(account.sid, set()).add(message.messaging_service_sid)
    lifecycle.start(state, message)
