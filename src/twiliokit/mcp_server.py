"""The MCP server: one tool per catalogue action, and resources an agent benefits from.

Tools are the catalogue's own definitions, exactly what ``twiliokit actions schema --format
mcp`` prints (names and property names every major LLM API accepts, enums kept, input and
output schemas, annotations from the action metadata), less what the guardrails hide; in
dry-run mode a write's output is the preview. A failed call is a tool result with
``isError: true`` whose text (and structured content) is ``{"error": {...}}``, the JSON error
object every surface shows: never a protocol error, so the model can read it and correct
itself.

Resources (JSON):

- ``twiliokit://phone-numbers``: the numbers the account owns (what to send from);
- ``twiliokit://conversations/{contact}``: the recent conversation with a contact;
- ``twiliokit://messages/{sid}/status``: a message's status history.

Credentials are the operator's (environment, config, vault), resolved before the server
starts: no tool takes them as arguments. This module only adapts; the catalogue and the
guardrails do the work.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import mcp_types as types
from mcp.server import Server
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS

from twiliokit.errors import NotFoundError, TwiliokitError, ValidationError

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext

    from twiliokit.agent_runtime import AgentRuntime
    from twiliokit.guardrails import GuardedCatalogue

__all__ = ["RESOURCE_SCHEME", "create_mcp_server", "list_tools", "serve_stdio"]

logger = logging.getLogger("twiliokit.mcp")

RESOURCE_SCHEME = "twiliokit://"
_NUMBERS_URI = f"{RESOURCE_SCHEME}phone-numbers"
_CONVERSATION = f"{RESOURCE_SCHEME}conversations/"
_MESSAGE = f"{RESOURCE_SCHEME}messages/"
_STATUS_SUFFIX = "/status"
_JSON = "application/json"
#: Recent contacts listed as conversation resources (when there is a ledger).
_RECENT_CONTACTS = 20

_INSTRUCTIONS = (
    "twiliokit: send SMS, MMS and WhatsApp messages, place calls, read message history and "
    "run Twilio Verify, through the operator's Twilio account. Credentials are configured by "
    "the operator: never ask the user for Twilio credentials, and no tool takes them. Tools "
    "marked as costing money (send_sms, make_call, start_verification, ...) spend the "
    "account's balance: confirm the recipient and text first. Errors come back as "
    '{"error": {"type", "message", "hint", ...}}: follow the hint.'
)


def list_tools(catalogue: GuardedCatalogue) -> list[types.Tool]:
    """The tools the server lists: the catalogue's MCP definitions the guardrails allow."""
    return [types.Tool.model_validate(catalogue.tool(action)) for action in catalogue.actions()]


def _instructions(catalogue: GuardedCatalogue) -> str:
    notes = []
    if catalogue.guardrails.read_only:
        notes.append("This server is read-only: only reading tools are available.")
    if catalogue.guardrails.dry_run:
        notes.append(
            "DRY-RUN MODE: writing tools return a preview of what they would do and send nothing."
        )
    return " ".join([_INSTRUCTIONS, *notes])


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def error_result(exc: TwiliokitError) -> types.CallToolResult:
    """A tool result carrying the JSON error object (text and structured content)."""
    document = {"error": exc.to_dict()}
    return types.CallToolResult(
        content=[types.TextContent(text=_json(document))],
        structured_content=document,
        is_error=True,
    )


