"""Short codes as message recipients: Twilio refuses them, so twiliokit does first.

Twilio numbers cannot send messages to short codes, Twilio's or external ones; Twilio answers
error 21265 ("'To' number cannot be a Short Code", https://www.twilio.com/docs/api/errors/21265).
Kept apart from :mod:`twiliokit.phone` (which re-exports it) so that building a send does not
load ``phonenumbers``. Pure, no I/O.
"""

from __future__ import annotations

import re
from typing import Final

from twiliokit.errors import ValidationError

__all__ = ["SHORT_CODE", "SHORT_CODE_RECIPIENT_HINT", "refuse_short_code_recipient"]

#: A short code: 5 or 6 digits, nothing else.
SHORT_CODE: Final = re.compile(r"[0-9]{5,6}")
#: Why a message cannot go to a short code, and what to do instead.
SHORT_CODE_RECIPIENT_HINT: Final = (
    "Twilio refuses messages to short codes (error 21265: Twilio numbers cannot send to short "
    "codes, Twilio's or external). Send to a phone number in E.164 such as +14155552671."
)


def refuse_short_code_recipient(raw: object, *, field: str = "to") -> None:
    """Raise :class:`ValidationError` naming ``field`` when ``raw`` is a short code."""
    if isinstance(raw, str) and SHORT_CODE.fullmatch(raw.strip()):
        raise ValidationError(
            f"'{field}' cannot be a short code: {raw.strip()!r}.",
            field=field,
            hint=SHORT_CODE_RECIPIENT_HINT,
        )
