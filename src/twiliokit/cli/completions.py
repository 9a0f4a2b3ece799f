"""Shell completion of option values: the values an option takes, offered as the user types.

typer calls an option's ``autocompletion`` with what has been typed of the value. Fixed sets
(``--format``, ``--shape``, ``completion SHELL``) are listed here; an action command's options
take the choices of the action's argument from its JSON Schema (``enum``), read only when the
shell asks, so that running a command never loads the catalogue for it. An option with no
fixed choices completes nothing, as it did before (the shell may then offer file names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "Completer",
    "action_choices",
    "action_groups",
    "action_names",
    "choices",
    "one_of",
    "output_shapes",
    "schema_formats",
]

#: What typer calls: the value typed so far -> the values it may become.
Completer = Callable[[str], list[str]]


def one_of(values: Callable[[], Iterable[str]], *, many: bool = False) -> Completer:
    """A completer offering ``values()`` that start with what was typed; with ``many``, a
    comma-separated list (``--group messaging,vo``) completes its last item."""

    def complete(incomplete: str) -> list[str]:
        done, comma, last = incomplete.rpartition(",") if many else ("", "", incomplete)
        return [done + comma + value for value in values() if value.startswith(last)]

    return complete


def choices(*values: str, many: bool = False) -> Completer:
    """A completer for an option taking one of ``values`` (or, with ``many``, a list)."""
    return one_of(lambda: values, many=many)


def action_choices(action: str, key: str) -> Completer:
    """A completer for the option that fills ``action``'s argument ``key``: the values its
    JSON Schema allows (``enum``), none when it allows any."""

    def values() -> list[str]:
        from twiliokit.actions import catalogue
        from twiliokit.actions.schema import input_schema

        found = catalogue().resolve(action)
        if found is None:
            return []
        return _enum(input_schema(found).get("properties", {}).get(key, {}))

    return one_of(values)


def _groups() -> list[str]:
    from twiliokit.actions import catalogue

    return sorted({action.group for action in catalogue()})


def _names() -> list[str]:
    from twiliokit.actions import catalogue

    return catalogue().names()


def _formats() -> Iterable[str]:
    from twiliokit.actions.schema import FORMATS

    return FORMATS


def _shapes() -> Iterable[str]:
    from twiliokit.actions.shapes import SHAPE_NAMES

    return SHAPE_NAMES


#: ``actions schema --format``: openai, anthropic, mcp, jsonschema.
schema_formats: Completer = one_of(_formats)
#: ``--shape``: the output shapes of other platforms (and twiliokit's own).
output_shapes: Completer = one_of(_shapes)
#: ``--group GROUP,...``: the catalogue's areas (messaging, voice, ...).
action_groups: Completer = one_of(_groups, many=True)
#: ``--only NAME,...`` and an action's NAME.
action_names: Completer = one_of(_names, many=True)


def _enum(node: Any) -> list[str]:
    """The string values a schema node allows: its ``enum``, its items' (a list argument), or
    those of the branches of ``anyOf``/``oneOf`` (an optional argument)."""
    if not isinstance(node, dict):
        return []
    if isinstance(node.get("enum"), list):
        return [value for value in node["enum"] if isinstance(value, str)]
    found = _enum(node.get("items"))
    for branch in (*node.get("anyOf", ()), *node.get("oneOf", ())):
        found += _enum(branch)
    return found
