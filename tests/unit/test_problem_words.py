"""pydantic's error entries in twiliokit's words, without repeating the value."""

from __future__ import annotations

from typing import Annotated, Literal

import pydantic
import pytest

from twiliokit.problem_words import plain_problem


class _Model(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    count: Annotated[int, pydantic.Field(ge=1, le=10)] = 1
    name: Annotated[str, pydantic.Field(max_length=3, pattern="^[a-z]+$")] = "a"
    kind: Literal["sms", "mms"] = "sms"
    urls: Annotated[list[str], pydantic.Field(max_length=1)] = []
    flag: bool = False


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"count": "many"}, "must be a whole number"),
        ({"count": 0}, "must be at least 1"),
        ({"count": 11}, "must be at most 10"),
        ({"name": "abcd"}, "must be at most 3 characters long"),
        ({"name": "A1"}, "must match ^[a-z]+$"),
        ({"kind": "fax"}, "must be one of 'sms' or 'mms'"),
        ({"urls": ["a", "b"]}, "must have at most 1 item"),
        ({"flag": "perhaps"}, "must be true or false"),
        ({"other": 1}, "is not an argument of this action"),
    ],
)
def test_each_problem_reads_as_a_sentence_tail(data: dict[str, object], words: str) -> None:
    """Each kind of problem becomes the words after "'name' ", and the value is not echoed."""
    with pytest.raises(pydantic.ValidationError) as caught:
        _Model.model_validate(data)
    [error] = caught.value.errors(include_url=False)
    problem = plain_problem(error)
    assert problem == words
    assert "should" not in problem


class _Rates(pydantic.BaseModel):
    rate: Annotated[float, pydantic.Field(gt=0, le=1000)] = 1.0
    step: Annotated[float, pydantic.Field(ge=0.5)] = 1.0
    body: Annotated[str, pydantic.Field(max_length=1600)] = ""


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"rate": 0}, "must be more than 0"),
        ({"rate": 5000}, "must be at most 1,000"),
        ({"step": 0.1}, "must be at least 0.5"),
        ({"body": "x" * 1601}, "must be at most 1,600 characters long"),
    ],
)
def test_bounds_read_as_people_write_them(data: dict[str, object], words: str) -> None:
    """A float field's whole bounds lose their ".0" and big ones get thousands separators."""
    with pytest.raises(pydantic.ValidationError) as caught:
        _Rates.model_validate(data)
    [error] = caught.value.errors(include_url=False)
    assert plain_problem(error) == words
