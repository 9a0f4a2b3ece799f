"""The one executor of sends: an outbox item's ``(kind, request)`` becomes the client call, and
Twilio's answer comes back. The immediate path (:mod:`twiliokit.actions.sending`) and the
outbox worker (:mod:`twiliokit.outbox`) both send through :func:`execute`, so a send queued for
later leaves exactly as one sent at once.

An item's ``request`` is JSON data (it is stored in the ledger); ``None`` values are left out.
By kind:

``message``
    The keyword arguments of :meth:`AsyncClient.create_message`: ``to``, ``from_``,
    ``messaging_service_sid``, ``body``, ``media_url`` (a list of URLs), ``content_sid``,
    ``content_variables`` (JSON text of an object), ``status_callback``, ``validity_period``,
    ``smart_encoded``. Never ``send_at``: twiliokit holds a scheduled send itself (the item's
    ``not_before``), so what leaves is an ordinary send.
``call``
    Those of :meth:`AsyncClient.create_call`: ``to``, ``from_``, ``url``, ``twiml``,
    ``status_callback``, ``status_callback_event`` (a list), ``ring_timeout``, ``time_limit``,
    ``record``, ``machine_detection``.
``verification``
    Those of :meth:`AsyncClient.create_verification`: ``service_sid`` (VA...), ``to``,
    ``channel``, ``locale``, ``rate_limits`` (an object).
``forward``
    A webhook delivery forwarded elsewhere (``url``, ``headers``, ``body``): not a Twilio
    request, so the webhook forwarder delivers it, not :func:`execute`.

:func:`request_of` builds the request from the :class:`~twiliokit.actions.hooks.SendIntent`
the hooks approved; :func:`intent_of` turns a stored request back into the intent (what
compliance checks again when a queued item leaves). Both are pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

from twiliokit.actions.hooks import Channel, SendIntent
from twiliokit.errors import ValidationError

if TYPE_CHECKING:
    from twiliokit.client import AsyncClient
    from twiliokit.resources.calls import Call
    from twiliokit.resources.messages import Message
    from twiliokit.resources.verify import Verification

__all__ = [
    "CALL_OPTIONS",
    "MESSAGE_OPTIONS",
    "VERIFICATION_OPTIONS",
    "RequestKind",
    "execute",
    "intent_of",
    "request_of",
    "sender_of",
]

#: The kinds of item :func:`execute` sends (``OutboxKind`` values, as plain text: importing the
#: ledger here would make importing the send actions pay for SQLAlchemy).
RequestKind = Literal["message", "call", "verification"]

#: The message parameters a ``SendIntent`` keeps in ``details`` (the rest are its fields).
MESSAGE_OPTIONS: Final = ("content_variables", "validity_period", "smart_encoded")
#: The call parameters a ``SendIntent`` keeps in ``details``.
CALL_OPTIONS: Final = (
    "url",
    "twiml",
    "status_callback_event",
    "ring_timeout",
    "time_limit",
    "record",
    "machine_detection",
)
#: The verification parameters a ``SendIntent`` keeps in ``details``.
VERIFICATION_OPTIONS: Final = ("channel", "locale", "rate_limits")

_WHATSAPP = "whatsapp:"


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def request_of(intent: SendIntent) -> dict[str, Any]:
    """The request (JSON data, see the module docstring) that sends ``intent``."""
    details = intent.details
    if intent.kind == "verification":
        return _present(
            {
                "service_sid": intent.service_sid,
                "to": intent.to,
                **{name: details.get(name) for name in VERIFICATION_OPTIONS},
            }
        )
    if intent.kind == "call":
        events = details.get("status_callback_event")
        return _present(
            {
                "to": intent.to,
                "from_": intent.from_,
                "status_callback": intent.status_callback,
                **{name: details.get(name) for name in CALL_OPTIONS},
                "status_callback_event": list(events) if events else None,
            }
        )
    variables = details.get("content_variables")
    return _present(
        {
            "to": intent.to,
            "from_": intent.from_,
            "messaging_service_sid": intent.messaging_service_sid,
            "body": intent.body,
            "media_url": list(intent.media_urls) or None,
            "content_sid": intent.content_sid,
            "status_callback": intent.status_callback,
            "validity_period": details.get("validity_period"),
            "smart_encoded": details.get("smart_encoded"),
            # JSON text: what Twilio's ContentVariables is, and stable once stored.
            "content_variables": json.dumps(variables, ensure_ascii=False)
            if isinstance(variables, Mapping)
            else variables,
        }
    )


def intent_of(kind: str, request: Mapping[str, Any]) -> SendIntent:
    """The intent a stored request sends (the inverse of :func:`request_of`): what the
    compliance rules check again when a queued item leaves."""
    if kind == "verification":
        channel: Channel = request.get("channel", "sms")
        return SendIntent(
            channel=channel,
            to=request["to"],
            from_=None,
            service_sid=request.get("service_sid"),
            details={name: request.get(name) for name in VERIFICATION_OPTIONS},
        )
    if kind == "call":
        return SendIntent(
            channel="call",
            to=request["to"],
            from_=request.get("from_"),
            status_callback=request.get("status_callback"),
            details={name: request.get(name) for name in CALL_OPTIONS},
        )
    if kind != "message":
        raise _unknown_kind(kind)
    to: str = request["to"]
    media = tuple(request.get("media_url") or ())
    variables = request.get("content_variables")
    return SendIntent(
        channel="whatsapp" if to.startswith(_WHATSAPP) else "mms" if media else "sms",
        to=to,
        from_=request.get("from_"),
        messaging_service_sid=request.get("messaging_service_sid"),
        body=request.get("body"),
        content_sid=request.get("content_sid"),
        media_urls=media,
        status_callback=request.get("status_callback"),
        details={
            "validity_period": request.get("validity_period"),
            "smart_encoded": request.get("smart_encoded"),
            "content_variables": json.loads(variables) if isinstance(variables, str) else None,
        },
    )


def sender_of(intent: SendIntent) -> str:
    """The send's pacing key: its Messaging Service, else its From address; a verification's
    Verify service (Twilio picks the number)."""
    sender = intent.messaging_service_sid or intent.from_ or intent.service_sid
    if not sender:
        raise ValidationError(
            "a send needs a sender: 'from' or 'messaging_service_sid'",
            field="from",
            hint="Pass 'from' (a number you own) or a Messaging Service (MG...).",
        )
    return sender


async def execute(
    client: AsyncClient, kind: str, request: Mapping[str, Any]
) -> Message | Call | Verification:
    """Send ``request`` (of ``kind``) with ``client``; Twilio's answer.

    Raises what the client raises (``twiliokit.errors``): a create is never retried after a
    lost answer (``UnknownOutcomeError``). Only the parameters the module docstring lists are
    passed on, so a stored request cannot smuggle in others (``send_at`` among them).
    """
    if kind == "message":
        return await client.create_message(**_only(request, _MESSAGE_KEYS))
    if kind == "call":
        return await client.create_call(**_only(request, _CALL_KEYS))
    if kind == "verification":
        options = _only(request, _VERIFICATION_KEYS)
        service = options.pop("service_sid")
        return await client.create_verification(service, **options)
    raise _unknown_kind(kind)


_MESSAGE_KEYS: Final = frozenset(
    {
        "to",
        "from_",
        "messaging_service_sid",
        "body",
        "media_url",
        "content_sid",
        "status_callback",
        *MESSAGE_OPTIONS,
    }
)
_CALL_KEYS: Final = frozenset({"to", "from_", "status_callback", *CALL_OPTIONS})
_VERIFICATION_KEYS: Final = frozenset({"service_sid", "to", *VERIFICATION_OPTIONS})


def _only(request: Mapping[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    return {name: value for name, value in request.items() if name in keys and value is not None}


def _unknown_kind(kind: str) -> ValidationError:
    return ValidationError(
        f"an outbox item of kind {kind!r} is not a Twilio send",
        field="kind",
        hint="message, call and verification items are sent by the executor; forwards by "
        "the webhook forwarder.",
    )
