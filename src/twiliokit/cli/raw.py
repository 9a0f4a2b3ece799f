"""`twiliokit raw METHOD PATH`: any Twilio endpoint, through the catalogue's ``raw_request``.

The request gets the same routing (region, edge, ``--base-url``), authentication, retries and
errors as every other command.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.action_command import (
    REQUIRED,
    Given,
    action_command,
    flag_name,
    json_option,
    option,
)
from twiliokit.cli.option_values import parse_pairs

__all__ = ["raw_command"]


def _pairs(key: str, flag: str, short: str, what: str) -> Given:
    """A repeatable ``KEY=VALUE`` option (read by ``parse_pairs``), ``what`` it gives."""
    return Given(
        key,
        Annotated[
            list[str] | None,
            typer.Option(flag, short, metavar="KEY=VALUE", help=f"{what}; repeatable."),
        ],
        read=functools.partial(parse_pairs, option=flag, field=key),
        name=flag_name(flag),
    )


def _show_response(result: dict[str, Any]) -> None:
    # The status goes to stderr so that stdout is the body alone, ready for a pipe.
    typer.echo(f"HTTP {result['status_code']}", err=True)
    body = result["data"]
    if body is None:
        return
    if isinstance(body, str):
        typer.echo(body)
    else:
        output.show_json(body)


raw_command = action_command(
    "raw_request",
    "Call any Twilio REST endpoint and print the answer's body (the status goes to stderr).",
    (
        Given(
            "method",
            Annotated[
                str, typer.Argument(metavar="METHOD", help="GET, POST, DELETE, ... (any case).")
            ],
            REQUIRED,
        ),
        Given(
            "path",
            Annotated[
                str,
                typer.Argument(
                    metavar="PATH",
                    help="Path on the product's host, e.g. "
                    "/2010-04-01/Accounts/{AccountSid}/Messages.json "
                    "({AccountSid} is filled in), or a full https://*.twilio.com URL.",
                ),
            ],
            REQUIRED,
        ),
        _pairs("query", "--query", "-q", "Query parameter"),
        _pairs("data", "--data", "-d", "Form body parameter"),
        json_option(
            "--json-body",
            "A JSON request body instead of --data.",
            hint='give a JSON document, e.g. --json-body \'{"FriendlyName": "demo"}\'',
            position=" at column {column}",
            key="json",
        ),
        _pairs("headers", "--header", "-H", "Extra header"),
        option(
            "--product",
            "The product whose host serves PATH: api (default), messaging, verify, lookups, "
            "content, ...",
        ),
        option("--response-type", "json (default), text (TwiML, CSV) or binary (as base64)."),
    ),
    show=_show_response,
)
