"""``LedgerHooks``: compliance before a request leaves, and every send recorded in the ledger.

Plugged into :class:`~twiliokit.actions.ActionContext` as ``hooks`` (see
:mod:`twiliokit.actions.hooks`)::

    ledger = await open_ledger(url)
    hooks = LedgerHooks(ledger, ComplianceSettings.from_config(config),
                        status_callback_url="https://abc.ngrok.app")
    context = ActionContext(client, connection, ledger=ledger, hooks=hooks)

``before_send`` reads the ledger and applies :mod:`twiliokit.compliance.rules`; a refusal
raises ``OptedOutError``, ``WhatsAppWindowError`` or ``PolicyError`` and no request leaves.
A ledger that cannot be read refuses too (``StorageError``): compliance fails closed.
``after_send`` and ``send_failed`` only record; a ledger failure there is logged, never raised,
because the send itself already happened (or failed) and raising would invite a resend.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from twiliokit.actions.ledger_records import call_record, message_record, opt_out_from_error
from twiliokit.compliance import rules
from twiliokit.compliance.bulk_checks import check_many, person_addresses
from twiliokit.compliance.settings import ComplianceSettings
from twiliokit.errors import ConfigurationError, StorageError, ValidationError
from twiliokit.ledger.compliance_reads import count_claimed_many
from twiliokit.ledger.rules import sender_key
from twiliokit.resources.calls import Call
from twiliokit.resources.messages import Message

if TYPE_CHECKING:
    from twiliokit.actions.hooks import SendIntent, Verdict
    from twiliokit.ledger.store import LedgerStore

__all__ = ["CALL_STATUS_PATH", "MESSAGE_STATUS_PATH", "LedgerHooks", "status_callback_for"]

logger = logging.getLogger("twiliokit.compliance")

# The webhook receiver's routes (twiliokit.webhooks.receiver.PATHS). Written out here so that
# sending does not import the receiver (Starlette); a test keeps the two in step.
#: Where the receiver takes message status callbacks.
MESSAGE_STATUS_PATH: Final = "/webhooks/twilio/message-status"
#: Where the receiver takes call status callbacks.
CALL_STATUS_PATH: Final = "/webhooks/twilio/call-status"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _base_url(value: str) -> str:
    hint = "Give the receiver's public base URL, e.g. https://abc.ngrok.app (no path needed)."
    try:
        parts = urlsplit(value.strip()) if isinstance(value, str) else None
        _ = parts.port if parts else None
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ConfigurationError(
            f"status_callback_url must be an http(s) URL without query or credentials, "
            f"not {str(value)[:80]!r}",
            field="status_callback_url",
            hint=hint,
        )
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    # A full receiver URL is accepted too: keep only its base.
    for path in (MESSAGE_STATUS_PATH, CALL_STATUS_PATH):
        base = base.removesuffix(path)
    return base


def status_callback_for(intent: SendIntent, base_url: str) -> str:
    """The receiver's status callback URL for this send: message-status or call-status."""
    return base_url + (CALL_STATUS_PATH if intent.channel == "call" else MESSAGE_STATUS_PATH)


