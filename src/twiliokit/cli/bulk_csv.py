"""A bulk send's recipients from a CSV file: a ``phone`` (or ``to``) column, every other column
a variable for the message's ``{placeholders}``.

::

    phone,first_name,code
    +14155552671,Ada,123456

The csv module reads it (quoting, embedded commas and newlines); this module finds the columns,
keeps each row's line number, and turns the action's errors about ``recipients[i]`` back into
the file's words: ``contacts.csv line 7, column first_name``, or ``contacts.csv has no column
last_name`` when the message uses a variable no column gives. No I/O beyond reading the file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from twiliokit.errors import ValidationError

__all__ = ["Contacts", "in_file_terms", "read_contacts", "rows_as_lines"]

#: Column names that hold the recipient, in order of preference (any case).
PHONE_COLUMNS: Final = ("phone", "to", "phone_number", "number")
_ROW_FIELD: Final = re.compile(r"recipients\[(\d+)\](?:\.(to)|\.variables(?:\.(\w+))?)?")
_ROW: Final = re.compile(r"recipients\[(\d+)\]")
_QUOTED_ROW_FIELD: Final = re.compile(r"'?" + _ROW_FIELD.pattern + "'?")
#: Separators other than the comma a spreadsheet may save with, as a hint names them.
_OTHER_SEPARATORS: Final = {";": "';'", "\t": "tabs", "|": "'|'"}


@dataclass(frozen=True, slots=True)
class Contacts:
    """The recipients read from a file, as send_bulk takes them."""

    path: Path
    phone_column: str
    recipients: list[dict[str, Any]]
    lines: list[int]
    """The file line each recipient starts on (a quoted value may span lines)."""
    columns: tuple[str, ...] = ()
    """The column names of the first line, as variables know them (spaces around removed)."""


def _column(fieldnames: list[str], path: Path) -> str:
    by_name = {name.strip().lower(): name for name in fieldnames if name}
    for wanted in PHONE_COLUMNS:
        if wanted in by_name:
            return by_name[wanted]
    shown = ", ".join(name for name in fieldnames if name) or "none"
    separator = next((mark for mark in _OTHER_SEPARATORS if mark in shown), None)
    hint = (
        f"The file looks separated by {_OTHER_SEPARATORS[separator]}, not commas: save it as "
        'comma-separated CSV (a spreadsheet\'s "CSV (comma delimited)").'
        if separator is not None
        else "Name the column of numbers 'phone' (or 'to') in the first line; the other "
        "columns become variables such as {first_name}."
    )
    raise ValidationError(
        f"{path.name} has no phone column (its columns: {shown})", field="contacts", hint=hint
    )


def read_contacts(path: Path) -> Contacts:
    """Read ``path``; a file that is missing, empty, without a phone column or not a
    well-formed CSV file (a column named twice, a line with more values than there are
    columns, an unterminated quote, a value too long to read) is a :class:`ValidationError`
    naming the file and the line: a bad file stops everything."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _read(csv.reader(handle, strict=True), path)
    except OSError as exc:
        raise ValidationError(
            f"cannot read {path}: {exc.strerror or 'unreadable'}",
            field="contacts",
            hint="Give the path of a CSV file that exists and you may read.",
        ) from None
    except UnicodeDecodeError:
        raise ValidationError(
            f"{path.name} is not a CSV file in UTF-8",
            field="contacts",
            hint=_SAVE_AS_CSV,
        ) from None


_SAVE_AS_CSV: Final = "Save it as CSV (UTF-8) from your spreadsheet, first line the column names."


class _Rows(Protocol):
    """A ``csv.reader``: rows of values, and the number of lines read so far."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...
    def __next__(self) -> list[str]: ...


def _read(reader: _Rows, path: Path) -> Contacts:
    """The contacts of the rows ``reader`` (a strict ``csv.reader``) gives, line by line."""
    start = 1  # the line the next record starts on (a quoted value may span lines)
    try:
        fieldnames: list[str] = next(reader, [])
        start = reader.line_num + 1
        if not fieldnames:
            raise ValidationError(
                f"{path.name} is empty",
                field="contacts",
                hint="Give a CSV file whose first line names the columns: phone,first_name",
            )
        _refuse_repeated_columns(fieldnames, path)
        phone = _column(fieldnames, path)
        recipients: list[dict[str, Any]] = []
        lines: list[int] = []
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(value.strip() for value in values):
                continue  # a blank line
            if any(extra.strip() for extra in values[len(fieldnames) :]):
                # Empty extras (a trailing comma) lose nothing; a value would be dropped.
                raise _too_many_values(path, line, len(values), fieldnames)
            row = dict(zip(fieldnames, values, strict=False))
            to = (row.get(phone) or "").strip()
            variables = {
                key.strip(): value.strip()
                for key, value in row.items()
                if key and key != phone and value.strip()
            }
            recipients.append({"to": to, "variables": variables})
            lines.append(line)
    except csv.Error as exc:
        raise _malformed(path, start, str(exc)) from None
    if not recipients:
        raise ValidationError(
            f"{path.name} has no recipients, only its first line",
            field="contacts",
            hint="Add one line per recipient under the column names.",
        )
    _refuse_too_many(len(recipients), path)
    columns = tuple(name.strip() for name in fieldnames if name.strip())
    return Contacts(
        path=path, phone_column=phone, recipients=recipients, lines=lines, columns=columns
    )


def _refuse_too_many(count: int, path: Path) -> None:
    """Refuse more recipients than one bulk send takes, in the file's terms."""
    from twiliokit.actions.bulk_send import MAX_RECIPIENTS

    if count > MAX_RECIPIENTS:
        raise ValidationError(
            f"{path.name} has {count:,} recipients, and a bulk send takes at most "
            f"{MAX_RECIPIENTS:,}",
            field="contacts",
            hint=f"Split it into files of at most {MAX_RECIPIENTS:,} recipients, each "
            "starting with the line of column names, and send each one.",
        )


