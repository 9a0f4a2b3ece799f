"""Where the installed command is pointed wrongly, it says what is wrong in plain words: a
`--db` (or TWILIOKIT_DATABASE_URL) that is not a SQLite database, a directory, a device, in a
directory that does not exist, with query arguments, or a PostgreSQL server that refuses; and
a base URL nothing listens at. Each names the flag or variable, never an exception class, an
errno or a password, and nothing is sent."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.acceptance.subprocess.conftest import User, emulator_messages
from twiliokit.cli.output import EXIT_FAILED, EXIT_INPUT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

US = "+14155552671"
#: Words that would mean an internal name or number reached the user.
LEAKS = ("Traceback", "Error)", "DatabaseError", "OperationalError", "SAWarning", "Errno")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections: bound, never listening (no fixed number)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield closed.getsockname()[1]


def _clean(done: subprocess.CompletedProcess[str]) -> str:
    """The one error line, checked free of class names, errno and tracebacks."""
    output = done.stdout + done.stderr
    for leak in LEAKS:
        assert leak not in output, output
    return done.stderr


def _not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 10, encoding="utf-8")
    return path


def _a_directory(tmp_path: Path) -> Path:
    path = tmp_path / "a-directory"
    path.mkdir()
    return path


@pytest.mark.parametrize(
    ("where", "words"),
    [
        (_not_a_database, "is not a SQLite database"),
        (_a_directory, "is a directory, not a SQLite database file"),
        (lambda _: Path("/dev/null"), "/dev/null is not a regular file"),
    ],
)
def test_a_db_that_is_not_a_ledger_is_named_with_what_it_is(
    user: User, tmp_path: Path, where: Callable[[Path], Path], words: str
) -> None:
    """`sms send --db` at a non-database file, a directory or /dev/null: the flag, the URL
    and what the path is, exit 2 (fix the input), the file left alone and nothing sent."""
    path = where(tmp_path)
    before = path.read_bytes() if path.is_file() else None
    done = user("sms", "send", US, "hi", "--db", f"sqlite:///{path}")
    assert done.returncode == EXIT_INPUT, done.stderr
    assert _clean(done).startswith(f"error: --db sqlite:///{path}: "), done.stderr
    assert words in done.stderr
    assert done.stderr.count("\n") == 1
    if before is not None:
        assert path.read_bytes() == before
    assert emulator_messages(user.emulator) == []


def test_the_variable_is_named_when_the_url_came_from_it(user: User, tmp_path: Path) -> None:
    """TWILIOKIT_DATABASE_URL at a directory: the JSON error names the variable, field
    ledger_url."""
    directory = _a_directory(tmp_path)
    done = user(
        "sms", "send", US, "hi", "--json", env={"TWILIOKIT_DATABASE_URL": f"sqlite:///{directory}"}
    )
    assert done.returncode == EXIT_INPUT
    _clean(done)
    error = json.loads(done.stdout)["error"]
    assert error["message"].startswith(f"TWILIOKIT_DATABASE_URL sqlite:///{directory}: ")
    assert "is a directory" in error["message"]
    assert error["field"] == "ledger_url"


@pytest.mark.parametrize(
    "command",
    [
        ("worker",),
        ("serve", "--port", "0"),
        ("actions", "run", "send_sms", "--args", json.dumps({"to": US, "body": "hi"})),
        ("sms", "bulk", "CONTACTS", "--body", "hi"),
    ],
    ids=["worker", "serve", "actions-run", "sms-bulk"],
)
def test_every_command_that_opens_the_ledger_says_it_the_same_way(
    user: User, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """worker, serve, actions run and sms bulk refuse a non-database --db in the same words,
    before serving or sending anything."""
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(f"phone\n{US}\n", encoding="utf-8")
    args = [str(contacts) if arg == "CONTACTS" else arg for arg in command]
    path = _not_a_database(tmp_path)
    done = user(*args, "--db", f"sqlite:///{path}")
    assert done.returncode == EXIT_INPUT, done.stdout + done.stderr
    assert _clean(done).startswith(f"error: --db sqlite:///{path}: {path} is not a SQLite")
    assert emulator_messages(user.emulator) == []


def test_a_db_in_a_missing_directory_is_refused_not_created(user: User, tmp_path: Path) -> None:
    """--db in a directory that does not exist names --db and the directory, and creates
    neither the directory nor the file."""
    missing = tmp_path / "no-such-dir" / "deeper"
    done = user("sms", "send", US, "hi", "--db", f"sqlite:///{missing / 'ledger.db'}")
    assert done.returncode == EXIT_INPUT
    assert _clean(done).startswith("error: --db sqlite:///")
    assert f"the directory {missing} does not exist" in done.stderr
    assert f"mkdir -p {missing}" in done.stderr
    assert not (tmp_path / "no-such-dir").exists()
    assert emulator_messages(user.emulator) == []


@pytest.mark.parametrize(
    "command", [("sms", "send", US, "hi"), ("worker",)], ids=["send", "worker"]
)
def test_sqlite_query_arguments_are_refused_naming_them(
    user: User, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """`--db 'sqlite:///x.db?mode=ro'`: exit 2 naming --db and 'mode', no SQLAlchemy warning,
    no file created, nothing sent."""
    path = tmp_path / "x.db"
    done = user(*command, "--db", f"sqlite:///{path}?mode=ro")
    assert done.returncode == EXIT_INPUT, done.stderr
    assert _clean(done).startswith("error: --db: a SQLite ledger URL takes no query arguments")
    assert "'mode'" in done.stderr
    assert done.stderr.count("\n") == 1
    assert not path.exists()
    assert emulator_messages(user.emulator) == []


def test_an_unreachable_postgresql_server_is_named_without_its_password(
    user: User, closed_port: int
) -> None:
    """--db postgresql://... at a port that refuses: the server is named, the password
    masked."""
    url = f"postgresql://ada:s3cret-pw@127.0.0.1:{closed_port}/ledger"
    done = user("sms", "send", US, "hi", "--db", url)
    assert done.returncode == EXIT_FAILED
    assert _clean(done).startswith(
        f"error: --db postgresql+psycopg://ada:***@127.0.0.1:{closed_port}"
    )
    assert "cannot connect to the PostgreSQL server" in done.stderr
    assert "s3cret-pw" not in done.stdout + done.stderr
    assert emulator_messages(user.emulator) == []


def test_a_password_in_the_query_of_a_postgresql_url_is_masked_too(
    user: User, closed_port: int
) -> None:
    """--db postgresql://...?password=... (libpq takes it there too): the error shows it
    masked, as a password in the user info is."""
    url = f"postgresql://ada@127.0.0.1:{closed_port}/ledger?password=s3cret-pw&sslmode=disable"
    done = user("actions", "run", "search_ledger", "--args", "{}", "--db", url)
    assert done.returncode == EXIT_FAILED
    assert _clean(done).startswith(
        f"error: --db postgresql+psycopg://ada@127.0.0.1:{closed_port}/ledger?password=***"
        "&sslmode=disable: cannot connect to the PostgreSQL server"
    )
    assert "s3cret-pw" not in done.stdout + done.stderr


def test_a_base_url_nothing_listens_at_says_connection_refused(
    user: User, closed_port: int
) -> None:
    """TWILIOKIT_BASE_URL at a closed port: "could not connect to URL (connection refused)",
    no errno, exit 1."""
    base = f"http://127.0.0.1:{closed_port}"
    done = user("messages", "list", env={"TWILIOKIT_BASE_URL": base})
    assert done.returncode == EXIT_FAILED
    last = _clean(done).strip().splitlines()[-1]
    assert last.startswith(f"error: Could not connect to {base} (connection refused) for GET ")
