"""Input pieces the action modules share: the input base class, checked field types, and
:func:`register`, which adds an action to the catalogue.

:class:`AgentInput` is what every catalogue input derives from. On top of
:class:`~twiliokit.actions.models.ActionInput` it

- accepts each argument under its canonical snake_case name, the seed platforms' names
  (``recipientPhoneNumber``, ``twilioPhoneNumber``, ...) listed as ``AliasChoices``, and any
  spelling of the canonical name that differs only in case, ``_`` or ``-`` (``messageSid``,
  ``MediaUrls``), while schemas publish only the canonical name;
- names an unknown argument with the closest real ones, and refuses one given twice under two
  names;
- reports a rule that spans several arguments (``exactly one of url, twiml, say``) under the
  argument to fix, as a :class:`~twiliokit.errors.ValidationError` of its own;
- takes an ``account_sid`` argument (one seed platform requires it on every call) without
  publishing it, and refuses it when it is not the connection's account.

The field types check values the way Twilio will, so bad input fails before any request with
an error naming the argument and the fix. Pure, no I/O.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Final, Self, TypedDict, TypeVar
from urllib.parse import urlsplit

import pydantic
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import core_schema

from twiliokit.actions.models import ActionInput
from twiliokit.actions.registry import REGISTRY, Handler, SideEffect
from twiliokit.datefilters import RELATIVE_EXAMPLES, relative_bound
from twiliokit.errors import ValidationError
from twiliokit.phone import ALL_KINDS, Address, parse_address
from twiliokit.problem_words import json_kind

if TYPE_CHECKING:
    from collections.abc import Callable

    from twiliokit.actions.context import ActionContext

InputT = TypeVar("InputT", bound="AgentInput")
OutputT = TypeVar("OutputT", bound=BaseModel)

__all__ = [
    "MAX_BODY",
    "MAX_MEDIA",
    "AgentInput",
    "DateBound",
    "Instant",
    "Limit",
    "PageInput",
    "PageToken",
    "Paging",
    "Sid",
    "WebUrl",
    "address",
    "check_not_future",
    "check_range",
    "end_of",
    "names",
    "page_token_field",
    "range_rule",
    "register",
    "start_of",
]

#: Twilio refuses longer message bodies (error 21617).
MAX_BODY: Final = 1600
#: Twilio refuses more media per message (error 21623).
MAX_MEDIA: Final = 10
#: Longest URL Twilio stores for callbacks and media.
MAX_URL: Final = 2048
_E164_EXAMPLE: Final = "+14155552671"


def names(canonical: str, *others: str) -> AliasChoices:
    """The names an argument is accepted under; schemas publish only ``canonical``."""
    return AliasChoices(canonical, *others)


def _squash(name: str) -> str:
    """A name without case, ``_`` or ``-``: ``messageSid``, ``message_sid`` -> ``messagesid``."""
    return name.replace("_", "").replace("-", "").lower()


class AgentInput(ActionInput):
    """Base of every catalogue input (see the module docstring for what it adds)."""

    # Built on first use, not at import (see outputs.Output).
    model_config = ConfigDict(defer_build=True)

    #: Accepted for the seed platforms that send it on every call; never published.
    account_sid: SkipJsonSchema[str | None] = Field(default=None, exclude=True)

    #: squashed accepted name -> canonical name, per class (built on first use).
    _name_tables: ClassVar[dict[type, dict[str, str]]] = {}

    @classmethod
    def _name_table(cls) -> dict[str, str]:
        table = AgentInput._name_tables.get(cls)
        if table is None:
            table = {}
            for name, info in cls.model_fields.items():
                accepted = [name]
                canonical = name
                if isinstance(info.validation_alias, AliasChoices):
                    choices = [c for c in info.validation_alias.choices if isinstance(c, str)]
                    canonical = choices[0] if choices else name
                    accepted += choices
                elif isinstance(info.validation_alias, str):
                    canonical = info.validation_alias
                    accepted.append(canonical)
                elif info.alias:
                    canonical = info.alias
                    accepted.append(canonical)
                for item in accepted:
                    table[_squash(item)] = canonical
            AgentInput._name_tables[cls] = table
        return table

    @classmethod
    def canonical_names(cls) -> list[str]:
        """The argument names schemas publish, in field order."""
        table = cls._name_table()
        return list(
            dict.fromkeys(table[_squash(n)] for n in cls.model_fields if n != "account_sid")
        )

    @model_validator(mode="before")
    @classmethod
    def _canonical_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        table = cls._name_table()
        given: dict[str, str] = {}
        out: dict[str, Any] = {}
        for key, value in data.items():
            canonical = table.get(_squash(key)) if isinstance(key, str) else None
            if canonical is None:
                raise _unknown_argument(key, cls.canonical_names())
            if canonical in given:
                raise ValidationError(
                    f"'{canonical}' is given twice, as '{given[canonical]}' and '{key}'",
                    field=canonical,
                    hint=f"Pass it once, as '{canonical}'.",
                )
            given[canonical] = key
            out[canonical] = value
        return out

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """Validate ``obj``; a rule over several arguments fails as our own
        :class:`ValidationError` naming the argument to fix (pydantic would report it
        against no argument at all)."""
        try:
            return super().model_validate(obj, **kwargs)
        except pydantic.ValidationError as exc:
            own = _own_error(exc)
            if own is None:
                raise
            raise own from None


def _own_error(exc: pydantic.ValidationError) -> ValidationError | None:
    errors = exc.errors(include_url=False)
    if len(errors) != 1 or errors[0]["loc"]:
        return None
    original = (errors[0].get("ctx") or {}).get("error")
    return original if isinstance(original, ValidationError) else None


def _unknown_argument(key: object, known: list[str]) -> ValidationError:
    shown = key if isinstance(key, str) else repr(key)
    close = difflib.get_close_matches(str(key), known, n=2, cutoff=0.5)
    hint = f"Did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return ValidationError(
        f"'{shown}' is not an argument of this action",
        field=shown[:64] if shown.strip() else "arguments",
        hint=f"{hint}It takes: {', '.join(known)}.",
    )


# Checked field types -------------------------------------------------------------------------


def _url(value: str, info: pydantic.ValidationInfo) -> str:
    field = info.field_name or "url"
    parts = urlsplit(value) if len(value) <= MAX_URL and not re.search(r"\s", value) else None
    try:
        host = parts.hostname if parts else None
    except ValueError:  # a malformed port or IPv6 literal
        host = None
    if parts is None or parts.scheme not in {"http", "https"} or not host:
        raise ValidationError(
            f"'{field}' must be a public http(s) URL, not {value[:80]!r}",
            field=field,
            hint="Give a full URL such as https://example.com/path (Twilio fetches or posts "
            "to it, so it must be reachable from the internet).",
        )
    return value


#: A full http(s) URL that Twilio fetches (media) or posts to (callbacks).
WebUrl = Annotated[
    str,
    Field(min_length=1, max_length=MAX_URL, json_schema_extra={"format": "uri"}),
    AfterValidator(_url),
]

#: How many items one call returns (one page); Twilio's largest page is 1,000.
Limit = Annotated[
    int,
    Field(
        ge=1,
        le=1000,
        description="How many items to return at most (1-1000). More are fetched by passing "
        "the returned next_page_token back.",
    ),
]

#: Where a previous listing stopped: its ``next_page_token``.
PageToken = Annotated[str, Field(min_length=1, max_length=512, pattern=r"^[A-Za-z0-9_.:=%+/-]+$")]


def page_token_field() -> Any:
    """The optional ``page_token`` argument of a list action."""
    return Field(
        default=None,
        description="The next_page_token of a previous call with the same filters, to get "
        "the following page. Omit it for the first page.",
    )


class Paging(TypedDict):
    """The paging keywords of a client's ``list_*`` call."""

    page_size: int
    page_token: str | None


