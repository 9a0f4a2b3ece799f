"""A bulk send's pure pieces: the body template, recipients' addresses and the per-range number
facts they are judged by."""

from __future__ import annotations

import pytest

from twiliokit.actions.bulk_recipients import BodyTemplate, recipient_address
from twiliokit.errors import ValidationError
from twiliokit.number_ranges import number_facts
from twiliokit.phone import is_valid_e164, region_of


def test_a_template_fills_each_placeholder_and_keeps_literal_braces() -> None:
    """{name} is filled from the variables (numbers as text); {{ and }} stay literal braces."""
    template = BodyTemplate.parse("Hi {first_name}, {{code}}: {code} ({first_name})")
    assert template.names == ("first_name", "code")
    assert template.render({"first_name": "Ada", "code": 42}, row=0) == "Hi Ada, {code}: 42 (Ada)"


@pytest.mark.parametrize("body", ["{0.__class__}", "{a[0]}", "{a!r}", "{a:>9}", "{}", "x {", "}"])
def test_a_template_reaching_into_objects_or_unbalanced_is_refused(body: str) -> None:
    """Only plain names are placeholders: attribute access, indexing and formats are refused."""
    with pytest.raises(ValidationError) as refused:
        BodyTemplate.parse(body)
    assert refused.value.field == "body"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({}, "recipients[7].variables.first_name"),
        ({"first_name": ["Ada"]}, "recipients[7].variables.first_name"),
        ({"first_name": True}, "recipients[7].variables.first_name"),
    ],
)
def test_a_missing_or_nested_variable_names_the_row(
    variables: dict[str, object], field: str
) -> None:
    """A missing, nested or boolean value is refused naming recipients[row].variables.NAME."""
    with pytest.raises(ValidationError) as refused:
        BodyTemplate.parse("Hi {first_name}").render(variables, row=7)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("raw", "whatsapp", "expected"),
    [
        ("+14155552671", False, "+14155552671"),
        ("+1 415-555-2671", False, "+14155552671"),
        ("+14155552671", True, "whatsapp:+14155552671"),
        ("whatsapp:+14155552671", True, "whatsapp:+14155552671"),
    ],
)
def test_recipients_are_given_as_sent(raw: str, whatsapp: bool, expected: str) -> None:
    """E.164 passes as is, human spellings are normalised, WhatsApp gets its prefix."""
    assert recipient_address(raw, row=0, whatsapp=whatsapp) == expected


@pytest.mark.parametrize(
    ("raw", "whatsapp"),
    [("+1415", False), ("12345", False), ("whatsapp:+14155552671", False), (None, False)],
)
def test_bad_recipients_name_their_row(raw: object, whatsapp: bool) -> None:
    """Too short, a short code, WhatsApp in an SMS batch, not text: refused naming the row."""
    with pytest.raises(ValidationError) as refused:
        recipient_address(raw, row=3, whatsapp=whatsapp)
    assert refused.value.field == "recipients[3].to"


@pytest.mark.parametrize(
    "number",
    [
        "+14155552671",
        "+16135550123",
        "+442079460000",
        "+61291234567",
        "+15005550006",
        "+19995550000",
    ],
)
def test_number_facts_agree_with_libphonenumber(number: str) -> None:
    """The cached per-range facts say what parsing the number itself says."""
    facts = number_facts(number)
    assert facts.valid == is_valid_e164(number)
    assert facts.region == region_of(number)
