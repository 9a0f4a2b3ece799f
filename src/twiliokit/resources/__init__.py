"""Twilio resources: typed models, request builders and answer parsers, one module per area.

Each module is pure (no I/O): its functions build requests (the clients' methods are these
builders bound to a connection, :mod:`twiliokit.client._methods`), and its models live in a
``_*_models`` module that loads (with pydantic) when first used, so that importing the client
stays cheap. The areas: ``messages`` (Message, Media), ``calls`` (Call), ``phone_numbers``
(IncomingPhoneNumber, Account), ``verify`` (VerifyService, RateLimit, Bucket, VerifyWebhook,
Verification, VerificationCheck), ``lookups`` (PhoneNumberLookup), ``content`` (Content,
ContentApproval) and ``raw`` (RawResponse). The models are also importable from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twiliokit._lazy import lazy_getattr

if TYPE_CHECKING:
    from twiliokit.resources.calls import Call
    from twiliokit.resources.content import Content, ContentApproval, WhatsAppApproval
    from twiliokit.resources.lookups import LineTypeIntelligence, PhoneNumberLookup
    from twiliokit.resources.messages import Media, Message
    from twiliokit.resources.phone_numbers import Account, IncomingPhoneNumber
    from twiliokit.resources.raw import RawResponse
    from twiliokit.resources.verify import (
        Bucket,
        RateLimit,
        Verification,
        VerificationCheck,
        VerifyService,
        VerifyWebhook,
    )

__all__ = [
    "Account",
    "Bucket",
    "Call",
    "Content",
    "ContentApproval",
    "IncomingPhoneNumber",
    "LineTypeIntelligence",
    "Media",
    "Message",
    "PhoneNumberLookup",
    "RateLimit",
    "RawResponse",
    "Verification",
    "VerificationCheck",
    "VerifyService",
    "VerifyWebhook",
    "WhatsAppApproval",
]

_HOME = {
    "Account": ".phone_numbers",
    "Bucket": ".verify",
    "Call": ".calls",
    "Content": ".content",
    "ContentApproval": ".content",
    "IncomingPhoneNumber": ".phone_numbers",
    "LineTypeIntelligence": ".lookups",
    "Media": ".messages",
    "Message": ".messages",
    "PhoneNumberLookup": ".lookups",
    "RateLimit": ".verify",
    "RawResponse": ".raw",
    "Verification": ".verify",
    "VerificationCheck": ".verify",
    "VerifyService": ".verify",
    "VerifyWebhook": ".verify",
    "WhatsAppApproval": ".content",
}


__getattr__ = lazy_getattr(__name__, _HOME)
