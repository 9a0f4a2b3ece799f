"""The MCP server: one tool per catalogue action, and resources an agent benefits from.

Tools are the catalogue's own definitions, exactly what ``twiliokit actions schema --format
mcp`` prints (names and property names every major LLM API accepts, enums kept, input and
output schemas, annotations from the action metadata), less what the guardrails hide; in
dry-run mode a write's output is the preview. A failed call is a tool result with
``isError: true`` whose text (and structured content) is ``{"error": {...}}``, the JSON error
object every surface shows: never a protocol error, so the model can read it and correct
itself. A send that replays its idempotency key's first answer says so
(``"idempotent_replayed": true``, and :data:`REPLAYED_META` in ``_meta``); an action that
waits (``wait_for_delivery``) sends progress notifications when the client asked for them.

Resources (JSON):

- ``twiliokit://phone-numbers``: the numbers the account owns (what to send from);
- ``twiliokit://conversations/{contact}``: the recent conversation with a contact;
- ``twiliokit://messages/{sid}/status``: a message's status history.

They are the outputs of the ledger actions (``get_conversation``,
``get_message_status_history``) run through the guarded catalogue, read from Twilio in the
same form when there is no ledger (:mod:`twiliokit.server.ledger_views`).

Credentials are the operator's (environment, config, vault), resolved before the server
starts: no tool takes them as arguments. This module only adapts; the catalogue and the
guardrails do the work.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import logging
import re
import sys
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

import mcp_types as types
from mcp.server import Server
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS

from twiliokit.errors import NotFoundError, NotRecordedError, TwiliokitError, ValidationError
from twiliokit.redaction import masked
from twiliokit.server.hint_words import for_surface
from twiliokit.server.json_types import check_argument_types
from twiliokit.server.ledger_views import read_conversation, read_status_history, search_messages
from twiliokit.server.mcp_front import ServerFacts

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext

    from twiliokit.actions.context import ProgressReporter
    from twiliokit.server.guardrails import GuardedCatalogue
    from twiliokit.server.mcp_front import Handshake
    from twiliokit.server.runtime import AgentRuntime

__all__ = [
    "REPLAYED_META",
    "RESOURCE_SCHEME",
    "create_mcp_server",
    "list_tools",
    "replayed_result",
    "serve_stdio",
]

logger = logging.getLogger("twiliokit.mcp")

RESOURCE_SCHEME = "twiliokit://"
#: The ``_meta`` key of a tool result that replays an idempotency key's first answer.
REPLAYED_META = "twiliokit/idempotent_replayed"
_NUMBERS_URI = f"{RESOURCE_SCHEME}phone-numbers"
_CONVERSATION = f"{RESOURCE_SCHEME}conversations/"
_MESSAGE = f"{RESOURCE_SCHEME}messages/"
_STATUS_SUFFIX = "/status"
_JSON = "application/json"
#: Recent contacts listed as conversation resources (when there is a ledger).
_RECENT_CONTACTS = 20


def list_tools(
    catalogue: GuardedCatalogue, definitions: Sequence[dict[str, Any]] | None = None
) -> list[types.Tool]:
    """The tools the server lists: the catalogue's MCP definitions the guardrails allow
    (``definitions``, when the caller has them already: ``twiliokit.server.tool_cache``)."""
    if definitions is None:
        definitions = [catalogue.tool(action) for action in catalogue.actions()]
    return [types.Tool.model_validate(definition) for definition in definitions]


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def error_result(exc: TwiliokitError, *, secrets: Iterable[str] = ()) -> types.CallToolResult:
    """A tool result carrying the JSON error object (text and structured content), with
    ``secrets`` masked (an argument echoed back may be a secret given in the wrong field)."""
    details = masked(exc.to_dict(), secrets)
    details["hint"] = for_surface(details.get("hint"), "mcp")
    document = {"error": details}
    return types.CallToolResult(
        content=[types.TextContent(text=_json(document))],
        structured_content=document,
        is_error=True,
    )


def replayed_result(result: dict[str, Any]) -> types.CallToolResult:
    """A replayed idempotent send's result: the first send's output with
    ``"idempotent_replayed": true`` (what the model reads, as in the CLI's JSON), and the same
    flag in ``_meta`` under :data:`REPLAYED_META` (what a client program reads)."""
    document = {**result, "idempotent_replayed": True}
    return types.CallToolResult(
        content=[types.TextContent(text=_json(document))],
        structured_content=document,
        meta={REPLAYED_META: True},
    )


def create_mcp_server(
    catalogue: GuardedCatalogue,
    runtime: Callable[[], AgentRuntime | Awaitable[AgentRuntime]],
    tools: Sequence[dict[str, Any]] | None = None,
    *,
    secrets: Sequence[str] = (),
) -> Server[Any]:
    """The low-level MCP server over ``catalogue``; ``runtime()`` gives the runtime, or an
    awaitable of it (called per request, so the server can be built, and answer
    ``initialize`` and ``tools/list``, before the runtime is open). ``tools``: the tool
    definitions, if the caller has them (see :func:`list_tools`). ``secrets``: masked in
    error results besides the connection's own (the service's API token)."""
    listed = list_tools(catalogue, tools)

    async def current() -> AgentRuntime:
        value = runtime()
        return await value if inspect.isawaitable(value) else value

    def typed(name: str, arguments: dict[str, Any]) -> None:
        """The JSON types the HTTP API and `actions run` hold arguments to; an unknown tool is
        left to the call, which says so."""
        action = catalogue.registry.resolve(name)
        if action is not None:
            check_argument_types(action, arguments)

    async def on_list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listed)

    async def on_call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        running: AgentRuntime | None = None
        try:
            typed(params.name, params.arguments or {})
            running = await current()
            outcome = await running.call(
                params.name, params.arguments or {}, progress=_progress_reporter(ctx)
            )
        except TwiliokitError as exc:
            known = [] if running is None else running.context.connection.secret_values()
            return error_result(exc, secrets=[*secrets, *known])
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
        if outcome.replayed:
            return replayed_result(outcome.output)
        return types.CallToolResult(
            content=[types.TextContent(text=_json(outcome.output))],
            structured_content=outcome.output,
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
        for contact in await _recent_contacts(current):
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
            data = await _read(await current(), uri)
        except TwiliokitError as exc:
            missing = NotFoundError | NotRecordedError
            code = INVALID_PARAMS if isinstance(exc, ValidationError | missing) else None
            raise MCPError(code or INTERNAL_ERROR, exc.message, data=exc.to_dict()) from None
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type=_JSON, text=_json(data))]
        )

    facts = ServerFacts.of(catalogue.guardrails)
    return Server(
        facts.name,
        version=facts.version,
        title=facts.title,
        instructions=facts.instructions,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
        on_list_resources=on_list_resources,
        on_list_resource_templates=on_list_resource_templates,
        on_read_resource=on_read_resource,
    )


async def _read(runtime: AgentRuntime, uri: str) -> Any:
    if uri == _NUMBERS_URI:
        return await runtime.invoke("list_phone_numbers", {"limit": 100})
    if uri.startswith(_CONVERSATION):
        contact = unquote(uri.removeprefix(_CONVERSATION))
        return await read_conversation(runtime, contact, from_twilio=True)
    if uri.startswith(_MESSAGE) and uri.endswith(_STATUS_SUFFIX):
        sid = unquote(uri.removeprefix(_MESSAGE).removesuffix(_STATUS_SUFFIX))
        return await read_status_history(runtime, sid, from_twilio=True)
    raise ValidationError(
        f"there is no resource {uri!r}",
        field="uri",
        hint=f"Read {_NUMBERS_URI}, {_CONVERSATION}{{contact}} or "
        f"{_MESSAGE}{{sid}}{_STATUS_SUFFIX}.",
    )


async def _recent_contacts(current: Callable[[], Awaitable[AgentRuntime]]) -> list[str]:
    """Contacts of the most recent ledger messages (none without a ledger)."""
    try:
        runtime = await current()
    except TwiliokitError:  # the runtime did not open: tool calls say why
        return []
    if runtime.ledger is None:
        return []
    try:
        found = await search_messages(runtime, {"limit": 200})
    except TwiliokitError as exc:
        logger.warning("cannot list recent conversations: %s", exc.message)
        return []
    contacts = (
        message["from"] if message["direction"] == "inbound" else message["to"]
        for message in found["messages"]
    )
    return list(dict.fromkeys(contact for contact in contacts if contact))[:_RECENT_CONTACTS]


def _progress_reporter(ctx: ServerRequestContext[Any]) -> ProgressReporter:
    """The action's progress reports as MCP progress notifications for this request (sent
    only when the client gave a progressToken: the session's report_progress is a no-op
    otherwise)."""

    async def report(progress: float, total: float | None, message: str | None) -> None:
        try:
            await ctx.session.report_progress(progress, total, message)
        except Exception:
            # Progress is a courtesy: a client gone or a closed stream must not fail the call
            # (its result will tell, or fail to be sent, on its own).
            logger.debug("could not send a progress notification", exc_info=True)

    return report


async def serve_stdio(
    catalogue: GuardedCatalogue,
    opener: Callable[[], AbstractAsyncContextManager[AgentRuntime]],
    handshake: Handshake | None = None,
    tools: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Serve MCP over this process's stdin and stdout until the client disconnects.

    The runtime (``opener()``: the Twilio client and the ledger) opens in the background
    while the server already answers; tool calls wait for it, and get an error result saying
    why if it could not open. ``handshake`` is what :mod:`twiliokit.server.mcp_front` already
    answered: the SDK reads its replay first and its answer to ``initialize`` is dropped.
    ``tools``: the tool definitions, if the caller has them (see :func:`list_tools`).
    """
    import anyio
    from mcp.server.stdio import stdio_server

    from twiliokit.server.runtime import BackgroundRuntime

    background = BackgroundRuntime()
    server = create_mcp_server(catalogue, background.get, tools)
    streams = (None, None) if handshake is None else _handed_over(handshake)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(background.run, opener)
        try:
            async with stdio_server(*streams) as (read_stream, write_stream):
                await server.run(read_stream, write_stream, server.create_initialization_options())
        finally:
            background.close()


