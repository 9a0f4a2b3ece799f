"""What ``--help`` shows beside an option: the kind of value it takes, in words, not Python's.

typer (0.29) labels each value with its Python annotation: ``<str>``, ``<int range>``,
``<list[str]>``, even ``<bool>`` beside a flag that takes no value at all. The help here says
``TEXT``, ``INTEGER``, ``NUMBER``, ``FILE`` (an option's own ``metavar``, such as ``URL`` or
``AC...``, wins), nothing beside a flag, and nothing beside an argument, whose name (``TO``,
``BODY``) already stands in that place. A range keeps typer's ``[x>=1]`` after the word.

typer has no setting for these labels: :func:`use_plain_types` replaces the one method its
help reads them from (``display_type_rich``) on its option and argument classes, once, when
the command line app is built. Only the help's wording changes; parsing is untouched.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, Final

from typer.core import TyperArgument, TyperOption

__all__ = ["plain_type", "use_plain_types"]

#: A value's word by its Python type.
_WORDS: Final[dict[type, str]] = {str: "TEXT", int: "INTEGER", float: "NUMBER"}
#: A path's word by what it may name (typer's ``file_okay``/``dir_okay``).
_PATH_WORDS: Final = {"file": "FILE", "dir": "DIR", "path": "PATH"}


def plain_type(param: Any) -> str | None:
    """The word ``--help`` shows for the value ``param`` (a typer option or argument) takes;
    ``None`` where nothing is shown (a flag, an argument)."""
    if isinstance(param, TyperArgument):
        return None
    if param.metavar is not None:
        return str(param.metavar)
    if getattr(param, "is_flag", False):
        return None
    described = param.type_descriptor
    if described.is_choice and described.choices is not None:
        word = "|".join(str(getattr(choice, "value", choice)) for choice in described.choices)
    elif described.is_path:
        word = _PATH_WORDS.get(described.path_type, "PATH")
    elif described.is_datetime:
        word = "DATETIME"
    else:
        word = _word(described.annotation)
    return f"{word}..." if param.nargs != 1 else word


def _word(annotation: Any) -> str:
    """The word for ``annotation``: its element's for a list (a repeatable option)."""
    arguments = getattr(annotation, "__args__", None)
    if getattr(annotation, "__origin__", None) is list and arguments:
        return _word(arguments[0])
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return "PATH"
    if isinstance(annotation, type):
        for kind, word in _WORDS.items():
            if issubclass(annotation, kind):
                return word
    return "VALUE"


def _display(self: Any, ctx: Any) -> str | None:
    return plain_type(self)


def use_plain_types() -> None:
    """Make ``--help`` show :func:`plain_type`'s words (idempotent)."""
    TyperOption.display_type_rich = _display  # type: ignore[method-assign]
    TyperArgument.display_type_rich = _display  # type: ignore[method-assign]
