"""The catalogue's MCP tool definitions, kept in the user cache directory between runs.

Building them means a JSON Schema for every action's input and output, which pydantic takes
about a third of a second of CPU to generate: a third of what `twiliokit mcp` may spend
before answering ``tools/list`` (docs/benchmarks.md). They are a pure function of
twiliokit's source and pydantic, so they are generated as always on the first run and kept
under a key made of what they derive from: twiliokit's version, every source file's size
and modification time, pydantic's and Python's versions, and the dry-run flag (which changes
the write tools' output schemas). Any change to those is a new key, so a kept file can
never be stale: nothing is kept by hand. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twiliokit.server.guardrails import GuardedCatalogue

__all__ = ["cache_key", "mcp_tools"]

_SOURCES = Path(__file__).resolve().parent


def cache_key(sources: Path, *, dry_run: bool) -> str:
    """What the tool definitions derive from, hashed: the source files under ``sources``
    (names, sizes, modification times), the versions of twiliokit, pydantic and Python."""
    import pydantic

    from twiliokit import __version__

    digest = hashlib.sha256()
    digest.update(f"{__version__}|{pydantic.VERSION}|{sys.version}|{dry_run}".encode())
    for path in sorted(sources.rglob("*.py")):
        stat = path.stat()
        digest.update(f"|{path.relative_to(sources)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def mcp_tools(
    catalogue: GuardedCatalogue, cache_dir: Path | None, *, sources: Path = _SOURCES
) -> list[dict[str, Any]]:
    """The MCP tool definitions ``catalogue`` offers (``catalogue.tool``), from
    ``cache_dir`` when a run of the same code kept them there (``None``: no cache)."""
    every: dict[str, dict[str, Any]] | None = None
    path = None
    if cache_dir is not None:
        dry_run = catalogue.guardrails.dry_run
        kind = "preview" if dry_run else "plain"
        path = cache_dir / f"mcp-tools-{kind}-{cache_key(sources, dry_run=dry_run)}.json"
        every = _read(path)
    if every is None or not all(action.name in every for action in catalogue.actions()):
        every = {action.name: catalogue.tool(action) for action in catalogue.registry}
        if path is not None:
            _write(path, every)
    return [every[action.name] for action in catalogue.actions()]


def _read(path: Path) -> dict[str, dict[str, Any]] | None:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _write(path: Path, tools: dict[str, dict[str, Any]]) -> None:
    """Write atomically (a concurrent start reads a whole file or none); older files of the
    same kind (other keys) are removed."""
    kind = path.name.rsplit("-", 1)[0]
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for old in path.parent.glob(f"{kind}-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".mcp-tools-")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(tools, file, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
