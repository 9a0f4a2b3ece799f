"""Addresses Twilio accepts in ``To`` and ``From``: phone numbers, ``whatsapp:`` numbers, short
codes and alphanumeric sender IDs.

Phone-number validity is ``phonenumbers``' (Google's libphonenumber metadata); this module only
decides which kind of address a string is and turns failures into a
:class:`~twiliokit.errors.ValidationError` that names the field and the fix. Pure, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

import phonenumbers

from twiliokit.errors import ValidationError
from twiliokit.short_code import (
    SHORT_CODE,
    SHORT_CODE_RECIPIENT_HINT,
    refuse_short_code_recipient,
)

__all__ = [
    "ALL_KINDS",
    "RECIPIENT_KINDS",
    "SHORT_CODE_RECIPIENT_HINT",
    "Address",
    "AddressKind",
    "NumberType",
    "international_format",
    "is_valid_e164",
    "national_format",
    "number_type",
    "parse_address",
    "refuse_short_code_recipient",
    "region_of",
]

AddressKind = Literal["phone", "whatsapp", "short_code", "alphanumeric"]
NumberType = Literal[
    "landline",
    "mobile",
    "fixed_line_or_mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal",
    "pager",
    "uan",
    "voicemail",
    "unknown",
]

#: Every kind of address; alphanumeric sender IDs only make sense as ``From``.
ALL_KINDS: Final = frozenset({"phone", "whatsapp", "short_code", "alphanumeric"})
#: What a message can be sent to (the default of :func:`parse_address`).
RECIPIENT_KINDS: Final = frozenset({"phone", "whatsapp", "short_code"})

_E164_EXAMPLE = "+14155552671"
_WHATSAPP_PREFIX = "whatsapp:"
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_SHORT_CODE = SHORT_CODE
# Twilio: up to 11 characters, ASCII letters, digits and spaces, at least one letter.
_ALPHANUMERIC = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_PHONE_LIKE = re.compile(r"\+?[0-9 ().\-/]+")

_NUMBER_TYPES: Final[dict[int, NumberType]] = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium_rate",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "personal",
    phonenumbers.PhoneNumberType.PAGER: "pager",
    phonenumbers.PhoneNumberType.UAN: "uan",
    phonenumbers.PhoneNumberType.VOICEMAIL: "voicemail",
}


@dataclass(frozen=True)
class Address:
    """A parsed ``To``/``From`` address; :attr:`value` is what goes on the wire."""

    raw: str
    kind: AddressKind
    #: The E.164 phone number, for ``phone`` and ``whatsapp`` addresses.
    e164: str | None
    #: ISO 3166 country of the phone number (``"US"``), when known.
    region: str | None

    @property
    def value(self) -> str:
        """Canonical wire form: ``+14155552671``, ``whatsapp:+1415...``, ``12345``, ``MyBrand``."""
        if self.kind == "phone" and self.e164 is not None:
            return self.e164
        if self.kind == "whatsapp" and self.e164 is not None:
            return _WHATSAPP_PREFIX + self.e164
        return self.raw.strip()

    def __str__(self) -> str:
        return self.value


def parse_address(
    raw: str,
    *,
    field: str = "to",
    default_region: str | None = None,
    allow: frozenset[str] = RECIPIENT_KINDS,
) -> Address:
    """Parse a ``To``/``From`` value, or raise :class:`ValidationError` naming ``field``.

    Accepts E.164 (``+14155552671``), human forms (``+1 415-555-2671``; ``(415) 555-2671`` when
    ``default_region`` is given), ``whatsapp:+14155552671``, short codes (5-6 digits) and, when
    ``allow`` includes ``"alphanumeric"``, sender IDs such as ``MyBrand``. Twilio's magic test
    numbers (``+1500555xxxx``) parse; numbers libphonenumber calls invalid do not.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(
            f"'{field}' is required.", field=field, hint=f"Give a number such as {_E164_EXAMPLE}."
        )
    text = raw.strip()
    if text[: len(_WHATSAPP_PREFIX)].lower() == _WHATSAPP_PREFIX:
        number = _parse_phone(text[len(_WHATSAPP_PREFIX) :].strip(), raw, field, default_region)
        return _allowed(Address(raw, "whatsapp", number[0], number[1]), allow, field)
    if _SHORT_CODE.fullmatch(text):
        return _allowed(Address(raw, "short_code", None, None), allow, field)
    if _PHONE_LIKE.fullmatch(text):
        e164, region = _parse_phone(text, raw, field, default_region)
        return _allowed(Address(raw, "phone", e164, region), allow, field)
    if _ALPHANUMERIC.fullmatch(text):
        return _allowed(Address(raw, "alphanumeric", None, None), allow, field)
    if ":" in text:
        channel = text.split(":", 1)[0]
        raise ValidationError(
            f"'{field}' uses an unsupported channel prefix '{channel}:': {raw!r}.",
            field=field,
            hint=f"Use a phone number such as {_E164_EXAMPLE} or whatsapp:{_E164_EXAMPLE}.",
        )
    raise ValidationError(
        f"'{field}' is not a valid phone number: {raw!r}. "
        f"Use E.164 format such as {_E164_EXAMPLE}.",
        field=field,
        hint=f"Use E.164 format such as {_E164_EXAMPLE}; sender IDs are 1-11 letters, digits or "
        "spaces with at least one letter.",
    )


