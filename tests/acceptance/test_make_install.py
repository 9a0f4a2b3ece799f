"""The Makefile's install steps: `make run` installs only what running needs, `make test` only
adds the test tools, neither repeats what the other did, and both install from
constraints.txt. Read from what `make -n` would run, on a copy of the Makefile."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = "install --constraint constraints.txt --editable ."
TEST_TOOLS = "install --constraint constraints.txt --editable '.[dev]'"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the Makefile beside a pyproject.toml and constraints.txt, no .venv yet."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
        os.utime(tmp_path / name, (1_000, 1_000))
    return tmp_path


def planned(tree: Path, target: str) -> str:
    """What `make TARGET` would run, without running it."""
    done = subprocess.run(
        ["make", "-n", target], cwd=tree, capture_output=True, text=True, check=True
    )
    return done.stdout


def installed(tree: Path, *stamps: str, at: int = 2_000) -> None:
    """A .venv as an earlier make left it: its python and the given stamps, dated ``at``."""
    (tree / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    for name in ("bin/python", *stamps):
        (tree / ".venv" / name).touch()
        os.utime(tree / ".venv" / name, (at, at))


def test_a_fresh_make_run_installs_only_what_running_needs(tree: Path) -> None:
    """On a fresh tree, `make run` creates .venv and installs twiliokit from constraints.txt
    without the dev extra, saying what it does."""
    plan = planned(tree, "run")
    assert "-m venv .venv" in plan
    assert RUNTIME in plan
    assert "[dev]" not in plan
    assert "==> Installing" in plan
    assert "--quiet" not in plan


def test_make_test_after_make_run_only_adds_the_test_tools(tree: Path) -> None:
    """After `make run`, `make lint` (part of `make test`) installs the dev extra and nothing
    else."""
    installed(tree, ".installed-run")
    plan = planned(tree, "lint")
    assert TEST_TOOLS in plan
    assert RUNTIME not in plan.replace(TEST_TOOLS, "")
    assert "-m venv" not in plan


def test_make_run_after_make_test_installs_nothing(tree: Path) -> None:
    """After `make test`, neither `make run` nor `make lint` installs anything."""
    installed(tree, ".installed-run", ".installed-test")
    assert "pip install" not in planned(tree, "run")
    assert "pip install" not in planned(tree, "lint")


def test_a_changed_constraints_file_reinstalls(tree: Path) -> None:
    """A newer constraints.txt (after `make lock`) makes `make run` install again, and
    `make test` then refreshes the test tools too."""
    installed(tree, ".installed-run", ".installed-test")
    os.utime(tree / "constraints.txt", (3_000, 3_000))
    assert RUNTIME in planned(tree, "run")
    assert TEST_TOOLS in planned(tree, "lint")
