"""The action routes: the catalogue (``GET /v1/actions``, ``GET /v1/actions/{name}``) and
running an action (``POST /v1/actions/{name}``, ``POST /v1/actions`` with an envelope)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Path, Query, Request, Response
from pydantic import BaseModel, Field

from twiliokit.actions.shapes import SHAPE_NAMES, Shape, get_shape, shape_output
from twiliokit.errors import ValidationError
from twiliokit.server.http_routes.bodies import check_types, json_body, keyed, schema_hint
from twiliokit.server.http_routes.errors import unknown_action
from twiliokit.server.http_routes.openapi import body_schema
from twiliokit.server.json_types import check_argument_types

if TYPE_CHECKING:
    from twiliokit.server.guardrails import GuardedCatalogue
    from twiliokit.server.runtime import AgentRuntime

__all__ = ["REPLAYED_HEADER", "add_action_routes"]

#: Set (to ``true``) on an answer that replays an idempotency key's first send.
REPLAYED_HEADER = "Idempotent-Replayed"


class _Envelope(BaseModel):
    """``POST /v1/actions``: which action, with which arguments."""

    action: str = Field(min_length=1, description="An action name or alias (see GET /v1/actions).")
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="The action's arguments (see its input_schema)."
    )


_ENVELOPE_SCHEMA = _Envelope.model_json_schema()


#: ``?shape=NAME`` on the run routes: the output shape (docs/shapes.md).
_ShapeQuery = Annotated[
    str | None,
    Query(
        description="Answer in another platform's output shape (docs/shapes.md); default "
        "twiliokit, the catalogue's own. Dry-run previews are not shaped.",
        json_schema_extra={"enum": list(SHAPE_NAMES)},
    ),
]


class _Actions:
    """What the action routes share: the catalogue and the runtime."""

    def __init__(self, catalogue: GuardedCatalogue, runtime: Callable[[], AgentRuntime]) -> None:
        self.catalogue = catalogue
        self.runtime = runtime

    def typed(self, action: Any, arguments: dict[str, Any], *, within: str = "") -> dict[str, Any]:
        """``arguments``, once their JSON types are the action's (json_types says why)."""
        check_argument_types(action, arguments, hint=schema_hint(action.name), within=within)
        return arguments

    def find(self, name: str) -> Any:
        """The action called ``name``, or a 404 suggesting close names."""
        if self.catalogue.registry.resolve(name) is None:
            raise unknown_action(name, self.catalogue)
        return self.catalogue.find(name)

    async def run(self, response: Response, action: object, arguments: Any) -> dict[str, Any]:
        """Run the action; a replay of an idempotency key's first answer says so with
        ``Idempotent-Replayed: true`` (nothing was sent this time)."""
        outcome = await self.runtime().call(action, arguments)
        if outcome.replayed:
            response.headers[REPLAYED_HEADER] = "true"
        return outcome.output

    def shaped(self, shape: Shape, action: Any, answer: dict[str, Any]) -> dict[str, Any]:
        """``answer`` in ``shape``; a dry-run preview is not the action's output, and is
        answered as it is."""
        if action is None or self.catalogue.previews(action):
            return answer
        return shape_output(shape, action, answer)

    def guardrails(self) -> dict[str, Any]:
        """The guardrails in force, as ``GET /v1/actions`` shows them."""
        guardrails = self.catalogue.guardrails
        return {
            "read_only": guardrails.read_only,
            "dry_run": guardrails.dry_run,
            "allowed_destinations": list(guardrails.allowed_destinations),
            "max_messages_per_hour": guardrails.max_messages_per_hour,
            "max_calls_per_hour": guardrails.max_calls_per_hour,
        }


def add_action_routes(
    app: FastAPI, catalogue: GuardedCatalogue, runtime: Callable[[], AgentRuntime]
) -> None:
    """``/v1/actions``: list, describe and run the actions the guardrails allow."""
    actions = _Actions(catalogue, runtime)

    @app.get(
        "/v1/actions",
        tags=["actions"],
        summary="The action catalogue",
        description="Every action this server allows, with its metadata (side effect, cost, "
        "idempotency) and input and output JSON Schemas; and the guardrails in force.",
    )
    async def list_actions() -> dict[str, Any]:
        return {
            "actions": [catalogue.describe(action) for action in catalogue.actions()],
            "guardrails": actions.guardrails(),
        }

    @app.get("/v1/actions/{name}", tags=["actions"], summary="One action of the catalogue")
    async def describe_action(
        name: Annotated[str, Path(description="An action name or alias.")],
    ) -> dict[str, Any]:
        return catalogue.describe(actions.find(name))

    @app.post(
        "/v1/actions/{name}",
        tags=["actions"],
        summary="Run an action by name",
        description="The body is the action's arguments, a JSON object (empty for none). "
        "Each action also has its own path below, with its schemas.",
        openapi_extra={"requestBody": body_schema({"type": "object"})},
    )
    async def run_action(
        name: Annotated[str, Path(description="An action name or alias.")],
        request: Request,
        response: Response,
        shape: _ShapeQuery = None,
    ) -> Any:
        chosen = get_shape(shape)
        action = actions.find(name)
        arguments = keyed(request, actions.typed(action, await json_body(request)))
        return actions.shaped(chosen, action, await actions.run(response, action, arguments))

    @app.post(
        "/v1/actions",
        tags=["actions"],
        summary="Run an action given as {action, arguments}",
        openapi_extra={"requestBody": body_schema(_ENVELOPE_SCHEMA, required=True)},
    )
    async def run_envelope(request: Request, response: Response, shape: _ShapeQuery = None) -> Any:
        chosen = get_shape(shape)
        document = await json_body(request)
        if not isinstance(document, Mapping):
            raise ValidationError(
                "the body must be a JSON object",
                field="body",
                hint='Send {"action": "send_sms", "arguments": {...}}.',
            )
        name = document.get("action")
        if isinstance(name, str) and name and catalogue.registry.resolve(name) is None:
            raise unknown_action(name, catalogue)
        check_types(document, _ENVELOPE_SCHEMA, "")
        from twiliokit.actions.invoke import split_envelope

        action, arguments = split_envelope(document, None)
        resolved = catalogue.registry.resolve(str(action))
        if resolved is not None and isinstance(arguments, dict):
            actions.typed(resolved, arguments, within="arguments.")
        answer = await actions.run(response, action, keyed(request, arguments))
        return actions.shaped(chosen, resolved, answer)
