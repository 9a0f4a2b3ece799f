"""Output shapes: the same action answering the way another platform's Twilio component does.

A workflow built on SmythOS, Prismatic, the "Books" platform or SB Agent Hub reads that
platform's field names; with ``shape=NAME`` (``--shape`` on the CLI, ``?shape=`` over HTTP)
twiliokit answers in them, so moving the workflow needs no remapping. ::

    await invoke("send_sms", {"to": ..., "body": ...}, context=ctx, shape="sb-agent-hub")
    # {"messageSid": "SM...", "status": "queued", "dateCreated": "2025-01-15T10:30:00Z"}

Each shape is data (one module per platform, a mapping per action it has) read by a small
pure engine (:mod:`twiliokit.actions.shapes.engine`). Actions a platform does not have answer
in the default shape under the platform's naming style. ``twiliokit`` (the default) is the
catalogue's own output, unchanged. See docs/shapes.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twiliokit.actions.shapes.books import BOOKS
from twiliokit.actions.shapes.model import Shape
from twiliokit.actions.shapes.prismatic import PRISMATIC
from twiliokit.actions.shapes.sb_agent_hub import SB_AGENT_HUB
from twiliokit.actions.shapes.smythos import SMYTHOS
from twiliokit.errors import ValidationError

if TYPE_CHECKING:
    from twiliokit.actions.registry import Action, ActionRegistry

__all__ = [
    "DEFAULT_SHAPE",
    "SHAPES",
    "SHAPE_NAMES",
    "Shape",
    "get_shape",
    "shape_output",
    "shaped_export",
    "shaped_output_schema",
]

#: The default: the catalogue's own output.
DEFAULT_SHAPE = "twiliokit"

TWILIOKIT = Shape(
    name=DEFAULT_SHAPE, platform="twiliokit", source="the action catalogue (docs/actions.md)"
)

#: Every shape by name, the default first.
SHAPES: dict[str, Shape] = {
    shape.name: shape for shape in (TWILIOKIT, SMYTHOS, PRISMATIC, BOOKS, SB_AGENT_HUB)
}
SHAPE_NAMES: tuple[str, ...] = tuple(SHAPES)


def get_shape(name: str | None) -> Shape:
    """The shape called ``name`` (``None``: the default), or a ValidationError on ``shape``
    listing the names."""
    if name is None:
        return TWILIOKIT
    shape = SHAPES.get(name.strip().lower()) if isinstance(name, str) else None
    if shape is None:
        raise ValidationError(
            f"there is no output shape called {name!r}",
            field="shape",
            hint=f"use one of: {', '.join(SHAPE_NAMES)}",
        )
    return shape


def shape_output(shape: Shape, action: Action[Any, Any], output: dict[str, Any]) -> dict[str, Any]:
    """``output`` (the JSON-ready default output of ``action``) in ``shape``."""
    if shape.is_default:
        return output
    from twiliokit.actions.schema import output_schema

    return shape.answer(action.name, output, lambda: output_schema(action))


def shaped_output_schema(shape: Shape, action: Action[Any, Any]) -> dict[str, Any]:
    """The JSON Schema of ``action``'s answers in ``shape``."""
    from twiliokit.actions.schema import output_schema

    return shape.schema(action.name, output_schema(action))


#: The export formats (``actions schema --format``) that carry an output schema, by the key
#: that holds it.
_OUTPUT_SCHEMA_KEYS = {"jsonschema": "output_schema", "mcp": "outputSchema"}


def shaped_export(
    entries: list[dict[str, Any]], fmt: str, shape: Shape, registry: ActionRegistry
) -> list[dict[str, Any]]:
    """Catalogue exports (``actions schema``) with each output schema in ``shape``.

    Only the formats that carry an output schema can show one: for the others a
    ValidationError on ``shape`` says which to use.
    """
    if shape.is_default:
        return entries
    key = _OUTPUT_SCHEMA_KEYS.get(fmt)
    if key is None:
        raise ValidationError(
            f"--format {fmt} has no output schema to give in the {shape.name} shape",
            field="shape",
            hint=f"use --format {' or --format '.join(_OUTPUT_SCHEMA_KEYS)} with --shape",
        )
    result = []
    for entry in entries:
        action = registry.resolve(str(entry["name"]))
        if action is None:  # pragma: no cover - entries come from the same registry
            result.append(entry)
            continue
        result.append({**entry, key: shaped_output_schema(shape, action), "shape": shape.name})
    return result
