"""What `make run` installs (twiliokit without extras) holds no test tools; `make test` adds them
through the `dev` extra. Read from the installed packages' own metadata."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

TEST_TOOLS = {
    "pytest",
    "pytest-xdist",
    "pytest-timeout",
    "hypothesis",
    "mypy",
    "ruff",
    "twilio",
    "openapi-core",
    "schemathesis",
    "psycopg",
    "build",
    "langchain-core",
    "openai-agents",
}


def closure(name: str, extras: frozenset[str] = frozenset()) -> set[NormalizedName]:
    """Every distribution that installing ``name[extras]`` brings in, per installed metadata."""
    seen: set[NormalizedName] = set()
    visited: set[tuple[NormalizedName, frozenset[str]]] = set()
    pending = [(name, extras)]
    while pending:
        current, wanted = pending.pop()
        if (canonicalize_name(current), wanted) in visited:
            continue
        visited.add((canonicalize_name(current), wanted))
        seen.add(canonicalize_name(current))
        try:
            requires = distribution(current).requires or []
        except PackageNotFoundError:
            continue  # a requirement for another platform (e.g. pywin32): not installed here
        for line in requires:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is not None and not any(
                marker.evaluate({"extra": extra}) for extra in wanted or {""}
            ):
                continue
            pending.append((requirement.name, frozenset(requirement.extras)))
    return seen


def test_running_needs_no_test_tools() -> None:
    """twiliokit's runtime dependencies, followed all the way down, include none of the test
    tools, so `make run`'s `pip install -e .` leaves them out."""
    assert closure("twiliokit") & TEST_TOOLS == set()


def test_the_dev_extra_brings_the_test_tools() -> None:
    """`pip install -e '.[dev]'` (what `make test` adds) brings every test tool, the PostgreSQL
    driver and the adapters' libraries included."""
    assert TEST_TOOLS - closure("twiliokit", frozenset({"dev"})) == set()
