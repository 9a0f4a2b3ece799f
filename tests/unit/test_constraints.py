"""constraints.txt, the tested versions `make` installs, covers pyproject.toml's dependencies
(the check `make lint` runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "scripts" / "check_constraints.py"


def run_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK), *map(str, paths)], capture_output=True, text=True, check=False
    )


def test_the_repository_constraints_pin_every_dependency_in_range() -> None:
    """Every runtime dependency and every extra's is pinned to a version inside its bounds."""
    done = run_check()
    assert done.returncode == 0, done.stderr
    assert "pins all" in done.stdout


def test_a_missing_or_out_of_range_pin_is_named(tmp_path: Path) -> None:
    """A dependency with no pin, a pin outside the bounds and a line that is not a pin are each
    reported by name, with the command that fixes it, and the check fails."""
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.lower().startswith(("orjson==", "mcp=="))]
    broken = tmp_path / "constraints.txt"
    broken.write_text("\n".join([*kept, "mcp==1.9.0", "typer>=0.12"]) + "\n", encoding="utf-8")
    done = run_check(ROOT / "pyproject.toml", broken)
    assert done.returncode == 1
    assert "orjson is in pyproject.toml but not pinned" in done.stderr
    assert "mcp==1.9.0 is outside pyproject.toml's '<3,>=2.3'" in done.stderr
    assert "'typer>=0.12' is not a pin of the form name==version" in done.stderr
    assert "make lock" in done.stderr
