"""What the command line prints: rich tables for people, JSON for machines, and one error path.

Every command ends in one of two ways:

* success: ``show_json`` (``--json``, or commands whose answer is JSON by nature) or a rich
  table (``show_record`` for one resource, ``show_rows`` for a list);
* failure: ``fail`` (a ``twiliokit.errors.TwiliokitError``) or ``fail_unexpected`` (anything
  else). Both print one line on stderr, ``error: MESSAGE. Hint: HINT.``, or with ``--json`` the
  error object ``{"error": {"type", "message", "code", "status", "retryable", "hint",
  "field"}}`` on stdout, and exit with the status of :func:`exit_code` (the table in
  docs/cli.md). The message and hint name the command's flags, not the action's argument
  names (``twiliokit.cli.wording``).

No traceback ever reaches the user: ``errors_handled`` wraps a command body and routes
every exception through here.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from twiliokit.cli.wording import error_details, flags_of, in_cli_words
from twiliokit.errors import (
    ComplianceError,
    ConfigurationError,
    LedgerLocationError,
    TwiliokitError,
    UnknownOutcomeError,
    ValidationError,
)
from twiliokit.redaction import masked

if TYPE_CHECKING:
    from twiliokit.actions.context import ActionContext
    from twiliokit.http.policies import RetryPolicy
    from twiliokit.http.retry_notice import RetryNotice

__all__ = [
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_NEGATIVE",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_UNKNOWN_OUTCOME",
    "error_object",
    "errors_handled",
    "exit_code",
    "exit_endings",
    "fail",
    "fail_unexpected",
    "list_view",
    "mark_replay",
    "retry_policy",
    "show_json",
    "show_list",
    "show_record",
    "show_rows",
]

# The exit statuses, one per kind of ending (the table in docs/cli.md). 1 and 2 kept the
# meanings they had before the others existed.
#: It worked.
EXIT_OK = 0
#: Twilio answered with an error, the network failed, or twiliokit itself failed.
EXIT_FAILED = 1
#: The input or the configuration is wrong: the same command will fail again.
EXIT_INPUT = 2
#: The command worked and the answer is "no": a wrong Verify code, a signature that does not
#: match.
EXIT_NEGATIVE = 3
#: A compliance rule or a policy (guardrails, opt-out, quiet hours) refused: nothing was sent.
EXIT_REFUSED = 4
#: A create was sent and no answer came back: it may or may not have happened.
EXIT_UNKNOWN_OUTCOME = 5
#: Interrupted (Ctrl-C), as shells report SIGINT.
EXIT_INTERRUPTED = 130

#: Command groups that speak the catalogue's own terms (JSON arguments, action names): their
#: errors keep argument and action names.
_ARGUMENT_SURFACES = ("actions",)

#: Width used when stdout is not a terminal and COLUMNS is unset. Rich's default there (80)
#: folds 34-character SIDs mid-token in a many-column table, which breaks grep and copy-paste.
_PIPE_WIDTH = 200


def exit_code(exc: BaseException) -> int:
    """The exit status for ``exc`` (see the ``EXIT_*`` constants)."""
    if isinstance(exc, ValidationError | ConfigurationError | LedgerLocationError):
        return EXIT_INPUT
    if isinstance(exc, ComplianceError):
        return EXIT_REFUSED
    if isinstance(exc, UnknownOutcomeError):
        return EXIT_UNKNOWN_OUTCOME
    return EXIT_FAILED


def _current_context() -> Any:
    """The context of the command that is running, or ``None`` (outside a command, or with
    a typer that does not vendor click as 0.29 does)."""
    try:
        # typer 0.29 vendors click and does not re-export get_current_context.
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - another typer: errors keep argument names
        return None
    return get_current_context(silent=True)


def _current_flags() -> dict[str, str] | None:
    """argument name -> flag, from the command that is running (none outside a command);
    ``None`` for the ``actions`` commands, whose input is the action's own JSON arguments."""
    ctx = _current_context()
    if ctx is None:
        return {}
    path = ctx.command_path.split(" ")[1:]
    if path[:1] and path[0] in _ARGUMENT_SURFACES:
        return None
    return flags_of(ctx.command.params)


def _ledger_source() -> str:
    """Where the running command's ledger URL came from, as an error names it: ``--db``,
    else TWILIOKIT_DATABASE_URL, else the default ledger (``twiliokit.cli.runner`` reads it
    in that order)."""
    from twiliokit.config_file import DATABASE_URL_ENV

    ctx = _current_context()
    if ctx is not None and ctx.params.get("db"):
        return "--db"
    if os.environ.get(DATABASE_URL_ENV, "").strip():
        return DATABASE_URL_ENV
    return "the default ledger"


