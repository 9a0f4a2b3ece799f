"""A bulk send's recipients from a CSV file: a ``phone`` (or ``to``) column, every other column
a variable for the message's ``{placeholders}``.

::

    phone,first_name,code
    +14155552671,Ada,123456

The csv module reads it (quoting, embedded commas and newlines); this module finds the columns,
keeps each row's line number, and turns the action's errors about ``recipients[i]`` back into
the file's words: ``contacts.csv line 7, column first_name``. No I/O beyond reading the file.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from twiliokit.errors import ValidationError

__all__ = ["Contacts", "in_file_terms", "read_contacts", "rows_as_lines"]

#: Column names that hold the recipient, in order of preference (any case).
PHONE_COLUMNS: Final = ("phone", "to", "phone_number", "number")
_ROW_FIELD: Final = re.compile(r"recipients\[(\d+)\](?:\.(to)|\.variables(?:\.(\w+))?)?")
_ROW: Final = re.compile(r"recipients\[(\d+)\]")
_QUOTED_ROW_FIELD: Final = re.compile(r"'?" + _ROW_FIELD.pattern + "'?")


@dataclass(frozen=True, slots=True)
class Contacts:
    """The recipients read from a file, as send_bulk takes them."""

    path: Path
    phone_column: str
    recipients: list[dict[str, Any]]
    lines: list[int]
    """The file line each recipient ends on (for error messages)."""


def _column(fieldnames: list[str], path: Path) -> str:
    by_name = {name.strip().lower(): name for name in fieldnames if name}
    for wanted in PHONE_COLUMNS:
        if wanted in by_name:
            return by_name[wanted]
    shown = ", ".join(name for name in fieldnames if name) or "none"
    raise ValidationError(
        f"{path.name} has no phone column (its columns: {shown})",
        field="contacts",
        hint="Name the column of numbers 'phone' (or 'to') in the first line; the other "
        "columns become variables such as {first_name}.",
    )


def read_contacts(path: Path) -> Contacts:
    """Read ``path``; a missing file, an empty one or one without a phone column is a
    :class:`ValidationError` naming the file."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fieldnames = list(reader.fieldnames or [])
            if not fieldnames:
                raise ValidationError(
                    f"{path.name} is empty",
                    field="contacts",
                    hint="Give a CSV file whose first line names the columns: phone,first_name",
                )
            phone = _column(fieldnames, path)
            recipients: list[dict[str, Any]] = []
            lines: list[int] = []
            for row in reader:
                to = (row.get(phone) or "").strip()
                if not to and not any((value or "").strip() for value in row.values()):
                    continue  # a blank line
                variables = {
                    key.strip(): value.strip()
                    for key, value in row.items()
                    if key and key != phone and isinstance(value, str) and value.strip()
                }
                recipients.append({"to": to, "variables": variables})
                lines.append(reader.line_num)
    except OSError as exc:
        raise ValidationError(
            f"cannot read {path}: {exc.strerror or 'unreadable'}",
            field="contacts",
            hint="Give the path of a CSV file that exists and you may read.",
        ) from None
    except (UnicodeDecodeError, csv.Error):
        raise ValidationError(
            f"{path.name} is not a CSV file in UTF-8",
            field="contacts",
            hint="Save it as CSV (UTF-8) from your spreadsheet, first line the column names.",
        ) from None
    if not recipients:
        raise ValidationError(
            f"{path.name} has no recipients, only its first line",
            field="contacts",
            hint="Add one line per recipient under the column names.",
        )
    return Contacts(path=path, phone_column=phone, recipients=recipients, lines=lines)


def in_file_terms(error: ValidationError, contacts: Contacts) -> ValidationError:
    """The action's error about ``recipients[i]`` (a number, a variable) said in the file's
    terms: its line and column. Other errors are returned as they are."""
    match = _ROW_FIELD.search(error.field or "") or _ROW_FIELD.search(error.message)
    if match is None:
        return error
    row = int(match.group(1))
    if row >= len(contacts.lines):
        return error
    column = contacts.phone_column if match.group(2) else match.group(3)
    where = f"{contacts.path.name} line {contacts.lines[row]}"
    if column:
        where += f", column {column}"
    message = _QUOTED_ROW_FIELD.sub(_in_words, error.message)
    return ValidationError(
        f"{where}: {message}",
        field=column or "contacts",
        hint=_file_hint(error.hint, column, contacts),
    )


def rows_as_lines(text: str, contacts: Contacts) -> str:
    """``text`` with each ``recipients[i]`` said as the file's ``line N``."""

    def line(match: re.Match[str]) -> str:
        row = int(match.group(1))
        return f"line {contacts.lines[row]}" if row < len(contacts.lines) else match.group(0)

    return _ROW.sub(line, text)


def _in_words(match: re.Match[str]) -> str:
    """``'recipients[3].to'`` -> ``the number``; ``recipients[3]`` -> ``this row``."""
    return "the number" if match.group(2) else "this row"


def _file_hint(hint: str | None, column: str | None, contacts: Contacts) -> str | None:
    if column is None or column == contacts.phone_column or hint is None:
        return hint
    return f"Fill in the {column} column on every line, or drop {{{column}}} from --body."
