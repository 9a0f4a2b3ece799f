"""What the agent surfaces (the MCP server and the HTTP API) run on: one Twilio client, the
ledger, and the guarded catalogue, opened once per process and closed at shutdown.

::

    async with open_runtime(connection, GuardedCatalogue(guardrails), ledger=store) as runtime:
        result = await runtime.invoke("send_sms", {"to": "+14155552671", "body": "hi"})

Credentials come in as a :class:`~twiliokit.connections.Connection` resolved at the edge (the
CLI, the service settings): never from tool arguments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx

from twiliokit.actions.context import ActionContext, ProgressReporter
from twiliokit.actions.hooks import NoHooks, SendHooks
from twiliokit.errors import ConfigurationError, TwiliokitError
from twiliokit.server.dry_run import RequestPreview, WouldWrite

if TYPE_CHECKING:
    from twiliokit.client import AsyncClient
    from twiliokit.connections import Connection
    from twiliokit.http.policies import RetryPolicy
    from twiliokit.ledger import LedgerStore
    from twiliokit.server.guardrails import GuardedCatalogue, Guardrails

__all__ = [
    "AgentRuntime",
    "BackgroundRuntime",
    "CallOutcome",
    "ReadsOnlyTransport",
    "open_runtime",
]

logger = logging.getLogger("twiliokit.runtime")

#: Methods that read: the only ones the dry-run client lets through.
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadsOnlyTransport(httpx.AsyncBaseTransport):
    """An httpx transport for dry-run mode: reads go to ``inner``; any other request is
    stopped with :class:`~twiliokit.server.dry_run.WouldWrite` describing it, before it is sent.

    Stopping writes at the transport, below every action, means no write can reach Twilio in
    dry-run mode whatever the action does; reads (lookups the action makes first) still work.
    ``owns_inner`` says whether closing this closes ``inner``.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, owns_inner: bool = True) -> None:
        self._inner = inner
        self._owns_inner = owns_inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method.upper() in _READ_METHODS:
            return await self._inner.handle_async_request(request)
        raise WouldWrite(
            RequestPreview(
                method=request.method.upper(),
                url=str(request.url.copy_with(query=None)),
                params=_params_of(request),
            )
        )

    async def aclose(self) -> None:
        if self._owns_inner:
            await self._inner.aclose()


def _params_of(request: httpx.Request) -> dict[str, str | list[str]]:
    """The form fields (or JSON object, or query) of a request, for the preview."""
    params: dict[str, str | list[str]] = {}
    pairs = list(request.url.params.multi_items())
    content_type = request.headers.get("content-type", "")
    body = request.content if isinstance(request.stream, httpx.ByteStream) else b""
    if content_type.startswith("application/x-www-form-urlencoded"):
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    elif content_type.startswith("application/json") and body:
        with contextlib.suppress(ValueError):
            document = json.loads(body)
            if isinstance(document, dict):
                pairs += [
                    (str(key), value if isinstance(value, str) else json.dumps(value))
                    for key, value in document.items()
                ]
    for key, value in pairs:
        previous = params.get(key)
        if previous is None:
            params[key] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            params[key] = [previous, value]
    return params


@dataclass(frozen=True)
class AgentRuntime:
    """The guarded catalogue bound to a client (and a ledger, when there is one)."""

    catalogue: GuardedCatalogue
    context: ActionContext
    preview_client: AsyncClient | None = None

    @property
    def guardrails(self) -> Guardrails:
        return self.catalogue.guardrails

    @property
    def ledger(self) -> LedgerStore | None:
        ledger: LedgerStore | None = self.context.ledger
        return ledger

    def require_ledger(self) -> LedgerStore:
        """The ledger, or a ConfigurationError saying how to configure one."""
        if self.ledger is None:
            raise ConfigurationError(
                "no ledger is configured, so there is no message history to read",
                field="ledger",
                hint="Start the server with a ledger (--db sqlite:///path.db, or "
                "TWILIOKIT_DATABASE_URL); the webhook receiver fills it.",
            )
        return self.ledger

    async def invoke(self, name: object, arguments: object) -> dict[str, Any]:
        """Run an action within the guardrails (see ``GuardedCatalogue.invoke``)."""
        return (await self.call(name, arguments)).output

    async def call(
        self, name: object, arguments: object, *, progress: ProgressReporter | None = None
    ) -> CallOutcome:
        """:meth:`invoke`, and what the surfaces say about the call besides its output:
        whether it replayed an idempotency key's first answer. ``progress`` receives the
        action's progress reports (``wait_for_delivery``), for this call only."""
        from twiliokit.actions.idempotency import REPLAYED, was_replayed

        # One context per call: the shared one's extras would carry one call's replay flag
        # into the next (and into a concurrent call). What a call adds there for later calls
        # (the in-memory idempotency store, when there is no ledger) is kept.
        extras = {key: value for key, value in self.context.extras.items() if key != REPLAYED}
        context = dataclasses.replace(self.context, extras=extras, progress=progress)
        output = await self.catalogue.invoke(
            name, arguments, context=context, preview_client=self.preview_client
        )
        for key, value in extras.items():
            if key != REPLAYED:
                self.context.extras.setdefault(key, value)
        return CallOutcome(output=output, replayed=was_replayed(context))


