"""The "Books" platform's Twilio book, v2.0.1 (seed ``002_6da870e753563f21.txt``).

"to send an SMS message" answers ``answer``: the SID of the sent message (null if it was not
sent). "to read some (SMS messages)" answers the messages as its "Twilio sms message" concept:
``sid``, ``body``, ``num_segments`` (text), ``sender_number``, ``recipient_number``, ``price``
(a number), ``account_sid``, ``num_media`` (a number), ``status``, ``messaging_service_sid``,
``date_sent``, ``date_created``, ``date_updated``, ``price_unit``, ``error_code``,
``error_message``. The procedure's output is the noun in its parentheses, "SMS messages":
``sms_messages``. Other actions: the default answer (already snake_case, like the book).
"""

from __future__ import annotations

from twiliokit.actions.shapes.engine import Each, Get, Obj, Spec
from twiliokit.actions.shapes.model import Shape

__all__ = ["BOOKS", "SMS_MESSAGE"]

#: The book's "Twilio sms message" concept, field by field, in its order and types.
SMS_MESSAGE: Spec = Obj(
    {
        "sid": Get("sid"),
        "body": Get("body"),
        "num_segments": Get("num_segments", "text"),
        "sender_number": Get("from"),
        "recipient_number": Get("to"),
        "price": Get("price", "number"),
        "account_sid": Get("account_sid"),
        "num_media": Get("num_media", "number"),
        "status": Get("status"),
        "messaging_service_sid": Get("messaging_service_sid"),
        "date_sent": Get("date_sent"),
        "date_created": Get("date_created"),
        "date_updated": Get("date_updated"),
        "price_unit": Get("price_unit"),
        "error_code": Get("error_code", "number"),
        "error_message": Get("error_message"),
    }
)

BOOKS = Shape(
    name="books",
    platform="Books (Twilio book v2.0.1)",
    source="seeds/002_6da870e753563f21.txt",
    style="snake_case",
    actions={
        "send_sms": Obj(
            {
                "answer": Get(
                    "sid", description="The SID of the sent message if successful, else null."
                )
            }
        ),
        "list_messages": Obj(
            {
                "sms_messages": Each(
                    "messages",
                    SMS_MESSAGE,
                    description="The SMS messages that match the filters, newest first.",
                )
            }
        ),
    },
    notes={
        "send_sms": '"to send an SMS message".',
        "list_messages": '"to read some (SMS messages)": one page (pass limit for more).',
    },
)
