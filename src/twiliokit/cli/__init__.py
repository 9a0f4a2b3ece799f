"""The `twiliokit` command line: one typer app, one module per command group.

``main`` (the console script) loads the app, typer and every command group inside its guard,
so a Ctrl-C while Python is still loading them (the first few hundred milliseconds, before a
command can handle it) ends the command as every other Ctrl-C does: exit 130, no traceback.
``app`` is loaded on first use (PEP 562), for the same reason.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from twiliokit.cli.app import app

__all__ = ["app", "main"]

#: ``twiliokit.cli.output.EXIT_INTERRUPTED``, without loading typer to know it.
_INTERRUPTED: Final = 130


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the command line (``twiliokit.cli.app.main``)."""
    try:
        from twiliokit.cli.app import main as run

        run(argv)
    except KeyboardInterrupt:
        # Ctrl-C before a command could handle it: quiet, as typer ends a command it stops.
        sys.exit(_INTERRUPTED)


def __getattr__(name: str) -> Any:
    if name == "app":
        from twiliokit.cli.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
