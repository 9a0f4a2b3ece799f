"""Commands that only map their options onto one catalogue action, declared as a table.

Most Twilio commands take some options, hand them to an action under its argument names
(leaving out what the user did not give) and print the result. Written by hand, each option
is spelled three times: its parameter, its flag and its key in the arguments. Here each is
one ``Given`` (the action's argument, the typer annotation, how the value is read) and
``action_command`` makes the command from them::

    calls_app.command("list")(
        action_command(
            "list_calls",
            "List calls, newest first.",
            (option("--to", "Only calls to this number."), Given("limit", Limit)),
            show=output.list_view("calls", CALL_COLUMNS, empty="No calls."),
        )
    )

typer reads a command's parameters from its signature, so the command gets one built from
the table, in its order (which is the order ``--help`` lists them in), with the options
every Twilio command takes added after them by ``with_common_options``.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.models import ParameterInfo

from twiliokit.cli import output
from twiliokit.cli.common_options import Command, with_common_options
from twiliokit.cli.completions import action_choices
from twiliokit.cli.option_values import parse_json
from twiliokit.cli.runner import Common, execute, given

__all__ = [
    "REQUIRED",
    "Given",
    "Run",
    "Show",
    "action_command",
    "flag_name",
    "json_option",
    "option",
    "sid_commands",
]

#: The default of a parameter the user must give (a typer argument without a default).
REQUIRED: Any = inspect.Parameter.empty

#: How a command prints the action's output (its ``--json`` form aside).
Show = Callable[[dict[str, Any]], None]
#: What a command runs instead of the action with its arguments and options.
Run = Callable[[dict[str, Any], Common], None]


#: Python names of the keys that are keywords. ``from`` has always been ``sender`` here (and
#: errors that name ``sender`` say ``--from``).
_PYTHON_NAMES = {"from": "sender"}


@dataclass(frozen=True)
class Given:
    """One parameter of a command: the action argument it fills (``key``), its typer
    annotation, its default, ``read``, which turns the value typed into the argument's (errors
    it raises are reported like the action's own), and its Python ``name`` if not the key's
    (errors that name it name what the user typed)."""

    key: str
    annotation: Any
    default: Any = None
    read: Callable[[Any], Any] | None = None
    name: str | None = None

    @property
    def python_name(self) -> str:
        """The parameter's name in the command's signature."""
        name = self.name or self.key
        return _PYTHON_NAMES.get(name, name)

    def parameter(self) -> inspect.Parameter:
        """The parameter as typer reads it from the command's signature."""
        return inspect.Parameter(
            self.python_name,
            inspect.Parameter.KEYWORD_ONLY,
            default=self.default,
            annotation=self.annotation,
        )

    def completing(self, action: str) -> Given:
        """This parameter, its values completed from ``action``'s schema for its ``key``
        (unless it has a completer of its own)."""
        *_, info = typing.get_args(self.annotation) or (None,)
        if not isinstance(info, ParameterInfo) or info.autocompletion is not None:
            return self
        info = copy.copy(info)  # annotations may be shared by several commands
        info.autocompletion = action_choices(action, self.key)
        base = typing.get_args(self.annotation)[0]
        return dataclasses.replace(self, annotation=Annotated[base, info])

    def value(self, values: dict[str, Any]) -> Any:
        """The action argument from the values typer parsed."""
        typed = values[self.python_name]
        return typed if self.read is None else self.read(typed)


def flag_name(flag: str) -> str:
    """A flag spelled as an argument name: ``--time-limit``, ``time_limit``."""
    return flag.removeprefix("--").replace("-", "_")


def option(
    flag: str,
    help_text: str,
    *,
    key: str | None = None,
    kind: Any = str,
    metavar: str | None = None,
    read: Callable[[Any], Any] | None = None,
    **extra: Any,
) -> Given:
    """An optional ``flag`` giving a ``kind`` (left out when not given) to the action argument
    ``key``, by default the flag's name (``--time-limit``: ``time_limit``). ``key`` also names
    the parameter, so that errors naming the argument name this flag (``batch_id`` is
    ``--batch``); ``extra`` goes to ``typer.Option`` (e.g. ``show_default=False``)."""
    annotation = Annotated[
        kind | None, typer.Option(flag, metavar=metavar, help=help_text, **extra)
    ]
    name = key or flag_name(flag)
    return Given(name, annotation, read=read, name=name)


def json_option(
    flag: str, help_text: str, *, hint: str, position: str = "", key: str | None = None
) -> Given:
    """An optional ``flag`` taking a JSON document (``parse_json``: ``hint`` says how to fix
    invalid JSON, ``position`` where it broke) for the action argument ``key``, by default
    named like the flag. A ``key`` also names the parameter, so that errors naming the
    argument name this flag (``raw``'s ``json`` is ``--json-body``, not the output's
    ``--json``)."""
    field = key or flag_name(flag)
    read = functools.partial(parse_json, source=flag, field=field, hint=hint, position=position)
    return option(flag, help_text, key=field, metavar="JSON", read=read)


def action_command(
    action: str,
    help_text: str,
    params: Sequence[Given],
    *,
    show: Show | None = output.show_record,
    ledger: bool = False,
    run: Run | None = None,
) -> Command:
    """A command, described by ``help_text``, that runs ``action`` with the arguments
    ``params`` read (those the user gave) and prints the output with ``show``, or hands them
    to ``run`` instead; with ``ledger``, it also takes ``--db`` and ``--no-ledger``."""

    def command(*, common: Common, **values: Any) -> None:
        with output.errors_handled(as_json=common.as_json):
            arguments = given({param.key: param.value(values) for param in params})
        if run is None:
            execute(action, arguments, common, show=show)
        else:
            run(arguments, common)

    common = inspect.Parameter("common", inspect.Parameter.KEYWORD_ONLY, annotation=Common)
    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*(param.completing(action).parameter() for param in params), common]
    )
    command.__doc__ = help_text
    command.__name__ = command.__qualname__ = action
    return with_common_options(ledger=ledger)(command)


def sid_commands(app: typer.Typer, sid: Any, commands: Iterable[tuple[str, str, str]]) -> None:
    """Add to ``app`` one command per ``(command name, action, help)``, each taking the SID
    argument ``sid`` (an ``Annotated`` argument), running the action on it and printing the
    record."""
    for name, action, help_text in commands:
        app.command(name)(action_command(action, help_text, (Given("sid", sid, REQUIRED),)))
