"""Run any action by name with JSON arguments: the one entry point every surface uses."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import pydantic

from twiliokit.actions.context import ActionContext
from twiliokit.actions.registry import Action, ActionRegistry
from twiliokit.actions.shapes import get_shape, shape_output
from twiliokit.errors import ValidationError
from twiliokit.problem_words import json_kind, plain_problem


def find_action(registry: ActionRegistry, name: object) -> Action[Any, Any]:
    """The action called ``name`` (or an alias), or a ValidationError suggesting close names."""
    if not isinstance(name, str) or not name:
        raise ValidationError(
            "'action' must be the name of an action", field="action", hint="see `actions list`"
        )
    action = registry.resolve(name)
    if action is None:
        close = difflib.get_close_matches(name, registry.names(), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see `twiliokit actions list`"
        raise ValidationError(f"there is no action called {name!r}", field="action", hint=hint)
    return action


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "arguments"


def parse_arguments(action: Action[Any, Any], arguments: object) -> pydantic.BaseModel:
    """Validate ``arguments`` against the action's input model, naming each bad field."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        raise ValidationError(
            f"arguments for {action.name} must be a JSON object, not {json_kind(arguments)}",
            field="arguments",
            hint=f"see `twiliokit actions schema {action.name}`",
        )
    try:
        parsed: pydantic.BaseModel = action.input_model.model_validate(dict(arguments))
    except ValidationError:
        raise
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc, action.name, action.input_model) from None
    return parsed


def from_pydantic(
    exc: pydantic.ValidationError,
    action_name: str,
    model: type[pydantic.BaseModel] | None = None,
) -> ValidationError:
    """One clear error from pydantic's list: every bad field with what is wrong."""
    problems = []
    first_field = None
    hint = None
    for error in exc.errors(include_url=False):
        field = _field_path(tuple(error["loc"]))
        original = (error.get("ctx") or {}).get("error")
        if isinstance(original, ValidationError):  # our own check: keep its words, field, hint
            first_field = first_field or (original.field if not error["loc"] else field)
            problems.append(original.message)
            hint = hint or original.hint
            continue
        first_field = first_field or field
        problems.append(f"'{field}' {_described(error, model)}")
    return ValidationError(
        "; ".join(problems),
        field=first_field,
        hint=hint or f"see `twiliokit actions schema {action_name}` for the arguments it takes",
    )


def _described(error: Any, model: type[pydantic.BaseModel] | None) -> str:
    """What is wrong, in words; a value that does not fit an argument's pattern is told what
    the argument takes (its description) rather than shown the regular expression."""
    problem = plain_problem(error)
    loc = tuple(error["loc"])
    if not problem.startswith("must match ") or model is None or len(loc) != 1:
        return problem
    declared = model.model_fields.get(str(loc[0]))
    description = declared.description if declared is not None else None
    if not description:
        return problem
    return f"is not in the form it takes ({description[:1].lower()}{description[1:].rstrip('.')})"


def split_envelope(
    name_or_envelope: str | Mapping[str, Any], arguments: Mapping[str, Any] | None
) -> tuple[object, object]:
    """Accept ``invoke("send_sms", {...})`` and ``invoke({"action": ..., "arguments": ...})``."""
    if isinstance(name_or_envelope, Mapping):
        if arguments is not None:
            raise ValidationError(
                "pass either an {action, arguments} object or a name and arguments, not both",
                field="arguments",
            )
        unknown = set(name_or_envelope) - {"action", "arguments"}
        if unknown:
            named = ", ".join(f"'{key}'" for key in sorted(unknown))
            raise ValidationError(
                f"the request takes only 'action' and 'arguments', not {named}",
                field=sorted(unknown)[0],
                hint='the request is {"action": NAME, "arguments": {...}}',
            )
        return name_or_envelope.get("action"), name_or_envelope.get("arguments")
    return name_or_envelope, arguments


async def invoke(
    name_or_envelope: str | Mapping[str, Any],
    arguments: Mapping[str, Any] | None = None,
    *,
    context: ActionContext,
    registry: ActionRegistry | None = None,
    shape: str | None = None,
) -> dict[str, Any]:
    """Run an action and return its output as JSON-ready data.

    ``shape`` names the output shape (``twiliokit``, the default; ``smythos``, ``prismatic``,
    ``books``, ``sb-agent-hub``: see :mod:`twiliokit.actions.shapes`); it is checked before
    the action runs.

    Raises only ``twiliokit.errors`` exceptions: ``ValidationError`` for bad input (naming the
    field), ``ComplianceError`` when a rule refuses, ``TwilioError``/``TransportError`` when
    Twilio or the network fails.
    """
    chosen = get_shape(shape)
    if registry is None:
        from twiliokit.actions import catalogue

        registry = catalogue()
    name, args = split_envelope(name_or_envelope, arguments)
    action = find_action(registry, name)
    parsed = parse_arguments(action, args)
    return shape_output(chosen, action, await run_parsed(action, parsed, context=context))


async def run_parsed(
    action: Action[Any, Any], parsed: pydantic.BaseModel, *, context: ActionContext
) -> dict[str, Any]:
    """Run an action already resolved, with arguments already parsed: the last step of every
    entry point (``invoke``, the agent surfaces' guarded catalogue, the CLI), which resolve and
    parse once and then hand over here. Returns the output as JSON-ready data."""
    output: pydantic.BaseModel = await action.run(context, parsed)
    result: dict[str, Any] = output.model_dump(mode="json", by_alias=True)
    return result
