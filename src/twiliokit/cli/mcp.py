"""`twiliokit mcp`: the MCP server over stdio, for Claude Desktop, Claude Code, Cursor and
every other MCP client (see docs/mcp.md).

Credentials come from the environment, the config file or the vault, exactly as for every
other command: never from tool arguments, and never from the command line (``ps`` would show
them). The ``[guardrails]`` table of the config file limits what agents may do;
``--read-only``, ``--dry-run``, ``--only`` and ``--group`` only ever tighten it. stdout is
the MCP channel: errors before the server starts, and the log, go to stderr.

Start-up is ordered for MCP clients, which wait on it: the configuration is checked (a
mistake exits before serving), ``initialize`` and ``tools/list`` are answered by
:mod:`twiliokit.server.mcp_front` before the MCP SDK is imported, and the Twilio client and the
ledger open in the background while the SDK serves the rest.

The config file's tables are read as for `twiliokit serve`
(:mod:`twiliokit.cli.service_config`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.completions import action_groups, action_names
from twiliokit.cli.runner import BaseUrlOption, ConfigOption, NoLedgerOption, ProfileOption
from twiliokit.cli.service_config import (
    compliance_from,
    config_sections,
    config_where,
    configure_logging,
    guardrails_from,
)
from twiliokit.config_file import DATABASE_URL_ENV, PUBLIC_URL_ENV

if TYPE_CHECKING:
    from twiliokit.compliance import ComplianceSettings
    from twiliokit.connections import Connection
    from twiliokit.server.guardrails import GuardedCatalogue, Guardrails
    from twiliokit.server.mcp_front import Handshake
    from twiliokit.server.runtime import AgentRuntime

__all__ = ["mcp_command"]

ReadOnlyOption = Annotated[
    bool,
    typer.Option(
        "--read-only",
        help="Offer only tools that read; refuse every write. (config file: guardrails.read_only)",
    ),
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Writes return a preview of what they would send (segments, cost class) and send "
        "nothing. (config file: guardrails.dry_run)",
    ),
]


OnlyOption = Annotated[
    str | None,
    typer.Option(
        "--only",
        metavar="NAME,...",
        autocompletion=action_names,
        help="Offer only these tools (action names or aliases), as `actions schema --only` "
        "prints them; the others are refused.",
    ),
]
GroupOption = Annotated[
    str | None,
    typer.Option(
        "--group",
        metavar="GROUP,...",
        autocompletion=action_groups,
        help="Offer only the tools of these areas: messaging, voice, verify, lookup, numbers, "
        "ledger, outbox, raw (with --only: the tools either chooses).",
    ),
]


def mcp_command(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    read_only: ReadOnlyOption = False,
    dry_run: DryRunOption = False,
    only: OnlyOption = None,
    group: GroupOption = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Ledger database URL, for send records, opt-outs and the conversation and "
            "status resources. Default: the SQLite ledger in the user data directory, as "
            f"every command uses (created if missing). (env: {DATABASE_URL_ENV})",
        ),
    ] = None,
    no_ledger: NoLedgerOption = False,
) -> None:
    """Serve twiliokit's actions as MCP tools over stdio (for Claude Desktop, Claude Code...).

    Credentials come from TWILIO_* environment variables, the config profile or the vault,
    never from arguments."""
    secrets: list[str] = []
    with output.errors_handled(as_json=False, secrets=secrets):
        from twiliokit.cli.connection import resolve_for_cli
        from twiliokit.server.guardrails import GuardedCatalogue

        environ = os.environ
        connection, _ = resolve_for_cli(
            profile=profile, config=config, base_url=base_url, environ=environ
        )
        secrets.extend(connection.secret_values())
        sections = config_sections(environ, config)
        where = config_where(environ, config)
        guardrails = guardrails_from(sections, read_only=read_only, dry_run=dry_run, where=where)
        catalogue = GuardedCatalogue(_offering(guardrails, only, group))
        compliance = compliance_from(sections, where)
        webhooks = sections.get("webhooks")
        public = environ.get(PUBLIC_URL_ENV, "").strip() or (
            webhooks.get("public_url") if isinstance(webhooks, Mapping) else None
        )
        # "": the default SQLite ledger (open_ledger's form), as the other commands open it;
        # None: no ledger at all (--no-ledger).
        ledger_url: str | None = (
            None if no_ledger else db or environ.get(DATABASE_URL_ENV, "").strip()
        )
        if ledger_url:  # a URL that cannot be a ledger stops here, as in serve
            from twiliokit.ledger.urls import resolve_ledger_url

            resolve_ledger_url(ledger_url)
        # stderr, as always: stdout carries the protocol.
        configure_logging(secrets, level=logging.WARNING)
        opener = functools.partial(
            _open_runtime, connection, catalogue, ledger_url, compliance, public or None
        )
        # initialize and tools/list are answered before the MCP SDK is even imported (see
        # twiliokit.server.mcp_front); the SDK takes over from there.
        import platformdirs

        from twiliokit.server.mcp_front import Handshake, ServerFacts, answer_first_requests
        from twiliokit.server.tool_cache import mcp_tools

        tools = functools.cache(
            lambda: mcp_tools(catalogue, platformdirs.user_cache_path("twiliokit"))
        )
        handshake = Handshake(ServerFacts.of(catalogue.guardrails), tools)
        if answer_first_requests(sys.stdin.buffer, sys.stdout.buffer, handshake):
            _run(catalogue, opener, handshake, tools())


def _offering(guardrails: Guardrails, only: str | None, group: str | None) -> Guardrails:
    """The guardrails narrowed to the tools ``--only``/``--group`` choose: an allow list
    within the configured one (the flags only ever take tools away)."""
    import dataclasses

    from twiliokit.actions import catalogue
    from twiliokit.cli.actions import selected_actions

    if only is None and group is None:
        return guardrails
    chosen = {action.name for action in selected_actions(catalogue(), only, group)}
    if guardrails.allow_tools is not None:
        chosen = {
            action.name
            for action in catalogue()
            if action.name in chosen and {action.name, *action.aliases} & guardrails.allow_tools
        }
    return dataclasses.replace(guardrails, allow_tools=frozenset(chosen))


def _run(
    catalogue: GuardedCatalogue,
    opener: Callable[[], contextlib.AbstractAsyncContextManager[AgentRuntime]],
    handshake: Handshake,
    tools: list[dict[str, Any]],
) -> None:
    import anyio

    from twiliokit.server.mcp import serve_stdio

    anyio.run(serve_stdio, catalogue, opener, handshake, tools)


@contextlib.asynccontextmanager
async def _open_runtime(
    connection: Connection,
    catalogue: GuardedCatalogue,
    ledger_url: str | None,
    compliance: ComplianceSettings,
    public_url: str | None,
) -> AsyncIterator[AgentRuntime]:
    """The ledger (``""``: the default one; ``None``: none) and the runtime over it, opened
    while the server already answers (the ledger's SQLAlchemy and migrations take longer than
    an MCP client's first requests should)."""
    from twiliokit.ledger import open_ledger
    from twiliokit.server.runtime import open_runtime

    async with contextlib.AsyncExitStack() as stack:
        ledger = None
        hooks = None
        if ledger_url is not None:
            from twiliokit.compliance import LedgerHooks

            ledger = await open_ledger(ledger_url or None)
            stack.push_async_callback(ledger.close)
            hooks = LedgerHooks(ledger, compliance, status_callback_url=public_url)
        yield await stack.enter_async_context(
            open_runtime(connection, catalogue, ledger=ledger, hooks=hooks)
        )