class PageInput(AgentInput):
    """Base of a list action's input: the paging arguments.

    Fields a class inherits come first, so a list input whose filters come from another base
    names that base after this one (``class ListRateLimitsInput(PageInput, ServiceInput)``):
    its schema then lists the filters, then ``limit``, ``page_token`` and ``include_raw``.
    """

    limit: Limit = 20
    page_token: PageToken | None = page_token_field()
    include_raw: bool = Field(default=False, description="Include each item's raw JSON.")

    def paging(self) -> Paging:
        """The page asked for, as the client's list calls take it."""
        return {"page_size": self.limit, "page_token": self.page_token}


class Sid:
    """``Annotated[str, Sid(...)]``: a Twilio SID starting with one of ``prefixes``; ``what``
    names it and ``source`` says where an agent finds one (both shown in the error)."""

    def __init__(self, prefixes: tuple[str, ...], what: str, source: str) -> None:
        start = prefixes[0] if len(prefixes) == 1 else f"(?:{'|'.join(prefixes)})"
        self.pattern = re.compile(rf"^{start}[0-9a-fA-F]{{32}}$")
        self.prefixes = prefixes
        self.what = what
        self.source = source

    def check(self, value: str, info: core_schema.ValidationInfo) -> str:
        if not self.pattern.match(value):
            field = info.field_name or "sid"
            raise ValidationError(
                f"'{field}' must be {self.what} SID ({' or '.join(self.prefixes)} followed by "
                f"32 hex characters), not {value[:40]!r}",
                field=field,
                hint=f"Get one from {self.source}.",
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern.pattern
        return json_schema


def address(
    field: str,
    allow: frozenset[str],
    *,
    whatsapp: bool = False,
    refuse: Mapping[str, str] | None = None,
    services: bool = False,
) -> Any:
    """A ``To``/``From`` string checked with :func:`twiliokit.phone.parse_address`.

    ``whatsapp``: a plain number becomes ``whatsapp:+E164`` (WhatsApp sends). ``refuse`` maps an
    address kind to the fix shown when it is given (``{"whatsapp": "use send_whatsapp"}``).
    ``services``: a Messaging Service SID (``MG...``) is taken as it is (a filter on senders,
    where the outbox records a service's items under its SID). ``None`` (an optional address
    left out) passes through.
    """

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        if re.fullmatch(r"MG[0-9a-fA-F]{32}", value):
            if services:
                return value
            raise ValidationError(
                f"'{field}' is a Messaging Service SID, not an address",
                field=field,
                hint="Pass it as messaging_service_sid instead.",
            )
        parsed: Address = parse_address(value, field=field, allow=ALL_KINDS)
        if refuse and parsed.kind in refuse:
            raise ValidationError(
                f"'{field}' cannot be a {parsed.kind.replace('_', ' ')} address here: "
                f"{value[:40]!r}",
                field=field,
                hint=refuse[parsed.kind],
            )
        if parsed.kind not in allow:
            parse_address(value, field=field, allow=allow)  # raises with the right words
        if whatsapp and parsed.kind == "phone":
            return f"whatsapp:{parsed.value}"
        return parsed.value

    return AfterValidator(check)


def _date_bound(value: Any, info: pydantic.ValidationInfo) -> datetime | date:
    field = info.field_name or "date"
    problem = ValidationError(
        f"'{field}' must be a day (YYYY-MM-DD), a timestamp with a time zone "
        f"(2024-03-01T12:00:00Z) or {RELATIVE_EXAMPLES}, not {str(value)[:40]!r}",
        field=field,
        hint="Write days as 2024-03-01 and times in UTC with a Z, e.g. 2024-03-01T12:00:00Z; "
        "or 7d for seven days ago.",
    )
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        text = value.strip()
        relative = relative_bound(text, now=datetime.now(UTC))
        if relative is not None:
            return relative
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise problem from None
    else:
        raise problem
    return _in_utc(parsed, field=field, given=value)


def _in_utc(parsed: datetime, *, field: str, given: Any) -> datetime:
    """``parsed`` (an aware timestamp) in UTC; a ValidationError naming ``field`` when it has
    no time zone, or when its offset takes it past year 1 or 9999 in UTC."""
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValidationError(
            f"'{field}' has no time zone: {str(given)[:40]!r}",
            field=field,
            hint="Add one: a trailing Z means UTC (2024-03-01T12:00:00Z), or +02:00 for an "
            "offset. Without it the time is ambiguous.",
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            f"'{field}' is out of range: {str(given)[:40]!r} is not a time between the years "
            "1 and 9999 in UTC",
            field=field,
            hint="Write a time such as 2024-03-01T12:00:00Z.",
        ) from None


#: A day (``YYYY-MM-DD``, a whole UTC day) or an aware timestamp (sent in UTC).
DateBound = Annotated[
    datetime | date,
    BeforeValidator(_date_bound),
    Field(
        json_schema_extra={
            "examples": ["2024-03-01", "2024-03-01T12:00:00Z"],
        }
    ),
]


def start_of(bound: datetime | date) -> datetime:
    """The first instant a bound covers (a day starts at 00:00 UTC)."""
    if isinstance(bound, datetime):
        return bound
    return datetime.combine(bound, time.min, UTC)


def end_of(bound: datetime | date) -> datetime:
    """The instant just after a bound (a day ends at the next 00:00 UTC)."""
    if isinstance(bound, datetime):
        return bound
    try:
        return datetime.combine(bound + timedelta(days=1), time.min, UTC)
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


def check_range(
    after: datetime | date | None,
    before: datetime | date | None,
    *,
    after_name: str,
    before_name: str,
) -> None:
    """Refuse a range that ends before it starts."""
    if after is not None and before is not None and start_of(after) >= end_of(before):
        raise ValidationError(
            f"'{after_name}' ({after.isoformat()}) is not before '{before_name}' "
            f"({before.isoformat()}): no item can match",
            field=after_name,
            hint=f"Swap them, or drop one. {after_name} is the earliest moment, {before_name} "
            "the latest.",
        )


def range_rule(after: str, before: str) -> Any:
    """The model validator of an input whose arguments ``after`` and ``before`` bound a time
    range: a range that ends before it starts is refused (:func:`check_range`). Assign it in
    the class body: ``_dates = range_rule("since", "until")``."""

    def check(arguments: InputT) -> InputT:
        check_range(
            getattr(arguments, after),
            getattr(arguments, before),
            after_name=after,
            before_name=before,
        )
        return arguments

    return model_validator(mode="after")(check)


def check_not_future(bound: datetime | date | None, *, name: str, now: datetime, what: str) -> None:
    """Refuse a lower bound after ``now``: nothing can have happened then yet."""
    if bound is not None and start_of(bound) > now:
        raise ValidationError(
            f"'{name}' ({bound.isoformat()}) is in the future: no {what} can match yet",
            field=name,
            hint=f"Use a moment in the past (it is now {now.strftime('%Y-%m-%dT%H:%M:%SZ')}).",
        )


def _instant(value: Any, info: pydantic.ValidationInfo) -> datetime:
    """A moment to come (``send_at``): an aware timestamp only. Unlike a date filter, neither
    a whole day nor a duration (``30m`` would mean 30 minutes *ago*) is taken."""
    field = info.field_name or "time"
    if isinstance(value, datetime):
        return _in_utc(value, field=field, given=value)
    text = value.strip() if isinstance(value, str) else None
    parsed = None
    if text is not None and len(text) > 10:
        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(text)
    if parsed is not None and parsed.tzinfo is not None:
        return _in_utc(parsed, field=field, given=value)
    shown = repr(text[:40]) if text is not None else json_kind(value)
    raise ValidationError(
        f"'{field}' must be a timestamp with a time zone, such as 2030-03-01T09:00:00Z, "
        f"not {shown}",
        field=field,
        hint="Write it in UTC with a Z (2030-03-01T09:00:00Z) or with an offset "
        "(2030-03-01T10:00:00+01:00): a day alone or a duration is not a moment.",
    )


#: An aware timestamp (sent in UTC).
Instant = Annotated[
    datetime,
    BeforeValidator(_instant),
    Field(json_schema_extra={"examples": ["2030-03-01T09:00:00Z"]}),
]


def _check_account(context: ActionContext, arguments: AgentInput) -> None:
    given = arguments.account_sid
    if given is not None and given != context.connection.account_sid:
        raise ValidationError(
            f"'account_sid' {given[:40]!r} is not the account of this connection "
            f"({context.connection.account_sid})",
            field="account_sid",
            hint="Leave account_sid out: the connection's credentials decide the account. "
            "Use another connection (profile) to act on another account.",
        )


def register(
    name: str,
    *,
    title: str,
    side_effect: SideEffect = "read",
    costs_money: bool = False,
    idempotent: bool | None = None,
    open_world: bool = True,
    aliases: tuple[str, ...] = (),
    group: str,
) -> Callable[[Handler[InputT, OutputT]], Handler[InputT, OutputT]]:
    """Add the decorated coroutine to the catalogue (:data:`REGISTRY`) and return it, wrapped
    with the checks every action shares. Its docstring is the action's description, and the
    models its ``arguments`` and return value are annotated with are the action's input and
    output models (so each is named once)."""

    def decorate(handler: Handler[InputT, OutputT]) -> Handler[InputT, OutputT]:
        @functools.wraps(handler)
        async def run(context: ActionContext, arguments: InputT) -> OutputT:
            _check_account(context, arguments)
            return await handler(context, arguments)

        return REGISTRY.action(
            name,
            title=title,
            input_model=_annotated_model(handler, "arguments"),
            output_model=_annotated_model(handler, "return"),
            side_effect=side_effect,
            costs_money=costs_money,
            idempotent=idempotent,
            open_world=open_world,
            aliases=aliases,
            group=group,
        )(run)

    return decorate


def _annotated_model(handler: Callable[..., Any], key: str) -> type[Any]:
    """The model class ``handler`` annotates ``key`` (a parameter, or ``return``) with.

    Read from the module's names rather than with :func:`typing.get_type_hints`, which would
    also evaluate the other annotations (names a module may import for type checking only).
    """
    annotation = handler.__annotations__.get(key)
    model = handler.__globals__.get(annotation) if isinstance(annotation, str) else annotation
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(
            f"{handler.__qualname__}: annotate {key!r} with a pydantic model class that the "
            "module defines or imports"
        )
    return model
