"""The catalogue's command-line pointers become each surface's own: GET /v1/actions/{name}
over HTTP, the tool's input schema over MCP; other hints pass unchanged."""

from __future__ import annotations

from twiliokit.server.hint_words import for_surface

SCHEMA_HINT = "see `twiliokit actions schema send_sms` for the arguments it takes"


def test_the_schema_pointer_is_the_surfaces_own() -> None:
    """HTTP names the route, MCP the tool's input schema; the rest of the hint stays."""
    assert (
        for_surface(SCHEMA_HINT, "http")
        == "see GET /v1/actions/send_sms for the arguments it takes"
    )
    assert for_surface(SCHEMA_HINT, "mcp") == (
        "see the input schema of the tool send_sms (tools/list) for the arguments it takes"
    )


def test_the_list_pointer_and_other_hints() -> None:
    """Both spellings of the list pointer are replaced; a hint without one, or none, passes."""
    assert (
        for_surface("see `twiliokit actions list`", "http") == "GET /v1/actions lists the actions"
    )
    assert for_surface("see `actions list`", "mcp") == "tools/list lists the tools"
    assert for_surface("Give a phone number.", "http") == "Give a phone number."
    assert for_surface(None, "mcp") is None