def create_mcp_server(
    catalogue: GuardedCatalogue, runtime: Callable[[], AgentRuntime]
) -> Server[Any]:
    """The low-level MCP server over ``catalogue``; ``runtime()`` gives the open runtime
    (called per request, so the server can be built before the runtime is opened)."""
    from twiliokit import __version__

    tools = list_tools(catalogue)

    async def on_list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def on_call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            result = await runtime().invoke(params.name, params.arguments or {})
        except TwiliokitError as exc:
            return error_result(exc)
        except Exception:
            # A bug, not bad input: log it (the CLI's log handler masks secrets) and give the
            # model an error object rather than a protocol error or a traceback.
            logger.exception("tool %s failed unexpectedly", params.name)
            error = TwiliokitError(
                "the tool failed unexpectedly",
                hint="This is a twiliokit bug: the server log has the details.",
            )
            error.error_type = "internal_error"  # as the CLI reports errors outside the tree
            return error_result(error)
        return types.CallToolResult(
            content=[types.TextContent(text=_json(result))], structured_content=result
        )

    async def on_list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        resources = [
            types.Resource(
                uri=_NUMBERS_URI,
                name="phone-numbers",
                title="Owned phone numbers",
                description="The numbers the account owns and what each can do: choose a "
                "'from' for send_sms and make_call.",
                mime_type=_JSON,
            )
        ]
        for contact in await _recent_contacts(runtime()):
            resources.append(
                types.Resource(
                    uri=_CONVERSATION + contact,
                    name=f"conversation-{contact}",
                    title=f"Conversation with {contact}",
                    description="Recent messages to and from this contact, with statuses.",
                    mime_type=_JSON,
                )
            )
        return types.ListResourcesResult(resources=resources)

    async def on_list_resource_templates(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    uri_template=_CONVERSATION + "{contact}",
                    name="conversation",
                    title="Conversation with a contact",
                    description="Recent messages to and from a contact (E.164 such as "
                    "+14155552671, or whatsapp:+14155552671), newest first, each with its "
                    "status history. Read it before replying to someone.",
                    mime_type=_JSON,
                ),
                types.ResourceTemplate(
                    uri_template=_MESSAGE + "{sid}" + _STATUS_SUFFIX,
                    name="message-status",
                    title="A message's status history",
                    description="Every status a message went through (queued, sent, "
                    "delivered, failed...) with error codes: was it delivered?",
                    mime_type=_JSON,
                ),
            ]
        )

    async def on_read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        try:
            data = await _read(runtime(), uri)
        except TwiliokitError as exc:
            code = INVALID_PARAMS if isinstance(exc, ValidationError | NotFoundError) else None
            raise MCPError(code or INTERNAL_ERROR, exc.message, data=exc.to_dict()) from None
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type=_JSON, text=_json(data))]
        )

    return Server(
        "twiliokit",
        version=__version__,
        title="twiliokit",
        instructions=_instructions(catalogue),
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
        on_list_resources=on_list_resources,
        on_list_resource_templates=on_list_resource_templates,
        on_read_resource=on_read_resource,
    )


async def _read(runtime: AgentRuntime, uri: str) -> Any:
    from twiliokit.ledger_views import read_conversation, read_status_history

    if uri == _NUMBERS_URI:
        return await runtime.invoke("list_phone_numbers", {"limit": 100})
    if uri.startswith(_CONVERSATION):
        contact = unquote(uri.removeprefix(_CONVERSATION))
        view = await read_conversation(runtime, contact)
        return view.model_dump(mode="json", by_alias=True)
    if uri.startswith(_MESSAGE) and uri.endswith(_STATUS_SUFFIX):
        sid = unquote(uri.removeprefix(_MESSAGE).removesuffix(_STATUS_SUFFIX))
        status = await read_status_history(runtime, sid)
        return status.model_dump(mode="json", by_alias=True)
    raise ValidationError(
        f"there is no resource {uri!r}",
        field="uri",
        hint=f"Read {_NUMBERS_URI}, {_CONVERSATION}{{contact}} or "
        f"{_MESSAGE}{{sid}}{_STATUS_SUFFIX}.",
    )


async def _recent_contacts(runtime: AgentRuntime) -> list[str]:
    """Contacts of the most recent ledger messages (none without a ledger)."""
    from twiliokit.ledger import LedgerQuery

    if runtime.ledger is None:
        return []
    try:
        records = await runtime.ledger.search(LedgerQuery(limit=200))
    except TwiliokitError:
        logger.warning("cannot list recent conversations: the ledger failed")
        return []
    return list(dict.fromkeys(record.contact for record in records if record.contact))[
        :_RECENT_CONTACTS
    ]


async def serve_stdio(catalogue: GuardedCatalogue, runtime: AgentRuntime) -> None:
    """Serve MCP over this process's stdin and stdout until the client disconnects."""
    from mcp.server.stdio import stdio_server

    server = create_mcp_server(catalogue, lambda: runtime)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
