"""`twiliokit raw METHOD PATH`: any Twilio endpoint, through the catalogue's ``raw_request``.

The request gets the same routing (region, edge, ``--base-url``), authentication, retries and
errors as every other command.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.runner import (
    BaseUrlOption,
    Common,
    ConfigOption,
    JsonOption,
    ProfileOption,
    ShapeOption,
    execute,
    given,
)
from twiliokit.errors import ValidationError

__all__ = ["parse_pairs", "raw_command"]

Pairs = list[str] | None


def parse_pairs(values: list[str] | None, *, option: str, field: str) -> dict[str, Any] | None:
    """``k=v`` options as a dict; a key given more than once collects its values in a list
    (Twilio's repeated parameters, e.g. ``MediaUrl``)."""
    if not values:
        return None
    pairs: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                f"{option} {item!r} is not KEY=VALUE",
                field=field,
                hint=f"write it as {option} Name=value, one per pair",
            )
        key = key.strip()
        if key in pairs:
            previous = pairs[key]
            pairs[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            pairs[key] = value
    return pairs


def _json_body(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"--json-body is not valid JSON: {exc.msg} at column {exc.colno}",
            field="json_body",
            hint='give a JSON document, e.g. --json-body \'{"FriendlyName": "demo"}\'',
        ) from None


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
    query: Annotated[
        Pairs,
        typer.Option("--query", "-q", metavar="KEY=VALUE", help="Query parameter; repeatable."),
    ] = None,
    data: Annotated[
        Pairs,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="Form body parameter; repeatable."),
    ] = None,
    json_body: Annotated[
        str | None,
        typer.Option("--json-body", metavar="JSON", help="A JSON request body instead of --data."),
    ] = None,
    header: Annotated[
        Pairs,
        typer.Option("--header", "-H", metavar="KEY=VALUE", help="Extra header; repeatable."),
    ] = None,
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
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
    shape: ShapeOption = None,
) -> None:
    """Call any Twilio REST endpoint and print the answer's body (the status goes to stderr)."""
    common = Common(profile=profile, config=config, base_url=base_url, as_json=as_json, shape=shape)
    with output.errors_handled(as_json=as_json):
        arguments = given(
            {
                "method": method,
                "path": path,
                "query": parse_pairs(query, option="--query", field="query"),
                "data": parse_pairs(data, option="--data", field="data"),
                "headers": parse_pairs(header, option="--header", field="headers"),
                "json_body": _json_body(json_body),
                "product": product,
                "response_type": response_type,
            }
        )
    execute("raw_request", arguments, common, show=_show_response)
