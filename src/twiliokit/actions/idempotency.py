"""Idempotency keys for sends: a retried tool call sends once.

An agent, a workflow engine or a flaky network retries; a send that is not idempotent then
sends twice. An action whose input has an ``idempotency_key`` (``send_sms``,
``send_whatsapp``, ``make_call``) runs under it like this:

- the first request with a key takes it in the ledger (atomically: one of two racing requests
  wins) and runs; on success its output is kept with the key;
- the same key with the same arguments within :data:`KEY_LIFETIME` returns that output again,
  without a request to Twilio;
- the same key with other arguments is refused (``ValidationError`` on ``idempotency_key``);
- if the first request failed for certain (refused by a rule, by validation or by Twilio, or
  the connection never opened) the key is freed, so a retry sends;
- if its outcome is unknown (an answer lost in transit, a crash, or it is still running) a retry
  is refused with ``UnknownOutcomeError`` and how to check, never sent blind.

Keys live in the context's ledger, so they hold across processes and restarts; without a
ledger, in memory for the life of the context.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, Field

from twiliokit.actions.hooks import NothingSent
from twiliokit.errors import ConnectError, TransportError, TwiliokitError, UnknownOutcomeError
from twiliokit.errors import ValidationError as TwiliokitValidationError

if TYPE_CHECKING:
    from twiliokit.actions.context import ActionContext
    from twiliokit.ledger.records import IdempotentRequest
    from twiliokit.ledger.store import LedgerStore

# The ledger package (SQLAlchemy, alembic) is imported only when a key is used: the send
# actions import this module, and importing them must stay cheap (docs/benchmarks.md).

__all__ = ["KEY_LIFETIME", "REPLAYED", "idempotency_key_field", "run_once", "was_replayed"]

logger = logging.getLogger(__name__)

KEY_LIFETIME = timedelta(hours=24)
"""How long a key answers retries with its first output (then it may be used afresh)."""

FIELD = "idempotency_key"
#: Set to true in ``context.extras`` when the output is a replay of the key's first send;
#: surfaces say so (the CLI's JSON field, the HTTP API's ``Idempotent-Replayed`` header).
REPLAYED = "idempotent_replayed"
_MEMORY_STORE = "idempotency_store"

OutputT = TypeVar("OutputT", bound=BaseModel)


def was_replayed(context: ActionContext) -> bool:
    """Whether the last keyed send run with ``context`` answered with a replay."""
    return bool(context.extras.get(REPLAYED))


def idempotency_key_field() -> Any:
    """The ``idempotency_key`` argument of a send action's input."""
    return Field(
        default=None,
        min_length=1,
        max_length=255,
        description="Any text unique to this send (a UUID, or your task's id). Retrying with "
        "the same key and the same arguments within 24 hours returns the first result instead "
        "of sending again; the same key with other arguments is refused.",
    )


def fingerprint(account_sid: str, action: str, arguments: BaseModel) -> str:
    """What identifies a request besides its key: the account it is sent from, the action and
    its arguments (so one key cannot answer for another account sharing the ledger)."""
    data = arguments.model_dump(mode="json", exclude={FIELD})
    text = json.dumps(
        [account_sid, action, data], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


async def run_once(
    context: ActionContext,
    action: str,
    arguments: BaseModel,
    output_model: type[OutputT],
    run: Callable[[], Awaitable[OutputT]],
) -> OutputT:
    """``run()`` under the arguments' idempotency key (see the module docstring)."""
    from twiliokit.ledger.records import IdempotencyState, IdempotentRequest

    key: str = getattr(arguments, FIELD)
    store = _store(context)
    now = context.now()
    request = IdempotentRequest(
        key=key,
        action=action,
        fingerprint=fingerprint(context.connection.account_sid, action, arguments),
        state=IdempotencyState.PENDING,
        created_at=now,
    )
    held = await store.start_idempotent(request, expires_before=now - KEY_LIFETIME)
    if held is not None:
        answer = _answer(held, request, output_model)
        context.extras[REPLAYED] = True
        return answer
    try:
        output = await run()
    except (TwiliokitError, NothingSent) as exc:
        if _certainly_not_sent(exc):
            await store.forget_idempotent(key)
        raise
    try:
        await store.finish_idempotent(key, output.model_dump(mode="json", by_alias=True))
    except TwiliokitError as exc:
        # It was sent: answer with it. A retry will find the key pending and be refused with
        # how to check, which is safe (never a second send).
        logger.warning("could not keep the result of idempotency key %r: %s", key, exc)
    return output


def _answer(
    held: IdempotentRequest, request: IdempotentRequest, output_model: type[OutputT]
) -> OutputT:
    """A retry's answer: the first request's output, or why there is none."""
    from twiliokit.ledger.records import IdempotencyState

    if held.action != request.action or held.fingerprint != request.fingerprint:
        raise TwiliokitValidationError(
            f"idempotency_key {request.key!r} was used at {held.created_at:%Y-%m-%dT%H:%M:%S}Z "
            f"for a different request ({held.action} with other arguments, or from another "
            "account)",
            field=FIELD,
            hint="Use a new key for a new send; reuse a key only to retry the same send.",
        )
    if held.state is IdempotencyState.DONE and held.output is not None:
        return output_model.model_validate(held.output)
    raise UnknownOutcomeError(
        f"a {held.action} with idempotency_key {request.key!r} started at "
        f"{held.created_at:%Y-%m-%d %H:%M:%S}Z has not finished, or its outcome is unknown "
        "(it may have been sent), so it was not sent again",
        method="POST",
        url="",  # not kept with the key; the action and the time say which request it was
        sent_at=f"{held.created_at:%Y-%m-%dT%H:%M:%SZ}",
        check="Look for it with list_messages or list_calls (same To, since that time); "
        "send under a new key only if it is not there.",
    )


def _certainly_not_sent(error: TwiliokitError | NothingSent) -> bool:
    """Whether a failed send certainly did not reach Twilio (its key can be used again): a
    dry run's stop, a refusal before sending or by Twilio, or a connection that never opened."""
    if isinstance(error, NothingSent):
        return True
    if isinstance(error, UnknownOutcomeError):
        return False
    return not isinstance(error, TransportError) or isinstance(error, ConnectError)


def _store(context: ActionContext) -> LedgerStore:
    if context.ledger is not None:
        store: LedgerStore = context.ledger
        return store
    from twiliokit.ledger.memory import MemoryLedger

    memory: LedgerStore | None = context.extras.get(_MEMORY_STORE)
    if memory is None:
        memory = context.extras[_MEMORY_STORE] = MemoryLedger()
    return memory
