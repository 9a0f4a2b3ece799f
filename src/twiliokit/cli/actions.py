"""`twiliokit actions list|schema|run`: the action catalogue from the command line.

``actions run NAME --args JSON`` runs any action exactly as an agent would (through
``invoke``) and prints its output JSON; ``actions schema`` prints tool definitions in the
formats LLM APIs take.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.common_options import with_common_options
from twiliokit.cli.completions import action_groups, action_names, output_shapes, schema_formats
from twiliokit.cli.option_values import parse_json
from twiliokit.cli.runner import Common, JsonOption, execute, shape_option
from twiliokit.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from twiliokit.actions.registry import Action, ActionRegistry

__all__ = ["actions_app", "parse_args_option"]

actions_app = typer.Typer(
    name="actions",
    help="The action catalogue: list it, export its tool schemas, run any action by name.",
    no_args_is_help=True,
)


def _side_effect(entry: dict[str, Any]) -> str:
    return str(entry["side_effect"])


@actions_app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """List every action: name, aliases, side effect and whether it can cost money."""
    with output.errors_handled(as_json=as_json):
        from twiliokit.actions import catalogue
        from twiliokit.actions.schema import describe

        entries = [describe(action) for action in catalogue()]
        if as_json:
            output.show_json(entries)
            return
        rows = [
            {
                "name": entry["name"],
                "aliases": ", ".join(entry["aliases"]) or None,
                "side effect": _side_effect(entry),
                "cost": "may cost money" if entry["costs_money"] else "free",
                "title": entry["title"],
            }
            for entry in entries
        ]
        output.show_rows(
            rows,
            ["name", "aliases", "side effect", "cost", "title"],
            empty="The catalogue is empty.",
            footer=f"{len(rows)} actions. Details: twiliokit actions schema NAME",
        )


@actions_app.command("schema")
def schema_command(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME",
            help="An action name or alias; omit for all.",
            autocompletion=action_names,
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            autocompletion=schema_formats,
            help="openai, anthropic, mcp or jsonschema (the catalogue entry with both schemas).",
        ),
    ] = "jsonschema",
    shape: Annotated[
        str | None,
        typer.Option(
            "--shape",
            metavar="NAME",
            autocompletion=output_shapes,
            help="Give the output schemas of this output shape: smythos, prismatic, books or "
            "sb-agent-hub (with --format jsonschema or mcp; see docs/shapes.md).",
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(
            "--only",
            metavar="NAME,...",
            help="Only these actions (names or aliases).",
            autocompletion=action_names,
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            metavar="GROUP,...",
            autocompletion=action_groups,
            help="Only the actions of these areas: messaging, voice, verify, lookup, numbers, "
            "ledger, outbox, raw.",
        ),
    ] = None,
) -> None:
    """Print the JSON tool definitions of one action, of a subset (--only, --group), or of
    the whole catalogue."""
    with output.errors_handled(as_json=False):
        from twiliokit.actions import catalogue
        from twiliokit.actions.invoke import find_action
        from twiliokit.actions.schema import FORMATS, export_action
        from twiliokit.actions.shapes import shaped_export

        # Checked here rather than with a click Choice so that the mistake is one plain line
        # naming the field, like every other input error.
        if fmt not in FORMATS:
            raise ValidationError(
                f"there is no schema format called {fmt!r}",
                field="format",
                hint=f"use one of: {', '.join(FORMATS)}",
            )
        chosen = shape_option(shape)
        if name is not None and (only is not None or group is not None):
            raise ValidationError(
                "NAME and --only/--group both choose actions: give one of them",
                field="only",
                hint="for several actions use --only NAME,NAME",
            )
        registry = catalogue()
        if name is None:
            entries = [export_action(action, fmt) for action in _selected(registry, only, group)]
            output.show_json(shaped_export(entries, fmt, chosen, registry))
        else:
            entry = export_action(find_action(registry, name), fmt)
            output.show_json(shaped_export([entry], fmt, chosen, registry)[0])


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _selected(
    registry: ActionRegistry, only: str | None, group: str | None
) -> list[Action[Any, Any]]:
    """The actions ``--only`` and ``--group`` choose (both: those in either), in catalogue
    order; every action when neither is given."""
    from twiliokit.actions.invoke import find_action

    if only is None and group is None:
        return list(registry)
    chosen: set[str] = set()
    if only is not None:
        names = _names(only)
        if not names:
            raise ValidationError(
                "--only names no action", field="only", hint="e.g. --only send_sms,list_messages"
            )
        chosen |= {find_action(registry, name).name for name in names}
    if group is not None:
        groups = sorted({action.group for action in registry})
        for wanted in _names(group) or [group]:
            if wanted not in groups:
                raise ValidationError(
                    f"there is no action group called {wanted!r}",
                    field="group",
                    hint=f"use one of: {', '.join(groups)}",
                )
            chosen |= {action.name for action in registry if action.group == wanted}
    return [action for action in registry if action.name in chosen]


#: The same choice for `twiliokit mcp --only/--group` (one vocabulary for both commands).
selected_actions = _selected


def parse_args_option(value: str) -> Any:
    """The JSON in ``--args``: inline, ``@path`` for a file, or ``-`` for stdin."""
    if value == "-":
        text, source = _utf8(sys.stdin.buffer.read, "-", "stdin"), "--args - (stdin)"
    elif value.startswith("@"):
        path = Path(value[1:]).expanduser()
        text, source = _utf8(path.read_bytes, value, "the file"), f"--args {value}"
    else:
        text, source = value, "--args"
    if not text.strip():
        return {}
    return parse_json(
        text,
        source=source,
        field="args",
        hint='pass a JSON object, e.g. --args \'{"to": "+14155552671", "body": "Hi"}\'',
        position=" at line {line} column {column}",
    )


def _utf8(read: Callable[[], bytes], value: str, what: str) -> str:
    """The text ``read`` answers (``what``: the file, stdin), refused naming ``--args
    value`` when it cannot be read or is not UTF-8."""
    try:
        return read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            reason = f"{what} is not UTF-8 text (byte {exc.start + 1} is not UTF-8)"
        else:
            reason = exc.strerror or str(exc)
        raise ValidationError(
            f"cannot read --args {value}: {reason}",
            field="args",
            hint="give --args @PATH to an existing UTF-8 JSON file, - for UTF-8 JSON on stdin, "
            "or inline JSON",
        ) from None


def _check_json_types(name: str, arguments: dict[str, Any]) -> None:
    """The JSON types the HTTP API and MCP hold ``--args`` to (``"limit": "20"`` is a string,
    not a number): the same arguments are taken or refused on every surface. An unknown
    action is left to the run, which suggests close names."""
    from twiliokit.actions import catalogue
    from twiliokit.server.json_types import check_argument_types

    action = catalogue().resolve(name)
    if action is not None:
        check_argument_types(action, arguments)


@actions_app.command("run")
@with_common_options(ledger=True)
def run_command(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="An action name or alias.", autocompletion=action_names
        ),
    ],
    args: Annotated[
        str,
        typer.Option(
            "--args",
            metavar="JSON",
            help="The arguments as a JSON object; @FILE reads them from a file, - from stdin.",
        ),
    ] = "{}",
    *,
    common: Common,
) -> None:
    """Run any action by name and print its output JSON (see `actions schema NAME`)."""
    with output.errors_handled(as_json=common.as_json):
        arguments = parse_args_option(args)
        if not isinstance(arguments, dict):
            from twiliokit.problem_words import json_kind  # the HTTP API's words

            raise ValidationError(
                f"--args must be a JSON object, not {json_kind(arguments)}",
                field="args",
                hint=f"see `twiliokit actions schema {name}` for the arguments it takes",
            )
        _check_json_types(name, arguments)
    # The output is JSON whether or not --json is given; --json makes errors JSON too.
    execute(name, arguments, common)
