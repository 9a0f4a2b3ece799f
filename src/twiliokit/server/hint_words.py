"""The catalogue's hints in the words of the surface that shows them.

The actions point at their schema and their list as the command line does (``see `twiliokit
actions schema send_sms` ...``), and the CLI turns that into the command's ``--help``
(``twiliokit.cli.wording``). Over HTTP the same place is ``GET /v1/actions/send_sms``; over
MCP it is the tool's input schema. Pure: text in, text out.
"""

from __future__ import annotations

import re
from typing import Final, Literal

__all__ = ["Surface", "for_surface"]

Surface = Literal["http", "mcp"]

_SCHEMA: Final = re.compile(r"see `twiliokit actions schema ([\w-]+)`")
_LIST: Final = re.compile(r"see `(?:twiliokit )?actions list`")

_WORDS: Final[dict[Surface, tuple[str, str]]] = {
    "http": (r"see GET /v1/actions/\1", "GET /v1/actions lists the actions"),
    "mcp": (r"see the input schema of the tool \1 (tools/list)", "tools/list lists the tools"),
}


def for_surface(hint: str | None, surface: Surface) -> str | None:
    """``hint`` with the command line's pointers replaced by ``surface``'s."""
    if not hint:
        return hint
    schema, listing = _WORDS[surface]
    return _LIST.sub(listing, _SCHEMA.sub(schema, hint))
