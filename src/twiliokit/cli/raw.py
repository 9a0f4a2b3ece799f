"""`twiliokit raw METHOD PATH`: any Twilio endpoint, through the catalogue's ``raw_request``.

The request gets the same routing (region, edge, ``--base-url``), authentication, retries and
errors as every other command.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.common_options import with_common_options
from twiliokit.cli.option_values import parse_json, parse_pairs
from twiliokit.cli.runner import Common, execute, given

__all__ = ["raw_command"]

Pairs = list[str] | None


def _pairs_option(name: str, short: str, what: str) -> Any:
    """A repeatable ``KEY=VALUE`` option (read by ``parse_pairs``), ``what`` it gives."""
    return typer.Option(name, short, metavar="KEY=VALUE", help=f"{what}; repeatable.")


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


@with_common_options()
def raw_command(
    method: Annotated[
        str, typer.Argument(metavar="METHOD", help="GET, POST, DELETE, ... (any case).")
    ],
    path: Annotated[
        str,
        typer.Argument(
            metavar="PATH",
            help="Path on the product's host, e.g. /2010-04-01/Accounts/{AccountSid}/Messages.json "
            "({AccountSid} is filled in), or a full https://*.twilio.com URL.",
        ),
    ],
    query: Annotated[Pairs, _pairs_option("--query", "-q", "Query parameter")] = None,
    data: Annotated[Pairs, _pairs_option("--data", "-d", "Form body parameter")] = None,
    json_body: Annotated[
        str | None,
        typer.Option("--json-body", metavar="JSON", help="A JSON request body instead of --data."),
    ] = None,
    header: Annotated[Pairs, _pairs_option("--header", "-H", "Extra header")] = None,
    product: Annotated[
        str | None,
        typer.Option(
            "--product",
            help="The product whose host serves PATH: api (default), messaging, verify, "
            "lookups, content, ...",
        ),
    ] = None,
    response_type: Annotated[
        str | None,
        typer.Option(
            "--response-type", help="json (default), text (TwiML, CSV) or binary (as base64)."
        ),
    ] = None,
    *,
    common: Common,
) -> None:
    """Call any Twilio REST endpoint and print the answer's body (the status goes to stderr)."""
    with output.errors_handled(as_json=common.as_json):
        arguments = given(
            {
                "method": method,
                "path": path,
                "query": parse_pairs(query, option="--query", field="query"),
                "data": parse_pairs(data, option="--data", field="data"),
                "headers": parse_pairs(header, option="--header", field="headers"),
                "json_body": parse_json(
                    json_body,
                    source="--json-body",
                    field="json_body",
                    hint='give a JSON document, e.g. --json-body \'{"FriendlyName": "demo"}\'',
                    position=" at column {column}",
                ),
                "product": product,
                "response_type": response_type,
            }
        )
    execute("raw_request", arguments, common, show=_show_response)
