"""Reading a bulk send's CSV file, and saying the action's errors in the file's terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from twiliokit.cli.bulk_csv import in_file_terms, read_contacts, rows_as_lines
from twiliokit.errors import ValidationError


def test_a_spreadsheet_export_is_read_with_line_numbers(tmp_path: Path) -> None:
    """A BOM, a capitalised 'Phone' column, blank lines, quoted commas and empty cells."""
    path = tmp_path / "contacts.csv"
    text = '\ufeffPhone,first_name,note\r\n+14155550101,Ada,"a, b"\r\n\r\n+14155550102,,\r\n'
    path.write_text(text, encoding="utf-8")
    contacts = read_contacts(path)
    assert contacts.phone_column == "Phone"
    assert contacts.recipients == [
        {"to": "+14155550101", "variables": {"first_name": "Ada", "note": "a, b"}},
        {"to": "+14155550102", "variables": {}},
    ]
    assert contacts.lines == [2, 4]


def _no_value(row: int, name: str) -> ValidationError:
    """send_bulk's error for a recipient without a value for ``{name}``."""
    return ValidationError(
        f"'recipients[{row}]' has no value for {{{name}}}, which the message uses",
        field=f"recipients[{row}].variables.{name}",
        hint="...",
    )


def test_errors_about_a_row_name_its_line_and_column(tmp_path: Path) -> None:
    """recipients[1].variables.first_name becomes line 4, column first_name; rows become lines."""
    path = tmp_path / "contacts.csv"
    path.write_text("phone,first_name\n+14155550101,Ada\n\n+14155550102,\n", encoding="utf-8")
    contacts = read_contacts(path)
    said = in_file_terms(_no_value(1, "first_name"), contacts)
    assert said.message == (
        "contacts.csv line 4, column first_name: this row has no value for {first_name}, "
        "which the message uses"
    )
    assert said.field == "first_name"
    number = ValidationError(
        "'recipients[0].to' is not a valid phone number: 'x'.", field="recipients[0].to"
    )
    assert in_file_terms(number, contacts).message.startswith(
        "contacts.csv line 2, column phone: the number is not a valid phone number"
    )
    other = ValidationError("'body' is too long", field="body")
    assert in_file_terms(other, contacts) is other
    reason = "+14155550102 is listed earlier, as recipients[0]: it gets one message"
    assert rows_as_lines(reason, contacts) == reason.replace("recipients[0]", "line 2")


def test_a_variable_no_column_gives_names_the_file_and_its_columns(tmp_path: Path) -> None:
    """{last_name} in a file without that column: the file lacks it, not a line its value."""
    path = tmp_path / "contacts.csv"
    path.write_text("phone, first_name\n+14155550101,Ada\n", encoding="utf-8")
    contacts = read_contacts(path)
    said = in_file_terms(_no_value(0, "last_name"), contacts)
    assert said.message == (
        "contacts.csv has no column last_name, which the message uses as {last_name} (its "
        "columns: phone, first_name)"
    )
    assert said.field == "contacts"
    assert said.hint is not None
    assert said.hint.startswith("Add a last_name column to the file, or drop {last_name}")


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "is empty"), ("name\nAda\n", "no phone column"), ("phone\n", "no recipients")],
)
def test_unusable_files_are_refused_naming_the_file(tmp_path: Path, text: str, words: str) -> None:
    """Empty, no phone column, no recipients, missing: a ValidationError naming the file."""
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=words):
        read_contacts(path)
    with pytest.raises(ValidationError, match="cannot read"):
        read_contacts(tmp_path / "missing.csv")
