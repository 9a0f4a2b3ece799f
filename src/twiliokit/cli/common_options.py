"""The options every Twilio command takes, given to a command by one decorator.

A command that runs a catalogue action declares only its own options and a keyword-only
``common: Common`` parameter; ``with_common_options`` adds ``--profile``, ``--config``,
``--base-url``, ``--json`` and ``--shape`` (and, for the commands that send, ``--db`` and
``--no-ledger`` first) after them, and hands the command the ``Common`` they make up::

    @calls_app.command("get")
    @with_common_options()
    def calls_get(sid: CallSid, *, common: Common) -> None:
        execute("get_call", {"sid": sid}, common, show=output.show_record)

typer reads a command's options from its signature, so the decorator gives the wrapper the
command's signature with ``common`` replaced by those options, in the order ``--help`` lists
them. (``twiliokit.cli.action_command`` builds whole commands from a table of options.)
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Final

import typer

from twiliokit.cli.runner import (
    BaseUrlOption,
    Common,
    ConfigOption,
    DbOption,
    JsonOption,
    NoLedgerOption,
    ProfileOption,
    ShapeOption,
)

__all__ = ["SendAt", "with_common_options"]

Command = Callable[..., None]

#: ``--send-at`` of the commands that send one message or place one call.
SendAt = Annotated[
    str | None,
    typer.Option(
        "--send-at",
        metavar="ISO-8601",
        help="Leave at this time instead of now (up to 35 days ahead; held in the ledger "
        "until a worker sends it), e.g. 2030-01-01T09:00:00Z.",
    ),
]

#: The options (the ``Common`` field, its annotation, its default) in ``--help`` order.
_LEDGER: Final = (("db", DbOption, None), ("no_ledger", NoLedgerOption, False))
_CONNECTION: Final = (
    ("profile", ProfileOption, None),
    ("config", ConfigOption, None),
    ("base_url", BaseUrlOption, None),
    ("as_json", JsonOption, False),
)
_SHAPE: Final = (("shape", ShapeOption, None),)


def with_common_options(
    *, ledger: bool = False, shape: bool = True
) -> Callable[[Command], Command]:
    """Give a command, which takes a keyword-only ``common: Common``, the options every
    Twilio command takes: ``--db`` and ``--no-ledger`` with ``ledger``, then ``--profile``,
    ``--config``, ``--base-url``, ``--json``, and ``--shape`` unless ``shape`` is false."""
    options = [*(_LEDGER if ledger else ()), *_CONNECTION, *(_SHAPE if shape else ())]

    def decorate(command: Command) -> Command:
        # Evaluated annotations: typer takes the wrapper's signature as it stands.
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "common"]
        added = [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind
            )
            for name, kind, default in options
        ]
        names = [name for name, _kind, _default in options]

        @functools.wraps(command)
        def wrapper(**values: Any) -> None:
            common = Common(**{name: values.pop(name) for name in names})
            command(**values, common=common)

        parameters = [*own, *added]
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate
