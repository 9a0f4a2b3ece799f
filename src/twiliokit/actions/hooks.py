"""Hooks around every send: where compliance checks and the ledger plug into the actions.

Send actions (``send_sms``, ``send_whatsapp``, ``make_call``, ``start_verification``) describe
what they are about to send as a ``SendIntent``; the pipeline (:mod:`twiliokit.actions.sending`)
calls ``before_send`` (which may refuse with a ``ComplianceError`` or return an adjusted
intent, e.g. with the receiver's status callback URL filled in), then ``after_send`` with
Twilio's answer, or ``send_failed`` with the error. The default hooks do
nothing, so the catalogue works without a ledger.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from twiliokit.errors import TwiliokitError

Channel = Literal["sms", "mms", "whatsapp", "call", "email"]
#: What a send asks Twilio for (an outbox item's kind).
IntentKind = Literal["message", "call", "verification"]


class NothingSent(Exception):
    """Raised to stop an action before any request that changes something leaves (the dry-run
    stops derive from it), so that what was taken for it (an idempotency key) is freed."""


@dataclass(frozen=True)
class SendIntent:
    """What a send action is about to ask Twilio for."""

    channel: Channel
    to: str
    from_: str | None
    messaging_service_sid: str | None = None
    body: str | None = None
    content_sid: str | None = None
    media_urls: tuple[str, ...] = ()
    status_callback: str | None = None
    #: Extra action-specific details: the request's other parameters by the client's names
    #: (``twiliokit.actions.outbox_requests``), and ``send_at`` for a scheduled send.
    details: dict[str, Any] = field(default_factory=dict)
    #: The Verify service (VA...) of a verification; ``None`` for messages and calls.
    service_sid: str | None = None
    #: The outbox item recording this send, once the pipeline recorded it (``after_send``
    #: and ``send_failed`` see it; ``None`` without a ledger).
    outbox_id: str | None = None

    @property
    def kind(self) -> IntentKind:
        """``verification`` (a Verify code, by ``channel``), ``call`` or ``message``."""
        if self.service_sid is not None:
            return "verification"
        return "call" if self.channel == "call" else "message"


class SendHooks(Protocol):
    async def before_send(self, intent: SendIntent) -> SendIntent:
        """Refuse (raise a ComplianceError) or return the intent to send, possibly adjusted."""
        ...

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        """Twilio accepted the send; ``result`` is the resource (Message, Call or
        Verification)."""
        ...

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        """The send failed (Twilio error, network, unknown outcome)."""
        ...


#: What a bulk check answers per intent: the intent to send (maybe adjusted), or the error
#: that refuses it (one recipient's refusal never stops the others).
Verdict = SendIntent | TwiliokitError


class BulkSendHooks(SendHooks, Protocol):
    """Hooks that can judge many sends at once (``send_bulk``), with one query per rule."""

    async def before_send_many(self, intents: Sequence[SendIntent]) -> list[Verdict]:
        """For each intent, in order: the intent to send (possibly adjusted, e.g. a later
        ``details["send_at"]`` for quiet hours) or the error that refuses it."""
        ...


async def before_send_many(hooks: SendHooks, intents: Sequence[SendIntent]) -> list[Verdict]:
    """Judge many sends with ``hooks``: in one go when they can (:class:`BulkSendHooks`),
    else one ``before_send`` per intent, a refusal (a ``TwiliokitError``) becoming that
    intent's verdict. Anything else (a dry-run stop) propagates."""
    many = getattr(hooks, "before_send_many", None)
    if many is not None:
        verdicts: list[Verdict] = await many(intents)
        return verdicts
    answers: list[Verdict] = []
    for intent in intents:
        try:
            answers.append(await hooks.before_send(intent))
        except TwiliokitError as refusal:
            answers.append(refusal)
    return answers


class NoHooks:
    """Send hooks that do nothing."""

    async def before_send(self, intent: SendIntent) -> SendIntent:
        return intent

    async def before_send_many(self, intents: Sequence[SendIntent]) -> list[Verdict]:
        return list(intents)

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        return None

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        return None


class _ChainedHooks:
    """Several hooks run as one (see :func:`chain_hooks`)."""

    def __init__(self, hooks: tuple[SendHooks, ...]) -> None:
        self.hooks = hooks

    def __repr__(self) -> str:
        return f"chain_hooks({', '.join(map(repr, self.hooks))})"

    async def before_send(self, intent: SendIntent) -> SendIntent:
        approved: list[SendHooks] = []
        for hook in self.hooks:
            try:
                intent = await hook.before_send(intent)
            except Exception as refusal:
                await _abandon(approved, intent, refusal)
                raise
            approved.append(hook)
        return intent

    async def before_send_many(self, intents: Sequence[SendIntent]) -> list[Verdict]:
        """Each hook judges what the previous ones approved; a hook's refusal is told to the
        hooks that had approved that intent, as in ``before_send``."""
        verdicts: list[Verdict] = list(intents)
        for position, hook in enumerate(self.hooks):
            pending = [(i, v) for i, v in enumerate(verdicts) if isinstance(v, SendIntent)]
            try:
                answers = await before_send_many(hook, [intent for _, intent in pending])
            except Exception as stop:  # a dry-run stop, or a hook that failed outright
                for _, intent in pending:
                    await _abandon(list(self.hooks[:position]), intent, stop)
                raise
            for (i, intent), answer in zip(pending, answers, strict=True):
                if isinstance(answer, TwiliokitError) and position:
                    await _abandon(list(self.hooks[:position]), intent, answer)
                verdicts[i] = answer
        return verdicts

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        await _each(self.hooks, lambda h: h.after_send(intent, result))

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        await _each(self.hooks, lambda h: h.send_failed(intent, error))


async def _abandon(approved: list[SendHooks], intent: SendIntent, refusal: Exception) -> None:
    """Tell the hooks that already approved that the send will not happen. The refusal is what
    the caller sees, whatever they answer."""
    with suppress(Exception):
        await _each(approved, lambda hook: hook.send_failed(intent, refusal))


async def _each(hooks: Iterable[SendHooks], call: Callable[[SendHooks], Awaitable[None]]) -> None:
    """``call`` every hook in order; re-raise the first failure once all have run, so one
    broken hook does not keep the others from hearing how the send went."""
    first: Exception | None = None
    for hook in hooks:
        try:
            await call(hook)
        except Exception as exc:
            first = first or exc
    if first is not None:
        raise first


def chain_hooks(*hooks: SendHooks) -> SendHooks:
    """Run several hooks as one, in the order given (e.g. guardrails, then compliance).

    ``before_send`` passes each hook the intent the previous one returned; the first refusal
    stops the chain, and the hooks that had already approved get ``send_failed`` with it, so
    every hook that approved a send hears exactly once how it ended. ``after_send`` and
    ``send_failed`` reach every hook even when one of them raises (the first error is raised
    afterwards).
    """
    if not hooks:
        return NoHooks()
    if len(hooks) == 1:
        return hooks[0]
    return _ChainedHooks(hooks)
