"""Twilio's default opt-out keywords and its standard auto-replies. Pure.

A keyword is the whole message: one word, any case, surrounding blanks ignored ("stop " opts
out, "STOP PLEASE" does not).
"""

from __future__ import annotations

from typing import Final, Literal

Keyword = Literal["STOP", "START", "HELP"]

OPT_OUT_WORDS: Final = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_WORDS: Final = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS: Final = frozenset({"HELP", "INFO"})

#: The text Twilio answers each keyword with on long codes and toll-free numbers.
AUTO_REPLIES: Final[dict[Keyword, str]] = {
    "STOP": "You have successfully been unsubscribed. You will not receive any more messages "
    "from this number. Reply START to resubscribe.",
    "START": "You have successfully been re-subscribed to messages from this number. Reply HELP "
    "for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
    "HELP": "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
}


def classify(body: str) -> Keyword | None:
    """Which kind of keyword ``body`` is, if it is one."""
    word = body.strip().upper()
    if word in OPT_OUT_WORDS:
        return "STOP"
    if word in OPT_IN_WORDS:
        return "START"
    if word in HELP_WORDS:
        return "HELP"
    return None
