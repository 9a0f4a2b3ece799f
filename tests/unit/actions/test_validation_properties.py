"""Property tests: whatever JSON an agent sends, validation answers with a ValidationError that
names a field, or with a valid input; never another exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AliasChoices, BaseModel

from twiliokit.actions import catalogue
from twiliokit.actions.invoke import parse_arguments
from twiliokit.actions.registry import Action
from twiliokit.errors import ValidationError

ACTIONS = list(catalogue())
SID_TAIL = "0123456789abcdef" * 2

#: Strings that look like what the fields expect, so generated inputs get past the first check
#: and exercise the later ones (cross-field rules, date ranges, sender kinds).
PLAUSIBLE = [
    "+14155552671",
    "+1 (415) 555-2671",
    "whatsapp:+14155552671",
    "12345",
    "MyBrand",
    "+15005550001",
    "+1415",
    "ada@example.com",
    "https://example.com/cat.jpg",
    "http://",
    "ftp://example.com/x",
    "2024-03-01",
    "2024-03-01T12:00:00Z",
    "2024-03-01T12:00:00",
    "2999-12-31",
    "0001-01-01",
    "9999-12-31",
    "<Response><Say>Hi</Say></Response>",
    "<Response>",
    "GET",
    "post",
    "/2010-04-01/Accounts/{AccountSid}/Messages.json",
    "https://evil.example.com/x",
    "json",
    "binary",
    "sms",
    "email",
    "Enable",
    "*",
    "completed",
    "line_type_intelligence",
    "PASM" + SID_TAIL,
    *(prefix + SID_TAIL for prefix in ("SM", "MM", "MG", "HX", "CA", "VA", "RK", "BL", "YW", "VE")),
    "",
    " ",
    "\x00",
    "\ud800",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-2, max_value=40_000)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(PLAUSIBLE)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=12) | st.sampled_from(["max", "interval", "1"]), children, max_size=4
        )
    ),
    max_leaves=12,
)


def accepted_names(model: type[BaseModel]) -> list[str]:
    """Every name the model takes an argument under, plus case variants of each."""
    names: list[str] = []
    for name, info in model.model_fields.items():
        names.append(name)
        if isinstance(info.validation_alias, AliasChoices):
            names += [c for c in info.validation_alias.choices if isinstance(c, str)]
    variants = [n.upper() for n in names] + [n.replace("_", "") for n in names]
    return names + variants


def arguments_for(action: Action[Any, Any]) -> st.SearchStrategy[dict[Any, Any]]:
    keys = st.sampled_from(accepted_names(action.input_model)) | st.text(max_size=16)
    return st.dictionaries(keys, json_values, max_size=8)


#: One strategy per action, built once (building them per example is most of the cost).
STRATEGIES = {action.name: arguments_for(action) for action in ACTIONS}


def assert_only_validation_errors(action: Action[Any, Any], arguments: object) -> None:
    error: ValidationError | None = None
    try:
        parsed = parse_arguments(action, arguments)
    except ValidationError as exc:
        error = exc
    if error is None:
        assert isinstance(parsed, action.input_model)
        return
    assert isinstance(error.field, str)
    assert error.field
    assert error.message
    json.dumps(error.to_dict())


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_json_object_gives_a_valid_input_or_a_field_error(
    action: Action[Any, Any], data: st.DataObject
) -> None:
    """Arbitrary JSON objects (with the action's own argument names and plausible values mixed
    in) either validate or raise ValidationError naming a field; nothing else escapes."""
    assert_only_validation_errors(action, data.draw(STRATEGIES[action.name]))


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
@settings(max_examples=15, deadline=None)
@given(arguments=json_values.filter(lambda value: not isinstance(value, dict)))
def test_arguments_that_are_not_an_object_are_refused(
    action: Action[Any, Any], arguments: object
) -> None:
    """Lists, strings and numbers as arguments are a ValidationError on 'arguments' (None
    means no arguments)."""
    if arguments is None:
        assert_only_validation_errors(action, arguments)
        return
    with pytest.raises(ValidationError) as caught:
        parse_arguments(action, arguments)
    assert caught.value.field == "arguments"
