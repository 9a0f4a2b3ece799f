"""Pacing defaults by kind of sender (Twilio's documented throughput), the ``[outbox]`` table,
and how a request's answer becomes an item's outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from twiliokit.config_file import parse_config
from twiliokit.errors import (
    ConfigurationError,
    ConnectError,
    OptedOutError,
    RateLimitError,
    TwilioError,
    UnknownOutcomeError,
)
from twiliokit.ledger.outbox_records import OutcomeKind
from twiliokit.outbox.outcomes import outcome_of_error
from twiliokit.outbox.pacing import SenderKind, default_rate, sender_kind
from twiliokit.outbox.settings import OutboxSettings

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sender", "kind", "rate"),
    [
        ("+14155550100", SenderKind.US_CA_LONG_CODE, 1.0),
        ("+16135550100", SenderKind.US_CA_LONG_CODE, 1.0),
        ("+18885550100", SenderKind.US_CA_TOLL_FREE, 3.0),
        ("+18445550100", SenderKind.US_CA_TOLL_FREE, 3.0),
        ("12345", SenderKind.SHORT_CODE, 100.0),
        ("+447700900123", SenderKind.LONG_CODE, 10.0),
        ("ACME Inc", SenderKind.ALPHANUMERIC, 10.0),
        ("whatsapp:+14155550100", SenderKind.WHATSAPP, 80.0),
        ("MG" + "0" * 32, SenderKind.MESSAGING_SERVICE, 10.0),
        ("VA" + "a" * 32, SenderKind.VERIFY_SERVICE, 10.0),
        ("hooks.example.com", SenderKind.FORWARD_TARGET, 20.0),
    ],
)
def test_each_kind_of_sender_gets_its_documented_default(
    sender: str, kind: SenderKind, rate: float
) -> None:
    """A US long code sends 1/s, toll-free 3/s, a short code 100/s, and so on."""
    assert sender_kind(sender) == kind
    assert default_rate(sender) == rate


def test_the_outbox_table_sets_rates_and_limits() -> None:
    """``[outbox]`` rates win over the defaults; the other keys are read as given."""
    config = parse_config(
        """
        [outbox]
        rates = { "+15005550006" = 5, "MG00000000000000000000000000000000" = 30 }
        max_in_flight = 50
        lease_seconds = 30
        concurrency = 4
        """
    )
    settings = OutboxSettings.from_config(config)
    assert settings.rate_for("+15005550006") == 5.0
    assert settings.rate_for("MG" + "0" * 32) == 30.0
    assert settings.rate_for("+14155550100") == 1.0
    assert (settings.max_in_flight, settings.lease_seconds, settings.concurrency) == (50, 30, 4)


@pytest.mark.parametrize(
    ("table", "field", "words"),
    [
        ("concurency = 4", "outbox.concurency", "unknown key"),
        ("concurrency = 0", "outbox.concurrency", "from 1 to 1,000"),
        ("concurrency = 100000", "outbox.concurrency", "from 1 to 1,000"),
        ('rates = { "+15005550006" = "fast" }', "outbox.rates.+15005550006", "number"),
        ("rates = 5", "outbox.rates", "table of sender"),
        ("lease_seconds = 1", "outbox.lease_seconds", "at least 5"),
    ],
)
def test_a_bad_outbox_table_names_the_key_and_the_fix(table: str, field: str, words: str) -> None:
    """A typo or a wrong value is a ConfigurationError naming ``[outbox]``'s key, with a hint."""
    with pytest.raises(ConfigurationError) as caught:
        OutboxSettings.from_config(parse_config(f"[outbox]\n{table}\n"))
    assert caught.value.field == field
    assert words in caught.value.message
    assert caught.value.hint


def test_what_each_error_means_for_the_item() -> None:
    """429/20429: retry after Retry-After and slow the sender; no connection: retry; a lost
    answer or a 5xx to a create: unknown; Twilio's refusal: failed; a rule: refused."""
    limited = outcome_of_error(
        RateLimitError("slow down", status=429, code=20429, retry_after=30), now=NOW, attempts=1
    )
    assert limited.outcome.kind == OutcomeKind.RETRY
    assert limited.outcome.retry_at == NOW + timedelta(seconds=30)
    assert limited.slow_until is not None
    assert limited.slow_until >= NOW + timedelta(seconds=30)
    kinds = {
        "connect": ConnectError("refused"),
        "lost": UnknownOutcomeError("lost", method="POST", url="https://api.twilio.com/x"),
        "5xx": TwilioError("oops", status=500, code=20500),
        "4xx": TwilioError("bad number", status=400, code=21211),
        "stop": OptedOutError("opted out"),
    }
    seen = {
        name: outcome_of_error(error, now=NOW, attempts=1).outcome.kind
        for name, error in kinds.items()
    }
    assert seen == {
        "connect": OutcomeKind.RETRY,
        "lost": OutcomeKind.UNKNOWN,
        "5xx": OutcomeKind.UNKNOWN,
        "4xx": OutcomeKind.FAILED,
        "stop": OutcomeKind.REFUSED,
    }
