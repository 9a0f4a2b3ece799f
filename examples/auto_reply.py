"""An inbound auto-reply: a handlers module that `twiliokit serve` runs for each text.

``handlers`` answers every inbound SMS, MMS or WhatsApp message with a reply picked from a
few keywords (opening hours, an address, a human), sent back as TwiML ``<Message>``. It
stays silent for STOP/START/HELP, which Twilio (and the emulator) answer themselves. The
receiver checks each webhook's signature, drops duplicates and records the message and the
reply's delivery in the ledger before this runs.

Against the emulator (no account needed)::

    twiliokit emulator            # in another terminal; paste the `export ...` line it prints
    PYTHONPATH=examples twiliokit serve --handlers auto_reply:handlers --port 8080
    # in a third terminal (with the same export line): point the number at the receiver,
    # then text it as a customer would
    twiliokit webhooks connect --number +15005550006 --public-url http://127.0.0.1:8080 --no-voice
    curl -s "$TWILIOKIT_BASE_URL/_emulator/inbound" \\
        -d '{"From": "+14155552671", "To": "+15005550006", "Body": "What are your hours?"}'

The emulator's answer shows the TwiML reply and the SID of the message it sent back
(``reply_sids``); ``twiliokit messages list --to +14155552671`` lists it.

Against Twilio: run ``twiliokit serve --handlers auto_reply:handlers --public-url
https://your.tunnel`` behind a tunnel (ngrok, cloudflared) and connect your number with
``twiliokit webhooks connect --number +1... --public-url https://your.tunnel``; each reply
is a real SMS, which costs money.
"""

from __future__ import annotations

from twiliokit.webhooks import Handlers
from twiliokit.webhooks.events import MessageReceived

handlers = Handlers()

#: (words any of which the text contains, the reply), first match wins.
ANSWERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("hour", "open", "close"), "We're open Monday to Friday, 9:00 to 17:00."),
    (("where", "address"), "You'll find us at 12 Example Street, San Francisco."),
    (("human", "agent", "person"), "Someone from the team will text you back shortly."),
)
DEFAULT = "Thanks for your message! Ask about our hours or address, or ask for a human."


def answer_for(text: str) -> str:
    """The reply to ``text`` (pure, so that it is easy to test and to change)."""
    words = text.lower()
    for keywords, reply in ANSWERS:
        if any(keyword in words for keyword in keywords):
            return reply
    return DEFAULT


@handlers.on_message
def auto_reply(event: MessageReceived) -> str | None:
    """Reply to each inbound message, except opt-out keywords (Twilio answers those)."""
    if event.opt_out is not None:
        return None
    return answer_for(event.body)
