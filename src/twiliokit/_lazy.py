"""Names a module exports but imports only when first used (a PEP 562 module ``__getattr__``),
so that importing the module stays cheap: the package face, :mod:`twiliokit.resources` and
each resource module (whose models load pydantic) use it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_face", "lazy_getattr"]


def lazy_getattr(
    owner: str, homes: Mapping[str, str], *, keep: dict[str, Any] | None = None
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the module ``owner``: ``name`` is imported from the module
    ``homes[name]`` (absolute, or, starting with a dot, relative to ``owner`` as a package) on
    first use, and stored in ``keep`` (the module's ``globals()``) when given, so that the next
    lookup finds it directly. Any other name is an ``AttributeError``, as for any module."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, owner), name)
        if keep is not None:
            keep[name] = value
        return value

    return __getattr__


def lazy_face(
    namespace: dict[str, Any], homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package face whose ``globals()`` are
    ``namespace``: each public name is imported from ``homes[name]`` on first use and kept;
    ``dir()`` lists the face's ``__all__``."""
    exported = sorted(namespace["__all__"])
    return lazy_getattr(namespace["__name__"], homes, keep=namespace), exported.copy
