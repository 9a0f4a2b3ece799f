"""Guardrails: what an operator lets agents do through the MCP server and the HTTP API.

::

    [guardrails]
    read_only = false                         # hide and refuse every tool that changes anything
    allow_tools = ["send_sms", "list_messages"]   # only these (names or aliases); omit for all
    deny_tools = ["raw_request", "delete_message"]
    allowed_destinations = ["+1415", "GB"]    # E.164 prefixes or ISO country codes
    max_messages_per_hour = 20                # SMS, MMS and WhatsApp sends
    max_calls_per_hour = 5
    dry_run = false                           # writes return a preview and send nothing

:class:`Guardrails` is the frozen settings object (``from_section`` reads the table, pure).
:class:`GuardedCatalogue` applies it to the action catalogue: a tool filter (what is listed)
and ``invoke``, which refuses what the settings forbid with a
:class:`~twiliokit.errors.PolicyError`, checks every send in the send hooks
(:mod:`twiliokit.actions.hooks`: destination, hourly cap, dry run), and in dry-run mode turns
writes into previews of what would have been sent.

Hourly caps count the sends of this process, and, for messages, the outbound messages the
ledger recorded in the last hour (when one is given); the larger of the two counts. Verify
sends are not counted (Verify has its own rate limits: ``create_rate_limit``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from twiliokit.actions.hooks import SendHooks, SendIntent, chain_hooks
from twiliokit.config_file import unknown_key_error
from twiliokit.errors import ConfigurationError, PolicyError, UnknownOutcomeError
from twiliokit.server.dry_run import (
    WouldSend,
    WouldWrite,
    preview_of_intent,
    preview_of_request,
    preview_schema,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

    from twiliokit.actions.context import ActionContext
    from twiliokit.actions.registry import Action, ActionRegistry

    #: (action, arguments, output or None, error or None, seconds): see GuardedCatalogue.
    ActionObserver = Callable[
        [Action[Any, Any], Mapping[str, Any], dict[str, Any] | None, BaseException | None, float],
        None,
    ]
    from twiliokit.client import AsyncClient

__all__ = [
    "GUARDRAIL_KEYS",
    "GuardedCatalogue",
    "Guardrails",
    "HourlyCapError",
    "SendCounter",
]

#: Keys the ``[guardrails]`` table may hold.
GUARDRAIL_KEYS = frozenset(
    {
        "read_only",
        "allow_tools",
        "deny_tools",
        "allowed_destinations",
        "max_messages_per_hour",
        "max_calls_per_hour",
        "dry_run",
    }
)
HOUR = timedelta(hours=1)
#: The ledger returns at most this many rows per read.
_LEDGER_MAX_ROWS = 1000
_E164_PREFIX = re.compile(r"\+[1-9][0-9]{0,14}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_OPERATOR_HINT = "ask the operator (the [guardrails] table of the twiliokit config file)"

SendKind = Literal["message", "call"]


class HourlyCapError(PolicyError):
    """The hourly send cap set by the operator is reached.

    A :class:`~twiliokit.errors.PolicyError`; ``retry_after`` says in how many seconds one more
    send is allowed (the HTTP API answers 429 with ``Retry-After``).
    """

    retryable = True

    def __init__(self, message: str, *, retry_after: float, hint: str, field: str) -> None:
        self.retry_after = retry_after
        super().__init__(message, hint=hint, field=field)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["retry_after"] = self.retry_after
        return data


# --------------------------------------------------------------------------- settings


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Guardrails:
    """What agents may do. The default allows everything the credentials allow.

    ``allow_tools`` (``None``: all) and ``deny_tools`` hold action names or aliases; deny wins.
    ``allowed_destinations`` (empty: any) holds E.164 prefixes (``+1415``) and ISO country
    codes (``GB``); every message, call and verification goes only to a matching number.
    ``max_messages_per_hour`` / ``max_calls_per_hour`` (``None``: no cap; ``0``: that kind of
    send is disabled) count sends over the last hour. ``dry_run`` makes every write return a
    preview instead of running.
    """

    read_only: bool = False
    allow_tools: frozenset[str] | None = None
    deny_tools: frozenset[str] = frozenset()
    allowed_destinations: tuple[str, ...] = ()
    max_messages_per_hour: int | None = None
    max_calls_per_hour: int | None = None
    dry_run: bool = False

    def __post_init__(self) -> None:
        for name in ("read_only", "dry_run"):
            if not isinstance(getattr(self, name), bool):
                raise _config_error(name, "must be true or false")
        if self.allow_tools is not None:
            object.__setattr__(self, "allow_tools", _names("allow_tools", self.allow_tools))
        object.__setattr__(self, "deny_tools", _names("deny_tools", self.deny_tools))
        object.__setattr__(self, "allowed_destinations", _destinations(self.allowed_destinations))
        for name in ("max_messages_per_hour", "max_calls_per_hour"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise _config_error(name, "must be a whole number of sends")
            if value is not None and value < 0:
                raise _config_error(name, "must not be negative (0 allows no sends)")

    @classmethod
    def from_section(cls, section: Mapping[str, Any], *, where: str = "config") -> Guardrails:
        """Settings from the ``[guardrails]`` table; errors name the key and the fix."""
        if not isinstance(section, Mapping):
            raise ConfigurationError(
                f"[guardrails] in {where} must be a table",
                field="guardrails",
                hint="Write it as a [guardrails] table of key = value lines.",
            )
        unknown = sorted(set(section) - GUARDRAIL_KEYS)
        if unknown:
            raise unknown_key_error(
                unknown[0], table="guardrails", allowed=GUARDRAIL_KEYS, where=where
            )
        values = dict(section)
        for name in ("allow_tools", "deny_tools", "allowed_destinations"):
            if name in values and not isinstance(values[name], list):
                raise _config_error(name, 'must be a list of strings, e.g. ["send_sms"]')
        return cls(**values)

    def tightened(self, *, read_only: bool = False, dry_run: bool = False) -> Guardrails:
        """These settings with command-line flags applied: flags only ever restrict."""
        return dataclasses.replace(
            self, read_only=self.read_only or read_only, dry_run=self.dry_run or dry_run
        )

    @property
    def limits_sends(self) -> bool:
        """Whether a destination allowlist or an hourly cap is set."""
        return bool(self.allowed_destinations) or (
            self.max_messages_per_hour is not None or self.max_calls_per_hour is not None
        )

    def refusal(self, action: Action[Any, Any]) -> PolicyError | None:
        """Why ``action`` may not run here, or ``None`` when it may."""
        names = {action.name, *action.aliases}
        if names & self.deny_tools:
            return PolicyError(
                f"{action.name} is on this server's deny list (guardrails.deny_tools)",
                field="action",
                hint=f"Use another tool, or {_OPERATOR_HINT} to take it off deny_tools.",
            )
        if self.allow_tools is not None and not names & self.allow_tools:
            return PolicyError(
                f"{action.name} is not on this server's allow list (guardrails.allow_tools)",
                field="action",
                hint=f"Use one of the listed tools, or {_OPERATOR_HINT} to add it to allow_tools.",
            )
        if self.read_only and not action.read_only:
            verb = "deletes" if action.destructive else "changes"
            return PolicyError(
                f"{action.name} is refused: this server is read-only, and {action.name} "
                f"{verb} things on the Twilio account",
                field="action",
                hint=f"Only read tools are available; {_OPERATOR_HINT} to turn read_only off "
                "(and drop --read-only).",
            )
        return None

    def check_destination(self, to: str, *, action: str) -> None:
        """Refuse ``to`` unless it matches ``allowed_destinations`` (when that is set)."""
        if not self.allowed_destinations or _destination_allowed(to, self.allowed_destinations):
            return
        allowed = ", ".join(self.allowed_destinations)
        raise PolicyError(
            f"{action} to {to} is refused: the destination is not in this server's allowlist "
            f"({allowed})",
            field="to",
            hint=f"Send only to numbers matching {allowed}, or {_OPERATOR_HINT} to add the "
            "number or its country to allowed_destinations.",
        )

    def cap_for(self, kind: SendKind) -> int | None:
        return self.max_calls_per_hour if kind == "call" else self.max_messages_per_hour


def _config_error(name: str, problem: str) -> ConfigurationError:
    return ConfigurationError(
        f"guardrails.{name} {problem}",
        field=f"guardrails.{name}",
        hint="See docs/guardrails.md for the [guardrails] keys and their values.",
    )


def _names(field: str, value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _config_error(field, 'must be a list of action names, e.g. ["send_sms"]')
    names = list(value)
    if not all(isinstance(name, str) and name.strip() for name in names):
        raise _config_error(field, "must hold action names (non-empty strings)")
    return frozenset(name.strip() for name in names)


def _destinations(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _config_error("allowed_destinations", 'must be a list, e.g. ["+1415", "GB"]')
    entries: list[str] = []
    for item in value:
        text = item.strip().replace(" ", "") if isinstance(item, str) else ""
        if _E164_PREFIX.fullmatch(text):
            entries.append(text)
        elif _COUNTRY.fullmatch(text.upper()):
            entries.append(text.upper())
        else:
            raise _config_error(
                "allowed_destinations",
                f"has {item!r}: give E.164 prefixes such as +1415 or ISO country codes such as GB",
            )
    return tuple(dict.fromkeys(entries))


def _destination_allowed(to: str, allowed: tuple[str, ...]) -> bool:
    from twiliokit.phone import region_of

    number = to.removeprefix("whatsapp:").strip()
    if not number.startswith("+"):
        return False  # short codes and email addresses have no country to match
    if any(entry.startswith("+") and number.startswith(entry) for entry in allowed):
        return True
    countries = {entry for entry in allowed if not entry.startswith("+")}
    return bool(countries) and region_of(number) in countries


# --------------------------------------------------------------------------- counting


class SendCounter:
    """Sends over the last hour in this process, per kind. Pure: callers give the time."""

    def __init__(self) -> None:
        self._times: dict[SendKind, deque[datetime]] = {"message": deque(), "call": deque()}

    def _window(self, kind: SendKind, now: datetime) -> deque[datetime]:
        times = self._times[kind]
        while times and times[0] <= now - HOUR:
            times.popleft()
        return times

    def count(self, kind: SendKind, now: datetime) -> int:
        return len(self._window(kind, now))

    def record(self, kind: SendKind, at: datetime) -> None:
        times = self._times[kind]
        times.append(at)
        if len(times) > 1 and times[-2] > at:  # clocks may step back: keep it sorted
            self._times[kind] = deque(sorted(times))

    def forget(self, kind: SendKind, at: datetime) -> None:
        """Undo ``record`` for a send that did not go out."""
        with contextlib.suppress(ValueError):
            self._times[kind].remove(at)

    def free_at(self, kind: SendKind, now: datetime, cap: int) -> datetime:
        """When the count drops below ``cap`` again (it is at least ``cap`` now)."""
        times = sorted(self._window(kind, now))
        return times[-cap] + HOUR if cap > 0 and len(times) >= cap else now + HOUR


# --------------------------------------------------------------------------- the catalogue


class GuardedCatalogue:
    """The action catalogue as the guardrails allow it: what is listed, and ``invoke``.

    Holds the in-process send counter, so one instance serves a whole process (every MCP
    session and HTTP request). Tool names in the guardrails must exist in the catalogue: a
    typo in ``deny_tools`` would otherwise silently allow the tool.
    """

    def __init__(self, guardrails: Guardrails, registry: ActionRegistry | None = None) -> None:
        if registry is None:
            from twiliokit.actions import catalogue

            registry = catalogue()
        self.guardrails = guardrails
        self.registry = registry
        #: Told of each action run once resolved: (action, arguments, output or None, error or
        #: None, seconds). The service sets it to feed its metrics.
        self.observer: ActionObserver | None = None
        self._counter = SendCounter()
        for field, names in (
            ("allow_tools", guardrails.allow_tools or frozenset()),
            ("deny_tools", guardrails.deny_tools),
        ):
            for name in sorted(names):
                if name not in registry:
                    import difflib

                    close = difflib.get_close_matches(name, registry.names(), n=1)
                    raise _config_error(
                        field,
                        f"names {name!r}, which is not an action"
                        + (f" (did you mean {close[0]!r}?)" if close else ""),
                    )

    def actions(self) -> list[Action[Any, Any]]:
        """The actions agents are shown, by name."""
        return [action for action in self.registry if self.guardrails.refusal(action) is None]

    def find(self, name: object) -> Action[Any, Any]:
        """The action called ``name`` if the guardrails let it run; else the error to show."""
        from twiliokit.actions.invoke import find_action

        action = find_action(self.registry, name)
        refusal = self.guardrails.refusal(action)
        if refusal is not None:
            raise refusal
        return action

    def previews(self, action: Action[Any, Any]) -> bool:
        """Whether running ``action`` here returns a :class:`DryRunPreview`."""
        return self.guardrails.dry_run and not action.read_only

    def tool(self, action: Action[Any, Any]) -> dict[str, Any]:
        """The MCP tool definition: the catalogue's own (``actions schema --format mcp``),
        with the preview as output in dry-run mode."""
        from twiliokit.actions.schema import export_action

        tool = export_action(action, "mcp")
        if self.previews(action):
            tool["description"] = (
                "DRY-RUN MODE: this returns a preview of what it would do and sends or "
                "changes nothing. " + tool["description"]
            )
            tool["outputSchema"] = preview_schema()
        return tool

    def describe(self, action: Action[Any, Any]) -> dict[str, Any]:
        """The catalogue entry (``GET /v1/actions``), with the preview as output in dry-run."""
        from twiliokit.actions.schema import describe

        entry = describe(action)
        if self.previews(action):
            entry["output_schema"] = preview_schema()
            entry["dry_run"] = True
        return entry

    async def invoke(
        self,
        name: object,
        arguments: object,
        *,
        context: ActionContext,
        preview_client: AsyncClient | None = None,
    ) -> dict[str, Any]:
        """Run an action within the guardrails; its output, or a preview in dry-run mode.

        ``name`` is an action's name or alias, or the :class:`~twiliokit.actions.registry.Action`
        itself when the surface resolved it already. The arguments are parsed once; the
        guardrails' checks, compliance and the dry-run stop are send hooks around the one run
        (:func:`twiliokit.actions.invoke.run_parsed`).

        Raises ``twiliokit.errors`` exceptions only. In dry-run mode writes run with
        ``preview_client`` (a client whose only way to the network is a GET: see
        ``twiliokit.server.runtime``) and their send hooks stop them before sending.
        """
        from twiliokit.actions.invoke import find_action
        from twiliokit.actions.registry import Action

        # A surface that resolved the action already (to shape its answer) passes it as is.
        action = name if isinstance(name, Action) else find_action(self.registry, name)
        if self.observer is None:
            return await self._run(action, arguments, context, preview_client)
        given: Mapping[str, Any] = arguments if isinstance(arguments, Mapping) else {}
        started = time.perf_counter()
        try:
            result = await self._run(action, arguments, context, preview_client)
        except BaseException as exc:
            self.observer(action, given, None, exc, time.perf_counter() - started)
            raise
        self.observer(action, given, result, None, time.perf_counter() - started)
        return result

    async def _run(
        self,
        action: Action[Any, Any],
        arguments: object,
        context: ActionContext,
        preview_client: AsyncClient | None,
    ) -> dict[str, Any]:
        from twiliokit.actions.invoke import parse_arguments, run_parsed

        refusal = self.guardrails.refusal(action)
        if refusal is not None:
            raise refusal
        parsed = parse_arguments(action, arguments)  # refuses anything but an object or None
        if not action.read_only:
            self._check_arguments(action, parsed)
        hooks = _guarded_hooks(self, action.name, context)
        run_context = dataclasses.replace(context, hooks=hooks)
        if self.previews(action):
            if preview_client is None:
                raise ConfigurationError(
                    "dry-run mode needs a preview client", hint="Open it with open_runtime()."
                )
            run_context = dataclasses.replace(run_context, client=preview_client)
        try:
            return await run_parsed(action, parsed, context=run_context)
        except WouldSend as stop:
            return stop.preview.model_dump(mode="json", by_alias=True)
        except WouldWrite as stop:
            preview = preview_of_request(action.name, stop.request, costs_money=action.costs_money)
            return preview.model_dump(mode="json", by_alias=True)

    def _check_arguments(self, action: Action[Any, Any], parsed: BaseModel) -> None:
        to = getattr(parsed, "to", None)
        if isinstance(to, str) and self.guardrails.allowed_destinations:
            self.guardrails.check_destination(to, action=action.name)
        method = getattr(parsed, "method", "GET")
        if action.name == "raw_request" and method != "GET" and self.guardrails.limits_sends:
            # A raw write cannot say where it sends, so it could go around the allowlist and
            # the caps: refused while either is set (reads still work).
            raise PolicyError(
                f"raw_request with {method} is refused: it could send around this server's "
                "destination allowlist and hourly caps",
                field="method",
                hint=f"Use the send tools (send_sms, make_call...), or {_OPERATOR_HINT}.",
            )

    async def reserve(self, kind: SendKind, context: ActionContext) -> datetime | None:
        """Count one send of ``kind`` now, or raise :class:`HourlyCapError` at the cap."""
        cap = self.guardrails.cap_for(kind)
        if cap is None:
            return None
        now = context.now()
        free_at: datetime | None = None
        if cap == 0:
            # Zero is "disabled", not "full": no wait makes a slot free, so it is not retryable.
            noun = "calls" if kind == "call" else "messages"
            raise PolicyError(
                f"sending {noun} is disabled on this server (guardrails.max_{noun}_per_hour is 0)",
                field=f"max_{noun}_per_hour",
                hint=f"Waiting will not help: {_OPERATOR_HINT} to set a cap above 0 or remove it.",
            )
        if self._counter.count(kind, now) >= cap:
            free_at = self._counter.free_at(kind, now, cap)
        elif kind == "message" and context.ledger is not None:
            free_at = await _ledger_free_at(context.ledger, now, cap)
            if free_at is None and self._counter.count(kind, now) >= cap:
                # Another task took the last slot while the ledger was read.
                free_at = self._counter.free_at(kind, now, cap)
        # No await between the last check and the record below, so two concurrent sends in
        # this process cannot both take the last slot.
        if free_at is not None:
            noun = "calls" if kind == "call" else "messages"
            wait = max(1.0, (free_at - now).total_seconds())
            raise HourlyCapError(
                f"the hourly cap of {cap} {noun} is reached (guardrails.max_{noun}_per_hour)",
                retry_after=round(wait),
                field=f"max_{noun}_per_hour",
                hint=f"Try again in {round(wait)} seconds, or {_OPERATOR_HINT} to raise the cap.",
            )
        self._counter.record(kind, now)
        return now

    def release(self, kind: SendKind, at: datetime) -> None:
        self._counter.forget(kind, at)


async def _ledger_free_at(ledger: Any, now: datetime, cap: int) -> datetime | None:
    """When the ledger's count of outbound messages in the last hour drops below ``cap``,
    or ``None`` when it is below already. Ledger errors propagate: the cap fails closed.
    (A read returns at most 1000 rows, so a cap above that is enforced in-process only.)"""
    from twiliokit.ledger import Direction, LedgerQuery

    rows = await ledger.search(
        LedgerQuery(
            direction=Direction.OUTBOUND_API, since=now - HOUR, limit=min(cap, _LEDGER_MAX_ROWS)
        )
    )
    if len(rows) < cap:
        return None
    oldest: datetime = rows[-1].date_created  # newest first: the cap-th most recent send
    return oldest + HOUR


class _SendGuard:
    """First in a guarded call's send hooks: the destination allowlist and the hourly cap.

    The cap is taken (counted) here and given back when the send does not go out: refused by
    a later hook, stopped by the dry run, or failed before reaching Twilio. A send with an
    unknown outcome stays counted, as it may have gone out.
    """

    def __init__(self, guard: GuardedCatalogue, action: str, context: ActionContext) -> None:
        self._guard = guard
        self._action = action
        self._context = context
        self._reserved: tuple[SendKind, datetime] | None = None

    async def before_send(self, intent: SendIntent) -> SendIntent:
        self._guard.guardrails.check_destination(intent.to, action=self._action)
        kind: SendKind = "call" if intent.channel == "call" else "message"
        at = await self._guard.reserve(kind, self._context)
        if at is not None:
            self._reserved = (kind, at)
        return intent

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        return None

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        if self._reserved is not None and not isinstance(error, UnknownOutcomeError):
            self._guard.release(*self._reserved)
            self._reserved = None


class _DryRunStop:
    """Last in a dry-run call's send hooks: the send the other hooks approved is previewed
    instead of sent."""

    def __init__(self, action: str) -> None:
        self._action = action

    async def before_send(self, intent: SendIntent) -> SendIntent:
        raise WouldSend(preview_of_intent(self._action, intent))

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        return None

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        return None


def _guarded_hooks(guard: GuardedCatalogue, action: str, context: ActionContext) -> SendHooks:
    """The guardrails around the context's own hooks (compliance, ledger records): checks
    first, then theirs, then the dry-run stop. ``chain_hooks`` tells every hook that approved
    a send how it ended, even when a later one refused it."""
    hooks: list[SendHooks] = [_SendGuard(guard, action, context), context.hooks]
    if guard.guardrails.dry_run:
        hooks.append(_DryRunStop(action))
    return chain_hooks(*hooks)
