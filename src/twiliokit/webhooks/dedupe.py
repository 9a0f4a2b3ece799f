"""Which claim makes a webhook delivery "seen" (pure); the ledger makes the claim atomic.

Twilio may deliver the same event more than once (its retries, a fallback URL pointing back
here, a replay). The receiver puts a :class:`~twiliokit.ledger.Claim` in the same ledger
transaction as the event's records: the first delivery wins the claim and is recorded and
handled; every other one finds the claim taken (``INSERT ... ON CONFLICT DO NOTHING``, never
check-then-write), is recorded as a duplicate, and reaches no handler.

The key is the event's own identity where Twilio has one that cannot legitimately repeat:

===================  =====================================================================
messaging            ``MessageSid``
message status       ``MessageSid:MessageStatus`` (not the SID alone: that would drop the
                     later ``delivered`` after ``sent``)
call status          ``CallSid:CallStatus``
voice                ``I-Twilio-Idempotency-Token``; without one, a hash of all parameters
                     (``<Gather>`` and ``<Redirect>`` post the same CallSid again, legitimately)
verify               ``I-Twilio-Idempotency-Token``; without one, the events' ids
===================  =====================================================================

The idempotency token is not covered by the signature, so for messages and status callbacks
Twilio's SIDs are the stronger key: a captured request replayed with a fresh token is still a
duplicate. The token is recorded with every delivery either way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Final

from twiliokit.ledger import Claim, WebhookKind

__all__ = ["CLAIM_KINDS", "MAX_KEY", "claim_key", "make_claim"]

#: The ledger claim kind of each webhook kind.
CLAIM_KINDS: Final = {
    WebhookKind.INCOMING_MESSAGE: "webhook:incoming-message",
    WebhookKind.MESSAGE_STATUS: "webhook:message-status",
    WebhookKind.INCOMING_CALL: "webhook:incoming-call",
    WebhookKind.CALL_STATUS: "webhook:call-status",
    WebhookKind.OTHER: "webhook:verify",
}
#: Longer keys are stored as their SHA-256 (the ledger's claim keys are at most 255 long).
MAX_KEY: Final = 200


def claim_key(
    kind: WebhookKind,
    *,
    token: str | None,
    sid: str | None = None,
    status: str | None = None,
    params: Iterable[tuple[str, str]] = (),
    ids: Iterable[str] = (),
) -> str:
    """The dedupe key of one delivery (see the module docstring for the rule per kind)."""
    if kind is WebhookKind.INCOMING_MESSAGE and sid:
        key = sid
    elif kind in {WebhookKind.MESSAGE_STATUS, WebhookKind.CALL_STATUS} and sid and status:
        key = f"{sid}:{status}"
    elif token:
        key = f"token:{token}"
    elif kind is WebhookKind.OTHER:
        key = "ids:" + _digest("\n".join(sorted(ids)))
    else:
        canonical = "\n".join(f"{name}={value}" for name, value in sorted(params))
        key = "params:" + _digest(canonical)
    return key if len(key) <= MAX_KEY else "sha256:" + _digest(key)


def make_claim(kind: WebhookKind, key: str) -> Claim:
    """The ledger claim for a key from :func:`claim_key`."""
    return Claim(key=key, kind=CLAIM_KINDS[kind])


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
