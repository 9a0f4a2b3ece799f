"""What a message's status callbacks never say, filled in when its final status arrives.

Twilio's status callbacks carry the status and any error, but not when the message was sent nor
what it cost; its Message resource has both once the message is done. So when an outbound
message reaches a final status (``delivered``, ``undelivered``, ``failed``) and the ledger took
that status as new, one fetch of the message records ``date_sent``, ``price`` and
``price_unit`` (``WebhookSettings.fetch_final_details``, on by default; ``[webhooks]
fetch_final_details = false`` turns it off). The fetch runs after Twilio has been answered,
like any status handler; if it fails, the message simply keeps what it had (logged at info).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Final

from twiliokit.errors import TwiliokitError
from twiliokit.ledger import LedgerStore, MessageRecord, MessageStatus, StatusOutcome
from twiliokit.webhooks.events import MessageStatusChanged, StatusChanged

__all__ = ["FINAL_STATUSES", "final_details_handler"]

logger = logging.getLogger("twiliokit.webhooks")

#: The statuses after which Twilio's record of a message no longer changes but for its price.
FINAL_STATUSES: Final = frozenset(
    {MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED}
)

FetchRecord = Callable[[str], Awaitable[MessageRecord]]
"""Fetch a message from Twilio by SID, as the ledger records it."""


def final_details_handler(
    fetch: FetchRecord, ledger: Callable[[], LedgerStore]
) -> Callable[[StatusChanged], Awaitable[None]]:
    """An ``on_status`` handler that records a message's send time and price (one ``fetch``)
    when its final status is applied. ``ledger`` gives the store to write to."""

    async def fill(event: StatusChanged) -> None:
        if (
            not isinstance(event, MessageStatusChanged)
            or event.status not in FINAL_STATUSES
            or event.outcome is not StatusOutcome.APPLIED
        ):
            return
        try:
            await ledger().record_message(await fetch(event.sid))
        except TwiliokitError as exc:
            logger.info("could not fetch the send time and price of %s: %s", event.sid, exc.message)

    return fill
