"""A :class:`Shape`: how one platform's answers look, as data (one spec per action it has)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from twiliokit.actions.shapes.engine import (
    STYLES,
    Schema,
    Spec,
    apply,
    restyle,
    restyle_schema,
    schema_of,
)

__all__ = ["Shape"]


@dataclass(frozen=True)
class Shape:
    """One output shape.

    ``actions`` maps a canonical action name to the spec of its answer, for the actions the
    platform has. Every other action answers in the default shape with its keys renamed to
    ``style``, inside ``envelope`` when the platform wraps every answer (Prismatic's
    ``{"data": ...}``).
    """

    name: str
    platform: str
    #: Where the platform's answers are documented (the seed this shape follows).
    source: str
    style: str = "snake_case"
    envelope: str | None = None
    actions: Mapping[str, Spec] = field(default_factory=dict)
    #: Per action, what someone moving a workflow should know (shown in docs/shapes.md).
    notes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"{self.name}: unknown naming style {self.style!r}")

    @property
    def is_default(self) -> bool:
        """Whether answers are the catalogue's own, unchanged."""
        return not self.actions and self.style == "snake_case" and self.envelope is None

    def maps(self, action_name: str) -> bool:
        """Whether the platform has this action (else it falls back to the default shape)."""
        return action_name in self.actions

    def answer(
        self, action_name: str, output: dict[str, Any], schema: Callable[[], Schema]
    ) -> dict[str, Any]:
        """The platform's answer for ``output``, the default output of ``action_name``
        (``schema()`` gives that output's JSON Schema, needed only to rename the keys of an
        action the platform does not have: building it costs a few milliseconds)."""
        if self.is_default:
            return output
        spec = self.actions.get(action_name)
        if spec is not None:
            shaped = apply(spec, output)
            if not isinstance(shaped, dict):  # a spec for a whole answer is an Obj
                raise TypeError(f"{self.name}: the spec of {action_name} must give an object")
            return shaped
        renamed = restyle(output, schema(), STYLES[self.style])
        return {self.envelope: renamed} if self.envelope else renamed

    def schema(self, action_name: str, schema: Schema) -> Schema:
        """The JSON Schema of :meth:`answer`'s result, from the default output's schema."""
        if self.is_default:
            return schema
        spec = self.actions.get(action_name)
        if spec is not None:
            result = schema_of(spec, schema)
        else:
            result = restyle_schema(schema, STYLES[self.style])
            if self.envelope:
                result = {
                    "type": "object",
                    "properties": {self.envelope: result},
                    "required": [self.envelope],
                }
        return {
            "title": f"{action_name} ({self.name} shape)",
            **{key: value for key, value in result.items() if key != "title"},
        }
