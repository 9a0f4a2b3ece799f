"""`twiliokit lookup NUMBER`: Twilio Lookup v2 through the catalogue's ``lookup_phone_number``."""

from __future__ import annotations

from typing import Annotated

import typer

from twiliokit.cli import output
from twiliokit.cli.common_options import with_common_options
from twiliokit.cli.runner import Common, execute, given

__all__ = ["lookup_command"]


@with_common_options()
def lookup_command(
    phone_number: Annotated[
        str,
        typer.Argument(
            metavar="NUMBER",
            help="The number to look up, in E.164 (or national, with --country-code).",
        ),
    ],
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            "-f",
            metavar="FIELD",
            help="Extra data package, e.g. line_type_intelligence or caller_name (may cost "
            "money); repeatable.",
        ),
    ] = None,
    country_code: Annotated[
        str | None,
        typer.Option(
            "--country-code", metavar="CC", help="Country of a national-format NUMBER, e.g. GB."
        ),
    ] = None,
    *,
    common: Common,
) -> None:
    """Validate and format a phone number; with --field, fetch line type, caller name, ..."""
    arguments = given(
        {"phone_number": phone_number, "country_code": country_code, "fields": fields}
    )
    execute("lookup_phone_number", arguments, common, show=output.show_record)
