"""The ledger routes: ``GET /v1/messages``, ``/v1/conversations/{contact}`` and
``/v1/messages/{sid}/events``.

Each answers with a ledger action's output (``search_ledger``, ``get_conversation``,
``get_message_status_history``), run through the guarded catalogue by
:mod:`twiliokit.server.ledger_views`: a message has the same JSON here as from the actions and the
MCP resources. The routes keep their own query parameters (times as a day or any ISO 8601
timestamp, a zone-less one being UTC) and translate them into the actions' arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse

from twiliokit.actions.ledger_actions import (
    ConversationOutput,
    SearchLedgerOutput,
    StatusHistoryOutput,
)
from twiliokit.errors import ValidationError
from twiliokit.ledger import Channel, Direction, MessageStatus
from twiliokit.server.ledger_views import (
    TIME_BOUND_SCHEMA,
    parse_time_bound,
    read_conversation,
    read_status_history,
    search_messages,
)

if TYPE_CHECKING:
    from twiliokit.server.runtime import AgentRuntime

__all__ = ["add_ledger_routes"]

#: How time query parameters are documented: a day or an ISO 8601 timestamp.
_TIME: dict[str, Any] = TIME_BOUND_SCHEMA
_Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many.")]


def _known_parameters_only(request: Request) -> None:
    """A query parameter the route does not take is refused naming it: a misspelt filter
    (``?stauts=failed``) would otherwise answer every message, as if it matched."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    known = {param.alias for param in dependant.query_params} if dependant is not None else set()
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise ValidationError(
            f"'{unknown[0]}' is not a query parameter of GET "
            f"{getattr(route, 'path', 'this route')}",
            field=unknown[0],
            hint="It takes: " + (", ".join(sorted(known)) or "none") + " (see /openapi.json).",
        )


def add_ledger_routes(app: FastAPI, runtime: Callable[[], AgentRuntime]) -> None:
    """The ledger's messages, conversations and status histories, read-only; every route
    refuses query parameters it does not take."""
    # What every ledger route shares. (Not an APIRouter: FastAPI keeps an included router as
    # one entry of app.router.routes, where the 405 handler looks for a path's methods.)
    ledger: dict[str, Any] = {
        "tags": ["ledger"],
        "dependencies": [Depends(_known_parameters_only)],
    }

    @app.get(
        "/v1/messages",
        **ledger,
        summary="Search the ledger's messages",
        description="Messages sent and received, newest first; every filter is optional and "
        "they combine. since is inclusive, until exclusive (on date_created); a day means that "
        "whole day in UTC (until=2026-12-06 includes it), a timestamp without a zone is UTC. "
        "The answer is the search_ledger action's output.",
        response_model=SearchLedgerOutput,
    )
    async def search(
        contact: Annotated[
            str | None, Query(max_length=64, description="The other party (E.164).")
        ] = None,
        direction: Annotated[Direction | None, Query(description="Which way.")] = None,
        status: Annotated[MessageStatus | None, Query(description="Current status.")] = None,
        channel: Annotated[Channel | None, Query(description="sms, mms or whatsapp.")] = None,
        since: Annotated[
            str | None, Query(description="From this day or time.", json_schema_extra=_TIME)
        ] = None,
        until: Annotated[
            str | None,
            Query(
                description="Up to this time, or to the end of this day.", json_schema_extra=_TIME
            ),
        ] = None,
        text: Annotated[
            str | None, Query(max_length=200, description="Substring of the body.")
        ] = None,
        limit: _Limit = 100,
    ) -> JSONResponse:
        since_at = parse_time_bound(since, name="since", edge="start")
        until_at = parse_time_bound(until, name="until", edge="end")
        if since_at is not None and until_at is not None and since_at >= until_at:
            raise ValidationError(
                f"'since' ({since}) is not before 'until' ({until}): no message can match",
                field="since",
                hint="Swap them, or drop one. since is the earliest moment, until the latest.",
            )
        filters = {
            "contact": contact,
            "direction": direction.value if direction is not None else None,
            "status": status.value if status is not None else None,
            "channel": channel.value if channel is not None else None,
            "since": since_at.isoformat() if since_at is not None else None,
            "until": until_at.isoformat() if until_at is not None else None,
            "text": text,
        }
        arguments = {name: value for name, value in filters.items() if value is not None}
        return JSONResponse(await search_messages(runtime(), {**arguments, "limit": limit}))

    @app.get(
        "/v1/conversations/{contact}",
        **ledger,
        summary="The recent conversation with a contact",
        description="The get_conversation action's output: messages to and from the contact, "
        "newest first, each with its status history.",
        response_model=ConversationOutput,
    )
    async def conversation(
        contact: Annotated[
            str,
            Path(max_length=64, description="E.164 (+14155552671) or whatsapp:+14155552671."),
        ],
        limit: _Limit = 50,
        before: Annotated[
            str | None,
            Query(
                description="Only messages created before this time, or before this day (UTC).",
                json_schema_extra=_TIME,
            ),
        ] = None,
    ) -> JSONResponse:
        moment = parse_time_bound(before, name="before", edge="start")
        return JSONResponse(await read_conversation(runtime(), contact, limit=limit, before=moment))

    @app.get(
        "/v1/messages/{sid}/events",
        **ledger,
        summary="A message's status history",
        description="The get_message_status_history action's output; 404 when the ledger "
        "knows nothing of the message.",
        response_model=StatusHistoryOutput,
    )
    async def events(
        sid: Annotated[
            str, Path(pattern=r"^(SM|MM)[0-9a-fA-F]{32}$", description="The message SID.")
        ],
    ) -> JSONResponse:
        return JSONResponse(await read_status_history(runtime(), sid))
