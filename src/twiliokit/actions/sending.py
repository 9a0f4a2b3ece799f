"""Run a send through the context's hooks (:mod:`twiliokit.actions.hooks`): compliance may
refuse or adjust it first, and the ledger hears how it went."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from twiliokit.errors import TwiliokitError

if TYPE_CHECKING:
    from twiliokit.actions.context import ActionContext
    from twiliokit.actions.hooks import SendIntent

__all__ = ["send_with_hooks"]

T = TypeVar("T")


async def send_with_hooks(
    context: ActionContext, intent: SendIntent, send: Callable[[SendIntent], Awaitable[T]]
) -> tuple[SendIntent, T]:
    """``send`` the intent the hooks approve; returns it with Twilio's answer.

    ``before_send`` may raise a ``ComplianceError`` (nothing is sent) or return an adjusted
    intent, which is what ``send`` gets. A failed send is reported to ``send_failed`` and
    raised unchanged.
    """
    approved = await context.hooks.before_send(intent)
    try:
        result = await send(approved)
    except TwiliokitError as exc:
        await context.hooks.send_failed(approved, exc)
        raise
    await context.hooks.after_send(approved, result)
    return approved, result