def is_valid_e164(s: str) -> bool:
    """Whether ``s`` is exactly a valid E.164 number (``+14155552671``, no spaces or dashes)."""
    if not isinstance(s, str) or not _E164.fullmatch(s):
        return False
    parsed = _parse_or_none(s)
    return parsed is not None and phonenumbers.is_valid_number(parsed)


def region_of(e164: str) -> str | None:
    """ISO country of a number (``"US"``), or None when unknown or invalid."""
    parsed = _parse_or_none(e164)
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return None
    region: str | None = phonenumbers.region_code_for_number(parsed)
    return region


def national_format(e164: str) -> str:
    """The number as dialled inside its country: ``(415) 555-2671``."""
    return str(phonenumbers.format_number(_require(e164), phonenumbers.PhoneNumberFormat.NATIONAL))


def international_format(e164: str) -> str:
    """The number formatted for reading: ``+1 415-555-2671``."""
    return str(
        phonenumbers.format_number(_require(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    )


def number_type(e164: str) -> NumberType:
    """The line type libphonenumber infers from the numbering plan (no carrier lookup)."""
    return _NUMBER_TYPES.get(phonenumbers.number_type(_require(e164)), "unknown")


def _parse_phone(
    text: str, raw: str, field: str, default_region: str | None
) -> tuple[str, str | None]:
    region = default_region.upper() if default_region else None
    parsed = _parse_or_none(text, region)
    if parsed is None or parsed.extension or not phonenumbers.is_valid_number(parsed):
        hint = f"Use E.164 format such as {_E164_EXAMPLE}."
        if parsed is None and not text.startswith("+") and region is None:
            hint += " Numbers without a country code need a default region."
        raise ValidationError(
            f"'{field}' is not a valid phone number: {raw!r}. "
            f"Use E.164 format such as {_E164_EXAMPLE}.",
            field=field,
            hint=hint,
        )
    e164 = str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    found: str | None = phonenumbers.region_code_for_number(parsed)
    return e164, found


def _parse_or_none(text: str, region: str | None = None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _require(e164: str) -> phonenumbers.PhoneNumber:
    parsed = _parse_or_none(e164) if isinstance(e164, str) else None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            f"'phone_number' is not a valid phone number: {e164!r}. "
            f"Use E.164 format such as {_E164_EXAMPLE}.",
            field="phone_number",
            hint=f"Use E.164 format such as {_E164_EXAMPLE}.",
        )
    return parsed


def _allowed(address: Address, allow: frozenset[str], field: str) -> Address:
    if address.kind in allow:
        return address
    kind = address.kind.replace("_", " ")
    if address.kind == "alphanumeric":
        message = f"'{field}' is not a valid phone number: {address.raw!r}."
        hint = (
            f"Give a phone number in E.164 format such as {_E164_EXAMPLE}: letters make it "
            "read as an alphanumeric sender ID, which only the sender, 'from', can be."
        )
    else:
        message = f"'{field}' cannot be a {kind}: {address.raw!r}."
        hint = f"Use a phone number in E.164 format such as {_E164_EXAMPLE}."
    raise ValidationError(message, field=field, hint=hint)
