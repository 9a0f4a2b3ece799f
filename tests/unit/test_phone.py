"""Addresses: what To/From accept, their wire form, and the errors for everything else."""

from __future__ import annotations

import dataclasses

import phonenumbers
import pytest

from twiliokit.errors import ValidationError
from twiliokit.phone import (
    ALL_KINDS,
    Address,
    international_format,
    is_valid_e164,
    national_format,
    number_type,
    parse_address,
    region_of,
)


@pytest.mark.parametrize(
    ("raw", "region", "value", "kind"),
    [
        ("+14155552671", None, "+14155552671", "phone"),
        ("+1 415-555-2671", None, "+14155552671", "phone"),
        (" +1 (415) 555.2671 ", None, "+14155552671", "phone"),
        ("(415) 555-2671", "US", "+14155552671", "phone"),
        ("(415) 555-2671", "us", "+14155552671", "phone"),
        ("020 7183 8750", "GB", "+442071838750", "phone"),
        ("whatsapp:+14155552671", None, "whatsapp:+14155552671", "whatsapp"),
        ("WhatsApp: +1 415 555 2671", None, "whatsapp:+14155552671", "whatsapp"),
        ("12345", None, "12345", "short_code"),
        ("123456", None, "123456", "short_code"),
        ("+15005550006", None, "+15005550006", "phone"),
    ],
)
def test_accepted_addresses(raw: str, region: str | None, value: str, kind: str) -> None:
    """E.164, human forms, whatsapp: numbers and short codes parse to their wire form."""
    address = parse_address(raw, default_region=region)
    assert (address.value, address.kind, address.raw) == (value, kind, raw)


def test_phone_address_fields() -> None:
    """A phone address carries its E.164 number and country; str() is the wire form."""
    address = parse_address("whatsapp:+442071838750")
    assert address == Address("whatsapp:+442071838750", "whatsapp", "+442071838750", "GB")
    assert str(address) == "whatsapp:+442071838750"
    with pytest.raises(dataclasses.FrozenInstanceError):
        address.kind = "phone"  # type: ignore[misc]


@pytest.mark.parametrize("raw", ["MyBrand", "ACME 2", "X", "Shop24"])
def test_alphanumeric_sender_ids(raw: str) -> None:
    """Alphanumeric sender IDs parse when allowed, as senders."""
    address = parse_address(raw, field="from", allow=ALL_KINDS)
    assert (address.kind, address.value, address.e164) == ("alphanumeric", raw, None)


def test_alphanumeric_refused_as_recipient() -> None:
    """A sender ID as 'to' is refused with a hint that it only works as the sender."""
    with pytest.raises(ValidationError) as caught:
        parse_address("MyBrand")
    assert caught.value.field == "to"
    assert caught.value.hint is not None
    assert caught.value.hint.startswith("Give a phone number in E.164 format such as")
    assert "which only the sender, 'from', can be." in caught.value.hint


def test_invalid_number_message_names_field_and_fix() -> None:
    """A bad number's error names the field, echoes the input and shows E.164."""
    with pytest.raises(ValidationError) as caught:
        parse_address("+1555")
    assert caught.value.message == (
        "'to' is not a valid phone number: '+1555'. Use E.164 format such as +14155552671."
    )
    assert caught.value.field == "to"
    assert caught.value.to_dict()["type"] == "validation_error"


@pytest.mark.parametrize(
    "raw",
    [
        "+15558675310",  # 555 exchange: not a real US number
        "+1555",
        "4155552671",  # no country code and no default region
        "+14155552671 ext. 12",
        "+1 800 FLOWERS",
        "MyBrandIsTooLong",
        "My-Brand",
        "1234",
        "whatsapp:",
        "whatsapp:MyBrand",
        "messenger:12345",
        "",
        "   ",
    ],
)
def test_refused_addresses(raw: str) -> None:
    """Invalid numbers and malformed addresses raise ValidationError naming the field."""
    with pytest.raises(ValidationError) as caught:
        parse_address(raw, field="from", allow=ALL_KINDS)
    assert caught.value.field == "from"
    assert caught.value.hint


def test_missing_region_hint() -> None:
    """A national number without a default region says a region is needed."""
    with pytest.raises(ValidationError) as caught:
        parse_address("4155552671")
    assert caught.value.hint is not None
    assert "default region" in caught.value.hint


def test_allow_restricts_kinds() -> None:
    """Kinds outside ``allow`` are refused even when well-formed."""
    with pytest.raises(ValidationError, match="cannot be a short code"):
        parse_address("12345", allow=frozenset({"phone"}))
    with pytest.raises(ValidationError, match="cannot be a whatsapp"):
        parse_address("whatsapp:+14155552671", allow=frozenset({"phone"}))


def test_example_numbers_of_every_region_round_trip() -> None:
    """libphonenumber's example number for every region parses to itself and its region."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number(region)
        if example is None:
            continue
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        address = parse_address(e164)
        assert address.value == e164
        assert address.region == phonenumbers.region_code_for_number(example)
        assert is_valid_e164(e164)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("+14155552671", True),
        ("+15005550006", True),
        ("+1 415 555 2671", False),
        ("14155552671", False),
        ("+15558675310", False),
        ("+0123456", False),
        ("", False),
    ],
)
def test_is_valid_e164(value: str, valid: bool) -> None:
    """Only exactly-formatted, valid numbers are E.164."""
    assert is_valid_e164(value) is valid


def test_lookup_helpers() -> None:
    """Region, formats and line type come from the numbering plan."""
    assert region_of("+14155552671") == "US"
    assert region_of("+15558675310") is None
    assert national_format("+14155552671") == "(415) 555-2671"
    assert international_format("+442071838750") == "+44 20 7183 8750"
    assert number_type("+442071838750") == "landline"
    assert number_type("+447911123456") == "mobile"
    assert number_type("+18005551212") == "toll_free"
    assert number_type("+14155552671") == "fixed_line_or_mobile"


def test_lookup_helpers_refuse_invalid_numbers() -> None:
    """Formatting an invalid number raises ValidationError, not a library exception."""
    with pytest.raises(ValidationError) as caught:
        national_format("+1555")
    assert caught.value.field == "phone_number"
