"""The test suite's own rules (docs/dev/team-rules.md), checked so they cannot erode."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _test_functions() -> list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test"
            ):
                found.append((path, node))
    return found


def test_every_test_says_what_it_proves() -> None:
    """Every test function has a docstring."""
    missing = [
        f"{path.relative_to(TESTS)}:{node.lineno} {node.name}"
        for path, node in _test_functions()
        if not ast.get_docstring(node)
    ]
    assert len(_test_functions()) > 500
    assert missing == []


def test_no_test_sleeps_to_wait() -> None:
    """No test code calls sleep() to wait: tests wait on events, virtual time or answers. A
    test server may sleep to play a slow peer, marked `# simulated latency`."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "sleep" and "# simulated latency" not in lines[node.lineno - 1]:
                    offenders.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert offenders == []
