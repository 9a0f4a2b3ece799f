"""The model base class of every Twilio resource, and the two date types Twilio uses.

Imported on first use (it pulls in pydantic): request builders never need it, only parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from twiliokit.errors import TwiliokitError

__all__ = [
    "AccountResource",
    "Iso8601",
    "ProductResource",
    "Rfc2822",
    "ServiceResource",
    "TwilioModel",
]


def _rfc2822(value: Any) -> Any:
    """The 2010 API's ``Thu, 24 Aug 2023 05:01:45 +0000`` as an aware datetime."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return value  # maybe ISO 8601: let pydantic try, and say so if it fails
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


#: A 2010 API date (RFC 2822), parsed to an aware datetime.
Rfc2822 = Annotated[datetime | None, BeforeValidator(_rfc2822)]
#: A v1/v2 API date (ISO 8601), parsed to an aware datetime.
Iso8601 = Annotated[datetime | None, BeforeValidator(_blank_is_none)]


class TwilioModel(BaseModel):
    """A Twilio resource: canonical snake_case fields, and ``raw``, Twilio's JSON as received.

    Models are frozen and ignore fields they do not know (Twilio adds fields without notice);
    every field may be ``None`` because Twilio marks nearly all of them nullable.
    """

    # defer_build: a model's validator is built the first time it is used, not at import,
    # which keeps importing a resource module cheap (the import time of sending an SMS is a
    # measured goal).
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, defer_build=True)

    #: Twilio's JSON for this resource, unchanged (left out of ``model_dump()``).
    raw: dict[str, Any] = Field(default_factory=dict, repr=False, exclude=True)

    @classmethod
    def from_twilio(cls, data: Mapping[str, Any]) -> Self:
        """Parse Twilio's JSON for one resource."""
        payload = dict(data)
        payload.pop("raw", None)
        try:
            return cls.model_validate({**payload, "raw": dict(data)})
        except PydanticValidationError as exc:
            raise TwiliokitError(
                f"Twilio's answer does not fit the {cls.__name__} model: "
                f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']} "
                f"at {'.'.join(str(p) for p in exc.errors()[0]['loc'])}",
                hint="The raw answer is still available through a raw request.",
            ) from exc


class _OwnedResource(TwilioModel):
    """A resource with a SID that belongs to an account."""

    sid: str
    account_sid: str | None = None


class AccountResource(_OwnedResource):
    """What every resource of the 2010 API (``/2010-04-01/Accounts/...``) has: its SID, its
    account, RFC 2822 dates and its ``uri``."""

    date_created: Rfc2822 = None
    date_updated: Rfc2822 = None
    uri: str | None = None


class ProductResource(_OwnedResource):
    """What every resource of the product APIs (Verify, Content, ...: v1/v2) has: its SID,
    its account, ISO 8601 dates and its ``url``."""

    date_created: Iso8601 = None
    date_updated: Iso8601 = None
    url: str | None = None


class ServiceResource(ProductResource):
    """A product resource that belongs to a service (``service_sid``)."""

    service_sid: str | None = None
