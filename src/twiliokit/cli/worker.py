"""`twiliokit worker`: the outbox worker on its own (``serve`` runs one in-process).

Sends what the outbox holds (scheduled sends, bulk batches, forwarded webhooks) at each
sender's pace, reconciles what a crash left unknown, and logs each item it finishes (ids,
senders, outcomes; never bodies or credentials). SIGTERM or Ctrl-C stops it cleanly: requests
in flight finish, unstarted claims are given back, and it exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer

from twiliokit.cli import output
from twiliokit.cli.runner import BaseUrlOption, ConfigOption, DbOption, ProfileOption
from twiliokit.cli.service_config import (
    compliance_from,
    config_sections,
    config_where,
    configure_logging,
)
from twiliokit.config_file import DATABASE_URL_ENV, PUBLIC_URL_ENV
from twiliokit.errors import ConfigurationError
from twiliokit.outbox.settings import MAX_CONCURRENCY

__all__ = ["READY", "worker_command"]

#: The line `twiliokit worker` prints once it is sending (scripts and tests wait for it).
READY = "twiliokit worker"


def worker_command(
    db: DbOption = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            min=1,
            max=MAX_CONCURRENCY,
            help=f"Requests this worker has out at the same time (1 to {MAX_CONCURRENCY:,}; "
            "run more workers for more). Default: concurrency in the config file's "
            "\\[outbox] table, else 8.",
        ),
    ] = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Run the outbox worker: send what is queued, at each sender's pace, until stopped.

    Run any number on PostgreSQL (on any machines); on SQLite, workers of one machine only.
    Rates, in-flight cap and leases come from the config file's \\[outbox] table
    (docs/outbox.md).
    """
    secrets: list[str] = []
    with output.errors_handled(as_json=False, secrets=secrets):
        from twiliokit.cli.connection import resolve_for_cli
        from twiliokit.ledger.urls import resolve_ledger_url
        from twiliokit.outbox.settings import SECTION, OutboxSettings

        environ = dict(os.environ)
        connection, _ = resolve_for_cli(
            profile=profile, config=config, base_url=base_url, environ=environ
        )
        secrets.extend(connection.secret_values())
        sections = config_sections(environ, config)
        where = config_where(environ, config)
        settings = OutboxSettings.from_section(sections.get(SECTION), where=where)
        if concurrency is not None:
            settings = dataclasses.replace(settings, concurrency=concurrency)
        ledger_url = db or environ.get(DATABASE_URL_ENV, "").strip() or None
        target = resolve_ledger_url(ledger_url)
        if target.is_memory:
            raise ConfigurationError(
                "the worker needs a shared ledger: an in-memory one holds nothing to send",
                field="db",
                hint="Give --db sqlite:///path.db or --db postgresql://... (the one serve and "
                "your sends use).",
            )
        configure_logging(secrets, level=logging.INFO)
        asyncio.run(
            _run(
                connection,
                ledger_url,
                settings,
                compliance=compliance_from(sections, where),
                public_url=_public_url(environ, sections),
            )
        )


def _public_url(environ: Mapping[str, str], sections: Mapping[str, Any]) -> str | None:
    webhooks = sections.get("webhooks")
    section_url = webhooks.get("public_url") if isinstance(webhooks, Mapping) else None
    return environ.get(PUBLIC_URL_ENV, "").strip() or section_url or None


async def _run(
    connection: Any, ledger_url: str | None, settings: Any, *, compliance: Any, public_url: Any
) -> None:
    from twiliokit.ledger import open_ledger
    from twiliokit.outbox.running import build_worker, worker_client

    ledger = await open_ledger(ledger_url)
    loop = asyncio.get_running_loop()
    try:
        async with (
            worker_client(connection) as client,
            build_worker(
                ledger,
                client,
                settings=settings,
                compliance=compliance,
                status_callback_url=public_url,
            ) as worker,
        ):
            # Installed until the claims are given back and the ledger is closed.
            stop = _StopOnSignal(worker.stop, loop)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop, signum)
            typer.echo(
                f"{READY} {worker.owner}: sending from the outbox "
                f"(concurrency {settings.concurrency}); SIGTERM or Ctrl-C stops it"
            )
            _steady_timers()
            await worker.run()
    finally:
        await ledger.close()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signum)
    typer.echo(f"{READY} {worker.owner}: stopped", err=True)


#: Seconds within which a repeated signal is the same request to stop: GNU ``timeout`` (and
#: supervisors like it) signal the process and then its process group, so it gets two at once.
REPEAT_GRACE = 1.0


class _StopOnSignal:
    """The first SIGTERM or SIGINT stops the worker cleanly; a repeat within
    :data:`REPEAT_GRACE` is the same request; a later one (a second Ctrl-C while the stop
    hangs) ends the process at once, as the signal would have without a handler."""

    def __init__(self, stop: Callable[[], None], loop: asyncio.AbstractEventLoop) -> None:
        self._stop = stop
        self._loop = loop
        self._first: float | None = None

    def __call__(self, signum: int) -> None:
        now = self._loop.time()
        if self._first is None:
            self._first = now
            self._stop()
        elif now - self._first > REPEAT_GRACE:
            typer.echo(f"{READY}: stopped at once (signal {signum} again)", err=True)
            os._exit(128 + signum)


def _steady_timers() -> None:
    """A worker's sends leave on timers a few milliseconds apart, so the event loop's stalls
    must stay short. What is alive once the worker is built (modules, compiled statements,
    the client) is moved out of the collector's way (``gc.freeze``), so that a full
    collection no longer walks it; and a ledger thread running Python gives the GIL back to
    the loop after 1 ms instead of 5."""
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(0.001)
