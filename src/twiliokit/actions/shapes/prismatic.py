"""Prismatic's Twilio component (seeds ``001_9d7a286841f5cfe5.txt``, ``003_d99e172d3c742067.txt``).

Every action answers ``{"data": ...}``. Send SMS and Get SMS put the message under ``data``
as Twilio's Node library spells it (``toJSON()`` of a ``MessageInstance``): camelCase keys,
``numSegments``/``numMedia``/``price`` as text, dates as JavaScript prints them
(``2025-05-14T22:42:25.000Z``); List SMS messages puts an array of them under ``data``; Raw
Request the body Twilio answered. Other actions: ``{"data": <default answer in camelCase>}``.
"""

from __future__ import annotations

from twiliokit.actions.shapes.engine import Const, Each, Format, Get, Obj, Spec
from twiliokit.actions.shapes.model import Shape

__all__ = ["NODE_MESSAGE", "PRISMATIC"]

_MESSAGE_URI = "/2010-04-01/Accounts/{account_sid}/Messages/{sid}"

#: A message as ``MessageInstance.toJSON()`` of Twilio's Node library gives it. Values Twilio
#: sends as text come from ``raw`` when the answer carries it (list items leave it out) and
#: are otherwise written from the default answer's fields.
NODE_MESSAGE: Spec = Obj(
    {
        "accountSid": Get("account_sid"),
        "apiVersion": Get("raw.api_version", fallback=Const("2010-04-01")),
        "body": Get("body"),
        "dateCreated": Get("date_created", "js_date"),
        "dateSent": Get("date_sent", "js_date"),
        "dateUpdated": Get("date_updated", "js_date"),
        "direction": Get("direction"),
        "errorCode": Get("error_code"),
        "errorMessage": Get("error_message"),
        "from": Get("from"),
        "messagingServiceSid": Get("messaging_service_sid"),
        "numMedia": Get("raw.num_media", fallback=Get("num_media", "text")),
        "numSegments": Get("raw.num_segments", fallback=Get("num_segments", "text")),
        "price": Get("raw.price", fallback=Get("price", "text")),
        "priceUnit": Get("price_unit"),
        "sid": Get("sid"),
        "status": Get("status"),
        "subresourceUris": Get(
            "raw.subresource_uris",
            fallback=Obj({"media": Format(_MESSAGE_URI + "/Media.json")}),
        ),
        "to": Get("to"),
        "uri": Get("raw.uri", fallback=Format(_MESSAGE_URI + ".json")),
    }
)

PRISMATIC = Shape(
    name="prismatic",
    platform="Prismatic",
    source="seeds/001_9d7a286841f5cfe5.txt, seeds/003_d99e172d3c742067.txt",
    style="camelCase",
    envelope="data",
    actions={
        "send_sms": Obj({"data": NODE_MESSAGE}),
        "get_message": Obj({"data": NODE_MESSAGE}),
        "list_messages": Obj(
            {"data": Each("messages", NODE_MESSAGE, description="The messages, newest first.")}
        ),
        "raw_request": Obj({"data": Get("data", description="The body Twilio answered.")}),
    },
    notes={
        "send_sms": "Send SMS (sendSMS).",
        "get_message": "Get SMS (getSMS).",
        "list_messages": "List SMS messages (listMessages): one page, newest first (pass "
        "limit for more; the next page token is not part of this shape).",
        "raw_request": "Raw Request (rawRequest): the body Twilio answered.",
    },
)