def _name_ledger_source(details: dict[str, Any]) -> None:
    """An error about the ledger's URL (field ``ledger_url``) names where the URL came from:
    "--db sqlite:///x.db: x.db is not a SQLite database" rather than "ledger URL ..."."""
    from twiliokit.ledger.database import LEDGER_URL

    source = _ledger_source()
    message = str(details.get("message") or "")
    if message.startswith(f"{LEDGER_URL} "):
        details["message"] = f"{source} {message.removeprefix(LEDGER_URL).lstrip()}"
    else:
        details["message"] = f"{source}: {message}"
    if source == "--db":
        details["flag"] = source


def error_object(
    exc: TwiliokitError,
    *,
    secrets: Iterable[str] = (),
    flags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``--json`` error document: ``{"error": exc.to_dict()}`` in the command's words
    (``flag`` added when the error is about one), with secrets masked."""
    words = in_cli_words(exc, flags if flags is not None else _current_flags())
    details = error_details(exc, words)
    if exc.field == "ledger_url":
        _name_ledger_source(details)
    return {"error": masked(details, secrets)}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def fail(
    exc: TwiliokitError,
    *,
    as_json: bool = False,
    secrets: Iterable[str] = (),
    flags: Mapping[str, str] | None = None,
) -> NoReturn:
    """Report ``exc`` (one stderr line, or the JSON error object on stdout) and exit.

    ``flags`` maps argument names to the flags to name instead; by default, those of the
    command that is running.
    """
    details = error_object(exc, secrets=secrets, flags=flags)["error"]
    if as_json:
        typer.echo(json.dumps({"error": details}, indent=2))
    else:
        hint = f" Hint: {details['hint']}" if details.get("hint") else ""
        # Twilio's own message is terse ("Authenticate"): its code is what its docs index.
        message = str(details["message"])
        if details.get("code"):
            code = f" (Twilio error {details['code']})"
            # "... /2010-04-01/..." keeps its ellipsis: only a full stop moves after the code.
            full_stop = message.endswith(".") and not message.endswith("...")
            message = f"{message[:-1]}{code}." if full_stop else message + code
        typer.echo(_one_line(f"error: {message}{hint}"), err=True)
    raise typer.Exit(exit_code(exc))


def fail_unexpected(
    exc: BaseException, *, as_json: bool = False, secrets: Iterable[str] = ()
) -> NoReturn:
    """Report an exception from outside the twiliokit tree as a twiliokit error, and exit 1."""
    detail = str(exc) or "no details"
    error = TwiliokitError(
        f"unexpected {type(exc).__name__}: {detail}",
        hint="This is a bug in twiliokit or a library it uses; please report it with the "
        "command you ran.",
    )
    error.error_type = "internal_error"
    fail(error, as_json=as_json, secrets=secrets, flags={})


def exit_endings() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """The exceptions that end a command with a status, and those that abort it.

    typer 0.29 vendors click: its ``Exit`` no longer subclasses click's, so both are listed
    (click's only when typer already imported it, as typer before 0.29 does: importing it
    here would slow every start for nothing).
    """
    exits: list[type[BaseException]] = [typer.Exit]
    aborts: list[type[BaseException]] = [typer.Abort]
    click: Any = sys.modules.get("click")
    if click is not None:
        exits.append(click.exceptions.Exit)
        aborts.append(click.exceptions.Abort)
    return tuple(exits), tuple(aborts)


def _typer_endings() -> tuple[type[BaseException], ...]:
    """What typer raises to end a command on purpose: exits, aborts and usage errors."""
    exits, aborts = exit_endings()
    endings = [*exits, *aborts]
    usage = getattr(typer, "TyperException", None)
    if isinstance(usage, type) and issubclass(usage, BaseException):
        endings.append(usage)
    click: Any = sys.modules.get("click")
    if click is not None:
        endings.append(click.ClickException)
    return tuple(endings)


@contextmanager
def errors_handled(*, as_json: bool, secrets: Iterable[str] = ()) -> Iterator[None]:
    """Turn any exception raised inside into ``fail``; let typer's own exits through."""
    endings = _typer_endings()
    try:
        yield
    except endings:
        # typer.Exit is a RuntimeError subclass and usage errors are typer's to print.
        raise
    except TwiliokitError as exc:
        fail(exc, as_json=as_json, secrets=secrets)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        fail_unexpected(exc, as_json=as_json, secrets=secrets)


def _say_retry(notice: RetryNotice) -> None:
    typer.echo(notice.describe(), err=True)


def retry_policy() -> RetryPolicy:
    """The default retry policy, saying on stderr what each retry does ("Twilio answered
    429; retrying in 2 s, attempt 2 of 4"): a long wait is never silent."""
    from twiliokit.http.policies import RetryPolicy

    return RetryPolicy(on_retry=_say_retry)


def mark_replay(result: dict[str, Any], context: ActionContext) -> dict[str, Any]:
    """``result`` with ``"idempotent_replayed": true`` when it is the first send's output
    given again for a reused ``--idempotency-key`` (nothing was sent this time)."""
    from twiliokit.actions.idempotency import REPLAYED, was_replayed

    return {**result, REPLAYED: True} if was_replayed(context) else result


def show_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


#: Widest a column counts for when deciding whether a table fits (long text folds anyway).
_FIT_CAP = 24


def _fits(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], width: int) -> bool:
    """Whether a table of these rows is readable in ``width`` characters."""
    needed = 1
    for column in columns:
        longest = max(len(column), *(len(str(row.get(column) or "-")) for row in rows))
        needed += min(longest, _FIT_CAP) + 3  # the cell, its padding and a border
    return needed <= width


