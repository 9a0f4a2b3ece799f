"""Each sender's default pace: Twilio's documented throughput for its kind and country.

Pure: a sender key in, messages per second out. The outbox keys pacing by sender: the From
number, short code, alphanumeric sender ID or WhatsApp address, the Messaging Service SID
(``MG...``), a Verify service (``VA...``), or the host a webhook is forwarded to.

Defaults (``docs/outbox.md`` lists them with their sources; shared/reference/twilio-behaviour.md
section 6):

===================================  =========  =============================================
sender                               per second  why
===================================  =========  =============================================
US/CA long code (``+1`` not 8xx)     1          the historic long-code rate, 1 MPS
US/CA toll-free (``+1 8xx``)         3          toll-free default, 3 MPS
short code (5-6 digits)              100        short-code default (~100 MPS)
long code elsewhere                  10         Twilio's international long-code rate
alphanumeric sender ID               10         as a long code outside North America
WhatsApp sender                      80         WhatsApp Business default throughput
Messaging Service (``MG...``)        10         unknown pool: set it to the sum of its pool
Verify service (``VA...``)           10         no per-sender figure is published
a forward target (a host name)       20         be gentle with the receiving service
===================================  =========  =============================================

A 10DLC campaign's throughput (4 to 225 MPS, by trust score) is not knowable from the number:
set it in ``[outbox] rates`` (:mod:`twiliokit.outbox.settings`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

__all__ = [
    "DEFAULT_RATES",
    "NANP_TOLL_FREE_PREFIXES",
    "SenderKind",
    "default_rate",
    "sender_kind",
]


class SenderKind(StrEnum):
    """What kind of sender a pacing key names."""

    US_CA_LONG_CODE = "us_ca_long_code"
    US_CA_TOLL_FREE = "us_ca_toll_free"
    SHORT_CODE = "short_code"
    LONG_CODE = "long_code"
    ALPHANUMERIC = "alphanumeric"
    WHATSAPP = "whatsapp"
    MESSAGING_SERVICE = "messaging_service"
    VERIFY_SERVICE = "verify_service"
    FORWARD_TARGET = "forward_target"


#: Messages (or requests) per second by kind of sender.
DEFAULT_RATES: Final[dict[SenderKind, float]] = {
    SenderKind.US_CA_LONG_CODE: 1.0,
    SenderKind.US_CA_TOLL_FREE: 3.0,
    SenderKind.SHORT_CODE: 100.0,
    SenderKind.LONG_CODE: 10.0,
    SenderKind.ALPHANUMERIC: 10.0,
    SenderKind.WHATSAPP: 80.0,
    SenderKind.MESSAGING_SERVICE: 10.0,
    SenderKind.VERIFY_SERVICE: 10.0,
    SenderKind.FORWARD_TARGET: 20.0,
}

#: North American toll-free area codes (800, 833, 844, 855, 866, 877, 888).
NANP_TOLL_FREE_PREFIXES: Final = frozenset({"800", "833", "844", "855", "866", "877", "888"})

_SID = re.compile(r"(MG|VA)[0-9a-fA-F]{32}")
_SHORT_CODE = re.compile(r"\d{3,8}")
_E164 = re.compile(r"\+\d{6,15}")
# Twilio's alphanumeric sender IDs: up to 11 characters, letters, digits and spaces, at least
# one letter.
_ALPHANUMERIC = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")


def sender_kind(sender: str) -> SenderKind:
    """The kind of sender ``sender`` names (a host name is a forward target)."""
    key = sender.strip()
    sid = _SID.fullmatch(key)
    if sid is not None:
        prefix = sid.group(1)
        return SenderKind.MESSAGING_SERVICE if prefix == "MG" else SenderKind.VERIFY_SERVICE
    if key.startswith("whatsapp:"):
        return SenderKind.WHATSAPP
    if _E164.fullmatch(key):
        if key.startswith("+1") and len(key) == 12:
            if key[2:5] in NANP_TOLL_FREE_PREFIXES:
                return SenderKind.US_CA_TOLL_FREE
            return SenderKind.US_CA_LONG_CODE
        return SenderKind.LONG_CODE
    if _SHORT_CODE.fullmatch(key):
        return SenderKind.SHORT_CODE
    if _ALPHANUMERIC.fullmatch(key) and "." not in key:
        return SenderKind.ALPHANUMERIC
    return SenderKind.FORWARD_TARGET


def default_rate(sender: str) -> float:
    """Messages per second ``sender`` may send by default (see the module docstring)."""
    return DEFAULT_RATES[sender_kind(sender)]
