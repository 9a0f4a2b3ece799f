"""One entry point: an action is resolved and its arguments parsed once, whichever way it is
called (``invoke``, the agent surfaces' guarded catalogue, a resolved action passed on)."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from twiliokit.actions import ActionContext, invoke
from twiliokit.actions.registry import ActionRegistry
from twiliokit.server.guardrails import GuardedCatalogue, Guardrails

pytestmark = pytest.mark.anyio

PARSES: list[str] = []


class _Counted(pydantic.BaseModel):
    """Arguments that count how often they are parsed."""

    word: str

    @pydantic.model_validator(mode="after")
    def _count(self) -> _Counted:
        PARSES.append(self.word)
        return self


class _Echo(pydantic.BaseModel):
    word: str


async def _echo(context: Any, arguments: _Counted) -> _Echo:
    return _Echo(word=arguments.word)


@pytest.fixture
def registry() -> ActionRegistry:
    """A catalogue of one action whose arguments count their parsing."""
    PARSES.clear()
    registry = ActionRegistry()
    registry.action("echo", title="Echo", input_model=_Counted, output_model=_Echo)(_echo)
    return registry


def _context() -> ActionContext:
    return ActionContext(client=None, connection=None)  # type: ignore[arg-type]


async def test_invoke_parses_once(registry: ActionRegistry) -> None:
    """``invoke`` resolves the name and parses the arguments exactly once."""
    assert await invoke("echo", {"word": "a"}, context=_context(), registry=registry) == {
        "word": "a"
    }
    assert PARSES == ["a"]


async def test_the_guarded_catalogue_parses_once(registry: ActionRegistry) -> None:
    """Through the guardrails (as HTTP and MCP call it) the arguments are parsed once too,
    by name and with the resolved action passed on."""
    catalogue = GuardedCatalogue(Guardrails(), registry)
    assert await catalogue.invoke("echo", {"word": "b"}, context=_context()) == {"word": "b"}
    assert PARSES == ["b"]
    action = registry.resolve("echo")
    assert action is not None
    assert await catalogue.invoke(action, {"word": "c"}, context=_context()) == {"word": "c"}
    assert PARSES == ["b", "c"]
