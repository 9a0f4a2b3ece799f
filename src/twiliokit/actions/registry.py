"""The action catalogue: every agent-facing operation, described once.

An ``Action`` has a snake_case name (plus the seed platforms' names as aliases), a title and a
description written for a model, pydantic input and output models (their JSON Schemas are what
every surface publishes), side-effect metadata, and one async implementation. Python, the CLI,
the HTTP API and the MCP server all reach it through ``invoke``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from twiliokit.actions.context import ActionContext

SideEffect = Literal["read", "write", "destructive"]
InputT = TypeVar("InputT", bound=BaseModel)
OutputT = TypeVar("OutputT", bound=BaseModel)
Handler = Callable[["ActionContext", InputT], Awaitable[OutputT]]

#: Names every major LLM tool API accepts (OpenAI, Anthropic, Gemini, MCP clients).
SAFE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Action(Generic[InputT, OutputT]):
    """One operation in the catalogue."""

    name: str
    title: str
    description: str
    input_model: type[InputT]
    output_model: type[OutputT]
    handler: Handler[InputT, OutputT] = field(repr=False)
    side_effect: SideEffect = "read"
    #: Whether running it can cost money on the Twilio account (sends, calls, lookups).
    costs_money: bool = False
    #: Whether running it twice with the same input has the same effect as once.
    idempotent: bool = True
    #: Whether it talks to the outside world (Twilio) rather than only local state.
    open_world: bool = True
    aliases: tuple[str, ...] = ()
    group: str = "general"

    def __post_init__(self) -> None:
        for name in (self.name, *self.aliases):
            if not SAFE_NAME.match(name):
                raise ValueError(f"action name {name!r} is not safe for LLM tool APIs")

    @property
    def read_only(self) -> bool:
        return self.side_effect == "read"

    @property
    def destructive(self) -> bool:
        return self.side_effect == "destructive"

    async def run(self, context: ActionContext, arguments: InputT) -> OutputT:
        """Run the action (once per idempotency key, for inputs that take one)."""
        if getattr(arguments, "idempotency_key", None) is None:
            return await self.handler(context, arguments)
        from twiliokit.actions.idempotency import run_once

        return await run_once(
            context,
            self.name,
            arguments,
            self.output_model,
            lambda: self.handler(context, arguments),
        )


class ActionRegistry:
    """Actions by name and alias."""

    def __init__(self) -> None:
        self._actions: dict[str, Action[Any, Any]] = {}
        self._aliases: dict[str, str] = {}

    def add(self, action: Action[Any, Any]) -> None:
        for name in (action.name, *action.aliases):
            if name in self._actions or name in self._aliases:
                raise ValueError(f"action name {name!r} is registered twice")
        self._actions[action.name] = action
        for alias in action.aliases:
            self._aliases[alias] = action.name

    def resolve(self, name: str) -> Action[Any, Any] | None:
        """The action with this name or alias (case-sensitive), or None."""
        canonical = self._aliases.get(name, name)
        return self._actions.get(canonical)

    def names(self) -> list[str]:
        return sorted(self._actions)

    def __iter__(self) -> Iterator[Action[Any, Any]]:
        return iter(self._actions[name] for name in self.names())

    def __len__(self) -> int:
        return len(self._actions)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.resolve(name) is not None

    def action(
        self,
        name: str,
        *,
        title: str,
        input_model: type[InputT],
        output_model: type[OutputT],
        side_effect: SideEffect = "read",
        costs_money: bool = False,
        idempotent: bool | None = None,
        open_world: bool = True,
        aliases: tuple[str, ...] = (),
        group: str = "general",
    ) -> Callable[[Handler[InputT, OutputT]], Handler[InputT, OutputT]]:
        """Register the decorated coroutine as an action; its docstring is the description."""

        def decorate(handler: Handler[InputT, OutputT]) -> Handler[InputT, OutputT]:
            description = " ".join((handler.__doc__ or title).split())
            self.add(
                Action(
                    name=name,
                    title=title,
                    description=description,
                    input_model=input_model,
                    output_model=output_model,
                    handler=handler,
                    side_effect=side_effect,
                    costs_money=costs_money,
                    idempotent=(side_effect == "read") if idempotent is None else idempotent,
                    open_world=open_world,
                    aliases=aliases,
                    group=group,
                )
            )
            return handler

        return decorate


#: The catalogue. Action modules register into it on import (see ``catalogue()``).
REGISTRY = ActionRegistry()