class _Unowned(io.TextIOWrapper):
    """A text layer over a standard stream's buffer whose close leaves the buffer open (as
    the SDK's own stdio transport does): the buffer is the process's, not the transport's."""

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            self.detach()


class _ReplayedInput:
    """The client's input as the SDK reads it: the lines :mod:`twiliokit.server.mcp_front` took
    (``initialize`` first), then the rest of stdin; a line the SDK could not read is answered
    here (:func:`unreadable_answer`) and not passed on: the SDK drops it without a word, and
    the client would wait for its answer for good."""

    def __init__(self, replay: list[bytes], rest: AsyncIterable[str], out: Any) -> None:
        self._replay = replay
        self._rest = rest
        self._out = out

    async def __aiter__(self) -> AsyncIterator[str]:
        async for line in self._lines():
            answer = unreadable_answer(line)
            if answer is None:
                yield line
            elif answer:
                await self._out.write(answer + "\n")
                await self._out.flush()

    async def _lines(self) -> AsyncIterator[str]:
        for taken in self._replay:
            yield taken.decode("utf-8", "replace")
        async for line in self._rest:
            yield line


#: The id of a request that is not valid JSON, read as well as it can be.
_SEEN_ID: Final = re.compile(r'"id"\s*:\s*(-?\d{1,18}|"[^"\\]{0,200}")')


