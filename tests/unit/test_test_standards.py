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


_SLEEPS = frozenset({"sleep", "sleep_until", "sleep_forever", "usleep"})
_CLOCKS = frozenset({"monotonic", "perf_counter", "time", "monotonic_ns", "time_ns"})


def _name(node: ast.AST) -> str:
    """The last part of a name or attribute (``time.sleep`` -> ``sleep``), else ``""``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _waits_by_time(node: ast.AST) -> bool:
    """Whether ``node`` waits for time to pass instead of for something to happen: a sleep
    called or handed on (``pause=time.sleep``), a sleep imported under another name, or a loop
    that polls a clock until a deadline."""
    if isinstance(node, ast.Name | ast.Attribute) and _name(node) in _SLEEPS:
        return True
    if isinstance(node, ast.ImportFrom):
        return any(alias.name in _SLEEPS for alias in node.names)
    if isinstance(node, ast.While):
        return any(
            isinstance(inner, ast.Call) and _name(inner.func) in _CLOCKS
            for inner in ast.walk(node.test)
        )
    return False


def test_no_test_sleeps_to_wait() -> None:
    """No test code waits for time to pass (a sleep called, passed on or imported under another
    name, or a loop polling a clock): tests wait on events, virtual time or answers. A test
    server may sleep to play a slow peer, marked `# simulated latency`."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            line = getattr(node, "lineno", 0)
            if _waits_by_time(node) and "# simulated latency" not in lines[line - 1]:
                offenders.append(f"{path.relative_to(TESTS)}:{line}")
    assert sorted(set(offenders)) == []


def test_the_sleep_rule_catches_each_way_of_waiting() -> None:
    """The rule above flags each way a test could wait for time, and not event waits."""
    flagged = [
        "time.sleep(1)",
        "await asyncio.sleep(0.1)",
        "pause = time.sleep",
        "from time import sleep as pause",
        "while time.monotonic() < deadline:\n    pass",
    ]
    for code in flagged:
        assert any(_waits_by_time(node) for node in ast.walk(ast.parse(code))), code
    for code in [
        "event.wait(timeout=5)",
        "await asyncio.wait_for(task, 5)",
        "started = time.time()",
    ]:
        assert not any(_waits_by_time(node) for node in ast.walk(ast.parse(code))), code