@dataclass(frozen=True)
class CallOutcome:
    """A tool call's output, and whether it is the replay of an idempotency key's first
    answer (nothing was sent this time)."""

    output: dict[str, Any]
    replayed: bool = False


@contextlib.asynccontextmanager
async def open_runtime(
    connection: Connection,
    catalogue: GuardedCatalogue,
    *,
    ledger: LedgerStore | None = None,
    hooks: SendHooks | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
    now: Callable[[], datetime] | None = None,
) -> AsyncIterator[AgentRuntime]:
    """Open the Twilio client (and, in dry-run mode, the reads-only preview client) and yield
    the runtime; both are closed on exit. The ledger, if given, is the caller's to close.

    ``transport`` replaces the network (``httpx.ASGITransport`` over the emulator app);
    ``hooks`` are the operator's own send hooks (compliance, ledger records), run inside the
    guardrails' checks.
    """
    from twiliokit.client import AsyncClient

    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            AsyncClient(connection, transport=transport, retry=retry)
        )
        preview: AsyncClient | None = None
        if catalogue.guardrails.dry_run:
            reads = ReadsOnlyTransport(
                transport or httpx.AsyncHTTPTransport(trust_env=False),
                owns_inner=transport is None,
            )
            preview = await stack.enter_async_context(
                AsyncClient(connection, transport=reads, retry=retry)
            )
        context = ActionContext(
            client=client,
            connection=connection,
            ledger=ledger,
            hooks=hooks if hooks is not None else NoHooks(),
        )
        if now is not None:
            context.now = now
        yield AgentRuntime(catalogue=catalogue, context=context, preview_client=preview)


class BackgroundRuntime:
    """A runtime opened in the background, so that a server answers its first requests
    (MCP ``initialize``, ``tools/list``) while the Twilio client and the ledger open.

    ``run(opener)`` opens the runtime and holds it open until :meth:`close`; :meth:`get`
    waits for it. If opening fails, every :meth:`get` raises a ConfigurationError saying
    why, which a tool call reports as its error.
    """

    def __init__(self) -> None:
        import anyio

        self._ready = anyio.Event()
        self._closing = anyio.Event()
        self._runtime: AgentRuntime | None = None
        self._failure: TwiliokitError | None = None

    async def run(
        self, opener: Callable[[], contextlib.AbstractAsyncContextManager[AgentRuntime]]
    ) -> None:
        """Open the runtime with ``opener()`` and keep it open until :meth:`close`."""
        try:
            async with opener() as runtime:
                self._runtime = runtime
                self._ready.set()
                await self._closing.wait()
        except TwiliokitError as exc:
            if self._runtime is None:
                self._failure = exc
            else:
                logger.warning("closing the runtime failed: %s", exc.message)
        except Exception:
            if self._runtime is not None:
                raise
            # A bug rather than a configuration problem: keep the details in the log (its
            # handler masks secrets) and answer tool calls with an error saying where to look.
            logger.exception("opening the Twilio client and the ledger failed unexpectedly")
            self._failure = TwiliokitError(
                "opening the Twilio client and the ledger failed unexpectedly",
                hint="This is a twiliokit bug: the server log has the details.",
            )
        finally:
            self._ready.set()

    async def get(self) -> AgentRuntime:
        """The open runtime, once it is open; a ConfigurationError if it could not open."""
        await self._ready.wait()
        if self._runtime is not None:
            return self._runtime
        failure = self._failure or TwiliokitError("the server is shutting down")
        raise ConfigurationError(
            f"the server could not open its Twilio client and ledger: {failure.message}",
            field=failure.field or "ledger",
            hint=failure.hint or "Check the server's --db and credentials, then restart it.",
        )

    def close(self) -> None:
        """Let :meth:`run` close the runtime and return."""
        self._closing.set()
