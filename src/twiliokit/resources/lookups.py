"""Lookups v2 (``https://lookups.twilio.com/v2/PhoneNumbers/{PhoneNumber}``): is a number
valid, how is it formatted, and (with ``fields``) what kind of line is it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from twiliokit.errors import ValidationError
from twiliokit.http.products import LOOKUPS
from twiliokit.resources._base import (
    Operation,
    get_one,
    load_model,
    model_getattr,
    require,
    seg,
)

__all__ = ["LineTypeIntelligence", "PhoneNumberLookup", "lookup"]

if TYPE_CHECKING:
    from twiliokit.resources._lookup_models import LineTypeIntelligence, PhoneNumberLookup

_MODELS = "twiliokit.resources._lookup_models"
_phone_number_lookup: Callable[[], type[PhoneNumberLookup]] = load_model(
    _MODELS, "PhoneNumberLookup"
)

if not TYPE_CHECKING:  # the models, loaded (with pydantic) on first use
    __getattr__ = model_getattr(__name__, _MODELS, __all__)


def lookup(
    phone_number: str,
    *,
    fields: str | Sequence[str] | None = None,
    country_code: str | None = None,
) -> Operation[PhoneNumberLookup]:
    """Look a number up. ``fields``: e.g. ``["line_type_intelligence", "caller_name"]`` (sent
    comma-separated, as Twilio wants); ``country_code`` for numbers in national format."""
    require("phone_number", phone_number)
    if fields is not None and not isinstance(fields, str):
        items = list(fields)
        if not all(isinstance(item, str) and item for item in items):
            raise ValidationError("fields must be strings", field="fields")
        fields = ",".join(items)
    query = [("Fields", fields or None), ("CountryCode", country_code)]
    path = f"/v2/PhoneNumbers/{seg('phone_number', phone_number)}"
    return get_one(LOOKUPS, path, _phone_number_lookup, query)
