"""Timeout and RetryPolicy: frozen settings that reject bad values by name."""

from __future__ import annotations

import dataclasses

import pytest

from twiliokit.errors import ValidationError
from twiliokit.http.policies import RetryPolicy, Timeout


def test_timeout_from_a_number_applies_to_every_phase() -> None:
    """Timeout.of(2) limits connect, read, write and pool to 2 seconds each."""
    assert Timeout.of(2).as_dict() == {"connect": 2, "read": 2, "write": 2, "pool": 2}


def test_timeout_of_none_keeps_the_defaults() -> None:
    """Timeout.of(None) is the default timeout, and a Timeout passes through unchanged."""
    custom = Timeout(connect=1.0)
    assert Timeout.of(None) == Timeout()
    assert Timeout.of(custom) is custom


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "5", True])
def test_timeout_rejects_bad_values_naming_the_field(bad: object) -> None:
    """A negative, infinite or non-numeric timeout fails with the field's name."""
    with pytest.raises(ValidationError) as caught:
        Timeout(read=bad)  # type: ignore[arg-type]
    assert caught.value.field == "timeout.read"


def test_settings_are_frozen() -> None:
    """Settings objects cannot be changed after creation (they are shared by calls)."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        RetryPolicy().max_retries = 9  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_retries": -1}, "retry.max_retries"),
        ({"max_retries": 1.5}, "retry.max_retries"),
        ({"initial_delay": -0.1}, "retry.initial_delay"),
        ({"jitter": 1.5}, "retry.jitter"),
        ({"multiplier": 0.5}, "retry.multiplier"),
        ({"statuses": frozenset({200})}, "retry.statuses"),
    ],
)
def test_retry_policy_rejects_bad_values_naming_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    """Each invalid retry setting fails with a ValidationError naming it."""
    with pytest.raises(ValidationError) as caught:
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_retry_policy_defaults_retry_429_and_503() -> None:
    """By default 429 and 503 (Twilio: not processed) are the retried statuses."""
    assert RetryPolicy().statuses == frozenset({429, 503})
    assert RetryPolicy.disabled().max_retries == 0
