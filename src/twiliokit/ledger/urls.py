"""Where the ledger lives: parsing ledger URLs and the default location (pure, no I/O).

Accepted URLs:

- ``None`` or ``""``: SQLite at :func:`default_ledger_path` (the user data directory);
- ``memory://``: the in-memory fake (nothing is kept);
- ``sqlite:///relative.db``, ``sqlite:////absolute/path.db`` (``sqlite+pysqlite`` and
  ``sqlite+aiosqlite`` are accepted as the same thing), without query arguments (the ledger
  sets SQLite up itself; SQLAlchemy would warn about most of them and go on without them);
- ``postgresql://user:pass@host/db`` (``postgres://``, ``postgresql+psycopg://`` too), which
  needs the ``postgres`` extra (psycopg 3); ``?host=/path/to/socket/dir`` for a unix socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from twiliokit.errors import ValidationError

__all__ = ["LedgerTarget", "default_ledger_path", "default_ledger_url", "resolve_ledger_url"]

MEMORY_URL = "memory://"


def default_ledger_path() -> Path:
    """``<user data dir>/twiliokit/ledger.sqlite3`` (e.g. ``~/.local/share/twiliokit/...``)."""
    return Path(platformdirs.user_data_dir("twiliokit", appauthor=False)) / "ledger.sqlite3"


def default_ledger_url() -> str:
    """The SQLite URL of :func:`default_ledger_path`."""
    return f"sqlite:///{default_ledger_path()}"


@dataclass(frozen=True, slots=True)
class LedgerTarget:
    """A parsed ledger URL: ``url`` is ``None`` for the in-memory fake."""

    url: URL | None = field(repr=False)
    sqlite_path: Path | None = None

    @property
    def is_memory(self) -> bool:
        """The in-memory fake."""
        return self.url is None

    def __repr__(self) -> str:  # the URL's password is masked
        shown = MEMORY_URL if self.url is None else self.url.render_as_string()
        return f"LedgerTarget({shown!r})"


_FIX = (
    "use memory://, sqlite:///path/to/ledger.sqlite3 or postgresql://user:pass@host/db"
    " (or leave it empty for the default SQLite file)"
)


def resolve_ledger_url(url: str | URL | None) -> LedgerTarget:
    """Parse a ledger URL; ValidationError (field ``ledger_url``) when it cannot be used."""
    if url is None or (isinstance(url, str) and not url.strip()):
        url = default_ledger_url()
    if isinstance(url, str) and url.strip() == MEMORY_URL:
        return LedgerTarget(url=None)
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        raise ValidationError(
            f"ledger URL is not a database URL; {_FIX}", field="ledger_url"
        ) from None
    # The driver comes from the name itself: asking SQLAlchemy would load dialect modules.
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in {"", "pysqlite", "aiosqlite"}:
        database = parsed.database or ""
        if database in {"", ":memory:"} or database.startswith("file:"):
            raise ValidationError(
                "an in-memory SQLite ledger is not supported; use memory:// for a throwaway "
                "ledger or give a file path",
                field="ledger_url",
            )
        if parsed.query:
            names = ", ".join(repr(name) for name in parsed.query)
            raise ValidationError(
                f"a SQLite ledger URL takes no query arguments, and this one has {names}",
                field="ledger_url",
                hint=f"Use sqlite:///{database} (without ?...): the ledger sets SQLite up "
                "itself, read-write in WAL mode",
            )
        return LedgerTarget(url=parsed.set(drivername="sqlite"), sqlite_path=Path(database))
    # "postgres://" is the Heroku spelling; the ledger always uses psycopg 3.
    if backend in {"postgresql", "postgres"} and driver in {"", "psycopg", "psycopg_async"}:
        return LedgerTarget(url=parsed.set(drivername="postgresql+psycopg"))
    raise ValidationError(
        f"the ledger does not support {parsed.drivername!r} URLs; {_FIX}", field="ledger_url"
    )