def _refuse_repeated_columns(fieldnames: list[str], path: Path) -> None:
    """Refuse two columns of one name (any case, spaces around it ignored): which one holds
    the number, or fills a variable, would be a guess."""
    seen: dict[str, str] = {}
    for name in fieldnames:
        key = name.strip().casefold()
        if not key:
            continue
        if key in seen:
            first, second = seen[key], name.strip()
            what = (
                f"the column {first!r} is named twice"
                if first == second
                else f"the columns {first!r} and {second!r} have the same name"
            )
            raise ValidationError(
                f"{path.name} line 1: {what}",
                field="contacts",
                hint="Give each column its own name in the first line (or delete the extra "
                "column).",
            )
        seen[key] = name.strip()


def _too_many_values(path: Path, line: int, count: int, fieldnames: list[str]) -> ValidationError:
    columns = ", ".join(name.strip() or "(unnamed)" for name in fieldnames)
    return ValidationError(
        f"{path.name} line {line}: {count} values, but the first line names "
        f"{len(fieldnames)} columns ({columns})",
        field="contacts",
        hint='Put a value that holds a comma in double quotes ("Smith, Ada"), or name the '
        "extra column in the first line.",
    )


def _malformed(path: Path, line: int, reason: str) -> ValidationError:
    """The csv module's complaint about the record starting on ``line``, in plain words."""
    if "field larger than field limit" in reason:
        from twiliokit.actions.inputs import MAX_BODY

        limit = csv.field_size_limit()
        return ValidationError(
            f"{path.name} line {line}: a value is over {limit:,} characters, far longer than "
            f"a message can be (Twilio's limit is {MAX_BODY:,} characters)",
            field="contacts",
            hint="Shorten the values on that line (check for a quote that is never closed, "
            "which runs a value on to the end of the file).",
        )
    if "unexpected end of data" in reason:
        return ValidationError(
            f'{path.name} line {line}: a value opens a quote (") that is never closed',
            field="contacts",
            hint='Close the quote on that line, or double a quote inside a quoted value ("").',
        )
    if "expected after" in reason:
        return ValidationError(
            f"{path.name} line {line}: a quoted value has more text after its closing quote",
            field="contacts",
            hint='Put the whole value in the quotes, and double a quote inside it ("").',
        )
    if "NUL" in reason:
        return ValidationError(
            f"{path.name} line {line}: the file holds NUL bytes, so it is not a text CSV file",
            field="contacts",
            hint=_SAVE_AS_CSV,
        )
    return ValidationError(
        f"{path.name} line {line}: not a well-formed CSV line",
        field="contacts",
        hint=_SAVE_AS_CSV,
    )


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
    if column and contacts.columns and column not in contacts.columns:
        return _no_such_column(column, contacts)
    where = f"{contacts.path.name} line {contacts.lines[row]}"
    if column:
        where += f", column {column}"
    message = _QUOTED_ROW_FIELD.sub(_in_words, error.message)
    return ValidationError(
        f"{where}: {message}",
        field=column or "contacts",
        hint=_file_hint(error.hint, column, contacts),
    )


def _no_such_column(column: str, contacts: Contacts) -> ValidationError:
    """The message uses ``{column}`` and the file has no such column: no line can fill it."""
    return ValidationError(
        f"{contacts.path.name} has no column {column}, which the message uses as "
        f"{{{column}}} (its columns: {', '.join(contacts.columns)})",
        field="contacts",
        hint=f"Add a {column} column to the file, or drop {{{column}}} from --body "
        "(a column's name is its variable's, in the same case).",
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
