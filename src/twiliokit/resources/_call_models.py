"""The call model, :class:`Call`; import them from
:mod:`twiliokit.resources.calls`, which loads this module (and pydantic) on first use."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from twiliokit.resources._model import AccountResource, Rfc2822

__all__ = ["Call"]


class Call(AccountResource):
    """A phone call.

    ``status`` is one of ``queued, ringing, in-progress, completed, busy, failed, no-answer,
    canceled``; ``direction`` one of ``inbound, outbound-api, outbound-dial``. ``duration`` is
    in seconds, ``queue_time`` in milliseconds.
    """

    parent_call_sid: str | None = None
    from_: str | None = Field(default=None, alias="from")
    from_formatted: str | None = None
    to: str | None = None
    to_formatted: str | None = None
    phone_number_sid: str | None = None
    status: str | None = None
    direction: str | None = None
    answered_by: str | None = None
    caller_name: str | None = None
    forwarded_from: str | None = None
    start_time: Rfc2822 = None
    end_time: Rfc2822 = None
    duration: int | None = None
    queue_time: int | None = None
    price: Decimal | None = None
    price_unit: str | None = None
    group_sid: str | None = None
    trunk_sid: str | None = None
