"""The MCP tool definitions kept between runs (twiliokit.server.tool_cache): equal to the
catalogue's, used when the code is the same, rebuilt when anything they derive from changes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from twiliokit.server.guardrails import GuardedCatalogue, Guardrails
from twiliokit.server.tool_cache import mcp_tools


def _sources(tmp_path: Path) -> Path:
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "module.py").write_text("x = 1\n", encoding="utf-8")
    return sources


def _fresh(catalogue: GuardedCatalogue) -> list[dict[str, object]]:
    return [catalogue.tool(action) for action in catalogue.actions()]


def test_kept_tools_are_the_catalogues_and_are_used(tmp_path: Path) -> None:
    """The first run writes the definitions; the next run with the same code reads them."""
    sources, cache = _sources(tmp_path), tmp_path / "cache"
    catalogue = GuardedCatalogue(Guardrails())
    assert mcp_tools(catalogue, cache, sources=sources) == _fresh(catalogue)
    (kept,) = cache.glob("mcp-tools-plain-*.json")
    document = json.loads(kept.read_text(encoding="utf-8"))
    document["send_sms"]["description"] = "from the cache"
    kept.write_text(json.dumps(document), encoding="utf-8")
    tools = {tool["name"]: tool for tool in mcp_tools(catalogue, cache, sources=sources)}
    assert tools["send_sms"]["description"] == "from the cache"


def test_a_changed_source_file_is_a_new_key(tmp_path: Path) -> None:
    """Touching a source file makes the kept definitions unused and replaced."""
    sources, cache = _sources(tmp_path), tmp_path / "cache"
    catalogue = GuardedCatalogue(Guardrails())
    mcp_tools(catalogue, cache, sources=sources)
    (kept,) = cache.glob("mcp-tools-plain-*.json")
    kept.write_text(json.dumps({"send_sms": {"name": "stale"}}), encoding="utf-8")
    os.utime(sources / "module.py", ns=(1, 1))
    assert mcp_tools(catalogue, cache, sources=sources) == _fresh(catalogue)
    assert [path.name for path in cache.glob("mcp-tools-plain-*.json")] != [kept.name]


def test_guardrails_choose_from_the_kept_tools(tmp_path: Path) -> None:
    """Read-only and dry-run servers get their own tools: a subset, and preview schemas."""
    sources, cache = _sources(tmp_path), tmp_path / "cache"
    mcp_tools(GuardedCatalogue(Guardrails()), cache, sources=sources)
    read_only = GuardedCatalogue(Guardrails(read_only=True))
    dry_run = GuardedCatalogue(Guardrails(dry_run=True))
    assert mcp_tools(read_only, cache, sources=sources) == _fresh(read_only)
    assert mcp_tools(dry_run, cache, sources=sources) == _fresh(dry_run)


def test_an_unusable_cache_is_ignored(tmp_path: Path) -> None:
    """A cache directory that cannot be created (a file is in the way) still gives tools."""
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    catalogue = GuardedCatalogue(Guardrails())
    assert mcp_tools(catalogue, blocker / "cache", sources=_sources(tmp_path)) == _fresh(catalogue)