class LedgerHooks:
    """Send hooks that check compliance against the ledger and record every send in it.

    ``settings``: which checks run (default :class:`ComplianceSettings`: opt-outs and the
    WhatsApp window). ``status_callback_url``: the webhook receiver's public base URL (its
    ``public_url``); when given, a send without a ``status_callback`` gets
    ``{status_callback_url}/webhooks/twilio/message-status`` (``call-status`` for calls), so
    the receiver records its delivery. ``now`` is the clock the rules use (UTC).
    """

    def __init__(
        self,
        ledger: LedgerStore,
        settings: ComplianceSettings | None = None,
        *,
        status_callback_url: str | None = None,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.ledger = ledger
        self.settings = settings if settings is not None else ComplianceSettings()
        self.status_callback_url = (
            _base_url(status_callback_url) if status_callback_url is not None else None
        )
        self._now = now

    def __repr__(self) -> str:
        return (
            f"LedgerHooks(settings={self.settings!r}, "
            f"status_callback_url={self.status_callback_url!r})"
        )

    # -- before ----------------------------------------------------------------------------

    async def check(self, intent: SendIntent) -> rules.Refusal | None:
        """The first rule that refuses this send, or ``None``: what ``before_send`` raises,
        without raising (for dry runs)."""
        settings = self.settings
        now = self._now()
        if intent.channel == "email":
            return None  # an emailed verification code: no rule about phone numbers applies
        if intent.kind == "verification":
            # A code the user asked for: countries and opt-outs apply; quiet hours, the
            # WhatsApp window (Verify sends a template) and the daily cap of messages do not.
            return await self._verification_refusal(intent)
        messaging = intent.channel != "call"
        if settings.allowed_countries is not None:
            refusal = rules.country_refusal(recipient=intent.to, allowed=settings.allowed_countries)
            if refusal is not None:
                return refusal
        if messaging and settings.opt_outs and (intent.from_ or intent.messaging_service_sid):
            key = sender_key(intent.from_, intent.messaging_service_sid)
            refusal = rules.opt_out_refusal(
                opted_out=await self.ledger.is_opted_out(key, intent.to),
                sender_key=key,
                recipient=intent.to,
            )
            if refusal is not None:
                return refusal
        if intent.channel == "whatsapp" and settings.whatsapp_window and not intent.content_sid:
            # Through a Messaging Service the sender is not known yet: any of ours counts.
            our_address = intent.from_ if intent.messaging_service_sid is None else None
            refusal = rules.whatsapp_window_refusal(
                last_inbound=await self.ledger.last_inbound_at(intent.to, our_address),
                now=now,
                template=False,
                recipient=intent.to,
            )
            if refusal is not None:
                return refusal
        if settings.quiet_hours is not None:
            send_at = intent.details.get("send_at")
            scheduled = isinstance(send_at, datetime)
            refusal = rules.quiet_hours_refusal(
                recipient=intent.to,
                at=send_at if isinstance(send_at, datetime) else now,
                quiet=settings.quiet_hours,
                scheduled=scheduled,
            )
            if refusal is not None:
                return refusal
        if messaging and settings.daily_cap is not None:
            since = now - rules.DAILY_CAP_PERIOD
            person = person_addresses(intent.to)
            sent = 0
            for recipient in person:
                sent += await self.ledger.count_outbound_since(recipient, since)
            # Items a worker holds for the same person (not sent yet) count too; not this one.
            own = () if intent.outbox_id is None else (intent.outbox_id,)
            held = await count_claimed_many(self.ledger, person, excluding=own)
            sent += sum(held.values())
            return rules.daily_cap_refusal(sent=sent, cap=settings.daily_cap, recipient=intent.to)
        return None

    async def _verification_refusal(self, intent: SendIntent) -> rules.Refusal | None:
        """A verification (start_verification) is refused to a country not allowed, and by
        sms or whatsapp to someone who replied STOP to any of our senders."""
        settings = self.settings
        if settings.allowed_countries is not None:
            refusal = rules.country_refusal(recipient=intent.to, allowed=settings.allowed_countries)
            if refusal is not None:
                return refusal
        if intent.channel == "call" or not settings.opt_outs:
            return None
        for recipient in person_addresses(intent.to):
            opted = await self.ledger.list_opt_outs(recipient=recipient)
            if opted:
                return rules.Refusal(
                    "opted_out",
                    f"{intent.to} replied STOP to {opted[0].sender_key}, so no verification "
                    f"code is sent to them by {intent.channel} either: nothing was sent.",
                    "They must text START to that sender to receive messages again; or verify "
                    "them by voice (channel call) or email.",
                )
        return None

    async def before_send(self, intent: SendIntent) -> SendIntent:
        """Refuse (``OptedOutError``, ``WhatsAppWindowError``, ``PolicyError``) or return the
        intent with the receiver's status callback filled in when it had none."""
        refusal = await self.check(intent)
        if refusal is not None:
            raise refusal.error()
        return self._with_callback(intent)

    def _with_callback(self, intent: SendIntent) -> SendIntent:
        if intent.status_callback is None and self.status_callback_url is not None:
            callback = status_callback_for(intent, self.status_callback_url)
            intent = dataclasses.replace(intent, status_callback=callback)
        return intent

    async def before_send_many(self, intents: Sequence[SendIntent]) -> list[Verdict]:
        """:meth:`before_send` for many sends (a bulk send), with one ledger query per rule
        and chunk of recipients, not per recipient. A refusal is that intent's verdict (the
        others go on); quiet hours *defer* an intent (``details["send_at"]`` moved to when
        they end in the recipient's local time) rather than refuse it."""
        refusals = await check_many(self.ledger, self.settings, intents, now=self._now())
        verdicts: list[Verdict] = []
        for intent, refusal in zip(intents, refusals, strict=True):
            if isinstance(refusal, rules.Refusal):
                verdicts.append(refusal.error())
            elif refusal is not None:
                details = {**intent.details, "send_at": refusal}
                verdicts.append(self._with_callback(dataclasses.replace(intent, details=details)))
            else:
                verdicts.append(self._with_callback(intent))
        return verdicts

    # -- after -----------------------------------------------------------------------------

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        """Record the message or call Twilio accepted, with its first status."""
        now = self._now()
        try:
            if isinstance(result, Call):
                await self.ledger.record_call(call_record(result, now=now, intent=intent))
            elif isinstance(result, Message):
                await self.ledger.record_message(message_record(result, now=now, intent=intent))
            elif intent.kind == "verification":
                return  # Verify keeps the code's message; the outbox item records the send
            else:
                logger.warning(
                    "not recording a %s send: Twilio's answer is a %s, not a Message or Call",
                    intent.channel,
                    type(result).__name__,
                )
        except (StorageError, ValidationError) as exc:
            logger.warning(
                "%s %s was sent but could not be recorded in the ledger: %s",
                intent.channel,
                getattr(result, "sid", "?"),
                exc.message,
            )

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        """Record what a failure teaches: a 21610 means the recipient opted out (recorded with
        source ``twilio_21610``, so the next send is refused before any request). Other
        failures, 63016 included (a closed WhatsApp window, not an opt-out), change nothing."""
        try:
            event = opt_out_from_error(intent, error, now=self._now())
            if event is not None:
                await self.ledger.record_opt_out(event)
        except (StorageError, ValidationError) as exc:
            logger.warning("a 21610 opt-out could not be recorded in the ledger: %s", exc.message)
