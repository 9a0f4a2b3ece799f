"""The OpenAPI document: one documented path per action, with its input and output schemas,
the error object on every error status, and the bearer token declared."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from twiliokit.server.http_routes.auth import API_TOKEN_ENV
from twiliokit.server.http_routes.errors import ERROR_STATUSES

if TYPE_CHECKING:
    from twiliokit.server.guardrails import GuardedCatalogue

__all__ = ["body_schema", "document_actions"]


def body_schema(schema: dict[str, Any], *, required: bool | None = None) -> dict[str, Any]:
    """A JSON request body; required when the schema has required properties (no body is
    ``{}``, which the server refuses for those with a 400 naming the first missing one)."""
    if required is None:
        required = bool(schema.get("required"))
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def document_actions(app: FastAPI, catalogue: GuardedCatalogue) -> None:
    """Give every allowed action its own documented path (``POST /v1/actions/send_sms``)
    with its input and output schemas, and declare the bearer token."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        components = document.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearer"] = {
            "type": "http",
            "scheme": "bearer",
            "description": f"The value of {API_TOKEN_ENV}.",
        }
        document["security"] = [{"bearer": []}]
        document["paths"]["/healthz"]["get"]["security"] = []
        error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
        errors = {
            str(status): {
                "description": description,
                "content": {"application/json": {"schema": error_ref}},
            }
            for status, description in ERROR_STATUSES.items()
        }
        describe = document["paths"]["/v1/actions/{name}"]["get"]
        for action in catalogue.actions():
            entry = catalogue.describe(action)
            document["paths"][f"/v1/actions/{action.name}"] = {
                "get": {
                    "tags": [f"action: {action.group}"],
                    "operationId": f"describe_{action.name}",
                    "summary": f"Describe {action.name}: its metadata and schemas",
                    "responses": describe["responses"],
                },
                "post": {
                    "tags": [f"action: {action.group}"],
                    "operationId": f"action_{action.name}",
                    "summary": action.title,
                    "description": entry["description"],
                    "requestBody": body_schema(entry["input_schema"]),
                    "responses": {
                        "200": {
                            "description": "The action's output.",
                            "content": {"application/json": {"schema": entry["output_schema"]}},
                        },
                        **errors,
                    },
                    "x-twiliokit": {
                        key: entry[key]
                        for key in ("side_effect", "costs_money", "idempotent", "open_world")
                    },
                },
            }
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
