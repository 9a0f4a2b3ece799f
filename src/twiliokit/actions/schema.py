"""JSON Schemas for the catalogue, and exports in the tool formats LLM APIs take.

Schemas are pydantic's, with ``$ref``s inlined (several tool APIs reject or mishandle them) and
every property name checked against the pattern all major LLM APIs accept.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from twiliokit.actions.registry import SAFE_NAME, Action, ActionRegistry

ExportFormat = Literal["openai", "anthropic", "mcp", "jsonschema"]
FORMATS: tuple[ExportFormat, ...] = ("openai", "anthropic", "mcp", "jsonschema")


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema.pop("$defs", {})

    def resolve(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name in seen:  # recursive models: leave an open object
                    return {"type": "object"}
                target = copy.deepcopy(defs[name])
                extra = {k: v for k, v in node.items() if k != "$ref"}
                return resolve({**target, **extra}, (*seen, name))
            return {k: resolve(v, seen) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        return node

    result: dict[str, Any] = resolve(schema, ())
    return result


def property_names(schema: Any) -> set[str]:
    """Every property name anywhere in a schema."""
    names: set[str] = set()
    if isinstance(schema, dict):
        props = schema.get("properties")
        if isinstance(props, dict):
            names.update(props)
        for value in schema.values():
            names |= property_names(value)
    elif isinstance(schema, list):
        for item in schema:
            names |= property_names(item)
    return names


def _checked(schema: dict[str, Any], action: Action[Any, Any]) -> dict[str, Any]:
    bad = sorted(n for n in property_names(schema) if not SAFE_NAME.match(n))
    if bad:
        raise ValueError(f"{action.name}: property names unsafe for LLM tool APIs: {bad}")
    return schema


def input_schema(action: Action[Any, Any]) -> dict[str, Any]:
    schema = action.input_model.model_json_schema(by_alias=True, mode="validation")
    return _checked(_inline_refs(schema), action)


def output_schema(action: Action[Any, Any]) -> dict[str, Any]:
    schema = action.output_model.model_json_schema(by_alias=True, mode="serialization")
    return _checked(_inline_refs(schema), action)


def tool_annotations(action: Action[Any, Any]) -> dict[str, Any]:
    """MCP tool annotations from the action's metadata."""
    return {
        "title": action.title,
        "readOnlyHint": action.read_only,
        "destructiveHint": action.destructive,
        "idempotentHint": action.idempotent,
        "openWorldHint": action.open_world,
    }


def describe(action: Action[Any, Any]) -> dict[str, Any]:
    """The catalogue entry: metadata plus both schemas (``GET /v1/actions``, `actions list`)."""
    return {
        "name": action.name,
        "aliases": list(action.aliases),
        "title": action.title,
        "description": action.description,
        "group": action.group,
        "side_effect": action.side_effect,
        "costs_money": action.costs_money,
        "idempotent": action.idempotent,
        "open_world": action.open_world,
        "input_schema": input_schema(action),
        "output_schema": output_schema(action),
    }


def export_action(action: Action[Any, Any], fmt: ExportFormat) -> dict[str, Any]:
    if fmt == "openai":
        return {
            "type": "function",
            "function": {
                "name": action.name,
                "description": action.description,
                "parameters": input_schema(action),
            },
        }
    if fmt == "anthropic":
        return {
            "name": action.name,
            "description": action.description,
            "input_schema": input_schema(action),
        }
    if fmt == "mcp":
        return {
            "name": action.name,
            "title": action.title,
            "description": action.description,
            "inputSchema": input_schema(action),
            "outputSchema": output_schema(action),
            "annotations": tool_annotations(action),
        }
    return describe(action)


def export(registry: ActionRegistry, fmt: ExportFormat) -> list[dict[str, Any]]:
    """The whole catalogue in one tool format."""
    return [export_action(action, fmt) for action in registry]