def unreadable_answer(line: str) -> str | None:
    """``None`` when ``line`` is a JSON-RPC message the SDK reads; else the error answer to
    send for it (JSON-RPC's parse error or invalid request, with the request's id when it has
    one), or ``""`` for a notification, which gets no answer."""
    if not line.strip():
        return ""
    try:
        types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValueError:
        pass
    else:
        return None
    try:
        message = json.loads(line)
    except ValueError:
        # Answered with the id it seems to carry, if any: null would leave the client waiting.
        seen = _SEEN_ID.search(line)
        request_id = None if seen is None else json.loads(seen.group(1))
        return _error_line(request_id, -32700, "the message is not valid JSON")
    if not isinstance(message, dict):
        return _error_line(None, -32600, "the message is not a JSON-RPC object")
    if "id" not in message:
        return ""
    request_id = message["id"] if isinstance(message["id"], str | int) else None
    try:
        json.dumps(message, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        why = "a string in it holds an unpaired surrogate (such as \\ud800), which is not text"
        return _error_line(request_id, -32600, why)
    return _error_line(request_id, -32600, "the message is not a valid JSON-RPC request")


def _error_line(request_id: str | int | None, code: int, message: str) -> str:
    return json.dumps(
        {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    )


class _AnsweredOutput:
    """The SDK's output to the client, less its answer to the replayed ``initialize`` (the
    client got one from :mod:`twiliokit.server.mcp_front` already)."""

    def __init__(self, initialize_id: object, out: Any) -> None:
        self._drop = initialize_id
        self._out = out

    async def write(self, text: str) -> None:
        if self._drop is not None:
            with contextlib.suppress(ValueError):
                message = json.loads(text)
                if isinstance(message, dict) and message.get("id") == self._drop:
                    self._drop = None
                    if "error" in message:
                        logger.warning("the MCP SDK refused the replayed initialize: %s", text)
                    return
        await self._out.write(text)

    async def flush(self) -> None:
        await self._out.flush()


def _handed_over(handshake: Handshake) -> tuple[Any, Any]:
    """stdin and stdout for the SDK's stdio transport, continuing from ``handshake``."""
    import anyio

    stdin = anyio.wrap_file(_Unowned(sys.stdin.buffer, encoding="utf-8", errors="replace"))
    stdout = anyio.wrap_file(_Unowned(sys.stdout.buffer, encoding="utf-8"))
    out = _AnsweredOutput(handshake.initialize_id, stdout)
    return _ReplayedInput(handshake.replay, stdin, out), out
