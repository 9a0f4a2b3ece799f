"""Check that constraints.txt pins every dependency pyproject.toml declares, within its bounds.

`make lint` runs it: a dependency added to pyproject.toml without re-running `make lock`
would otherwise install whatever the index has that day. Exit status 1 lists what is wrong.

Usage: python scripts/check_constraints.py [PYPROJECT] [CONSTRAINTS]
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]


def declared(pyproject: dict[str, object]) -> list[Requirement]:
    """Every requirement in [project] dependencies and optional-dependencies, except the
    project's own name (an extra that includes other extras)."""
    project = pyproject["project"]
    assert isinstance(project, dict)
    lines: list[str] = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        lines.extend(group)
    own = canonicalize_name(project["name"])
    requirements = [Requirement(line) for line in lines]
    return [r for r in requirements if canonicalize_name(r.name) != own]


def pinned(text: str) -> tuple[dict[str, Version], list[str]]:
    """The ``name==version`` lines of a constraints file, and the lines that are not that."""
    pins: dict[str, Version] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        try:
            pins[canonicalize_name(name.strip())] = Version(version.strip())
        except InvalidVersion:
            sep = ""
        if not sep or not name.strip():
            problems.append(f"line {number}: {raw!r} is not a pin of the form name==version")
    return pins, problems


def check(pyproject_path: Path, constraints_path: Path) -> list[str]:
    """What is wrong, one sentence each; empty when every dependency is pinned in range."""
    pyproject = tomllib.loads(pyproject_path.read_text(encoding="utf-8"))
    pins, problems = pinned(constraints_path.read_text(encoding="utf-8"))
    for requirement in declared(pyproject):
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is in pyproject.toml but not pinned")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(
                f"{requirement.name}=={version} is outside pyproject.toml's "
                f"'{requirement.specifier}'"
            )
    return problems


def main(argv: list[str]) -> int:
    pyproject_path = Path(argv[0]) if argv else ROOT / "pyproject.toml"
    constraints_path = Path(argv[1]) if len(argv) > 1 else ROOT / "constraints.txt"
    problems = check(pyproject_path, constraints_path)
    for problem in problems:
        print(f"{constraints_path.name}: {problem}", file=sys.stderr)
    if problems:
        print(
            "Run `make lock` to regenerate it from a fresh install, then `make test`.",
            file=sys.stderr,
        )
        return 1
    print(f"{constraints_path.name} pins all {len(declared_names(pyproject_path))} dependencies.")
    return 0


def declared_names(pyproject_path: Path) -> set[str]:
    pyproject = tomllib.loads(pyproject_path.read_text(encoding="utf-8"))
    return {canonicalize_name(r.name) for r in declared(pyproject)}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