def _console() -> Any:
    from rich.console import Console

    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else _PIPE_WIDTH
    # highlight=False: rich would colour numbers and SIDs inside message bodies at random.
    return Console(highlight=False, width=width)


def _cell(value: Any) -> Any:
    """A table cell as plain ``Text``: user data (message bodies) is never read as markup."""
    from rich.text import Text

    if value is None:
        return Text("-", style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, Mapping | list | tuple):
        return Text(json.dumps(value, ensure_ascii=False, default=str))
    return Text(str(value))


#: Output fields left out of tables: Twilio's raw resource is for programs (see --json).
_MACHINE_ONLY = frozenset({"raw"})


def show_record(record: Mapping[str, Any], *, title: str | None = None) -> None:
    """One resource as a two-column table: field, value (nested values as compact JSON)."""
    from rich.table import Table

    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in record.items():
        if key not in _MACHINE_ONLY:
            table.add_row(str(key), _cell(value))
    _console().print(table)


def show_rows(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    title: str | None = None,
    empty: str = "Nothing found.",
    footer: str | None = None,
) -> None:
    """A list of resources as a table with ``columns`` (keys of each row), then ``footer``."""
    from rich.table import Table

    console = _console()
    if not rows:
        console.print(empty, markup=False)
    elif _fits(rows, columns, console.width):
        table = Table(title=title)
        for column in columns:
            # A SID is only useful whole: it keeps its width (34 characters), and the rest
            # folds onto more lines rather than being cut to "...".
            if column == "sid" or column.endswith("_sid"):
                table.add_column(column, no_wrap=True, min_width=34)
            else:
                table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(_cell(row.get(column)) for column in columns))
        console.print(table)
    else:
        # Too narrow for a readable table: one block of "column: value" lines per row.
        if title:
            console.print(title, markup=False)
        label = max(len(column) for column in columns)
        for row in rows:
            for column in columns:
                console.print(f"{column:<{label}}  ", _cell(row.get(column)), sep="")
            console.print()
    if footer:
        console.print(footer, markup=False)


def show_list(
    result: Mapping[str, Any],
    key: str,
    columns: Sequence[str],
    *,
    empty: str = "Nothing found.",
) -> None:
    """A list output (``result[key]``) as a table of ``columns``, followed by the other
    top-level values that are set (such as ``next_page_token``) as ``name: value`` lines."""
    rows: list[Mapping[str, Any]] = list(result.get(key) or [])
    extras = [
        f"{name}: {value}"
        for name, value in result.items()
        if name != key and value is not None and not isinstance(value, Mapping | list)
    ]
    show_rows(rows, columns, empty=empty, footer="\n".join(extras) or None)


def list_view(
    key: str, columns: Sequence[str], *, empty: str = "Nothing found."
) -> Callable[[Mapping[str, Any]], None]:
    """A ``show`` for ``runner.execute``: ``show_list`` of ``result[key]``."""

    def show(result: Mapping[str, Any]) -> None:
        show_list(result, key, columns, empty=empty)

    return show
