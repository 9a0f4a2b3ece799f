"""SmythOS's Twilio components (seed ``000_d801cfed91e9f702.txt``).

Send SMS and Send WhatsApp Message answer ``messageSID``, ``status`` and ``Response`` (the
full, raw JSON from the Twilio API); the rate-limit components ``rateLimitSID`` (Create),
``rateLimits`` (List), ``description`` and ``url`` (Fetch) and ``Response`` (Delete); Create
Webhook ``webhookSID``. Other actions: the default answer in camelCase with ``SID`` in
capitals, like the components' own inputs (``accountSID``, ``serviceSID``).
"""

from __future__ import annotations

from twiliokit.actions.shapes.engine import Each, Get, Obj, Spec, Without
from twiliokit.actions.shapes.model import Shape

__all__ = ["SMYTHOS"]

_RESPONSE = Get("raw", fallback=Without(("raw",)), description="Twilio's raw JSON response.")

_SEND: Spec = Obj(
    {
        "messageSID": Get("sid", description="The unique identifier (SID) of the sent message."),
        "status": Get("status", description="The delivery status (queued, sending, sent...)."),
        "Response": _RESPONSE,
    }
)

#: A rate limit as Twilio's JSON has it: its raw JSON when the answer carries it (lists leave
#: it out), else the same fields from the default answer.
_RATE_LIMIT = Get("raw", fallback=Without(("raw", "buckets")))

SMYTHOS = Shape(
    name="smythos",
    platform="SmythOS",
    source="seeds/000_d801cfed91e9f702.txt",
    style="camelCase with SID",
    actions={
        "send_sms": _SEND,
        "send_whatsapp": _SEND,
        "create_rate_limit": Obj(
            {
                "rateLimitSID": Get("sid", description="The SID of the new rate limit."),
                "Response": _RESPONSE,
            }
        ),
        "fetch_rate_limit": Obj(
            {
                "description": Get("description"),
                "url": Get("url"),
                "Response": _RESPONSE,
            }
        ),
        "list_rate_limits": Obj(
            {
                "rateLimits": Each(
                    "rate_limits",
                    _RATE_LIMIT,
                    description="The service's rate limit objects, as Twilio's JSON.",
                )
            }
        ),
        "delete_rate_limit": Obj(
            {
                "Response": Get(
                    "",
                    description="What was deleted: {sid, deleted: true} (Twilio itself answers "
                    "a delete with an empty body).",
                )
            }
        ),
        "create_verify_webhook": Obj(
            {
                "webhookSID": Get("sid", description="The SID of the new webhook."),
                "Response": _RESPONSE,
            }
        ),
    },
    notes={
        "send_sms": "Send SMS.",
        "send_whatsapp": "Send WhatsApp Message.",
        "create_rate_limit": "Create Rate Limit.",
        "fetch_rate_limit": "Fetch Rate Limit.",
        "list_rate_limits": "List Rate Limits: one page (pass limit for more); each item is "
        "Twilio's rate limit JSON.",
        "delete_rate_limit": "Delete Rate Limit: Twilio answers a delete with no body, so "
        "Response is twiliokit's {sid, deleted}.",
        "create_verify_webhook": "Create Webhook.",
    },
)
