"""Ledger records validate themselves, and the pure rules behave as Twilio does (no I/O)."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import twiliokit.ledger as ledger_api
from tests.integration.ledger.factories import T0, inbound, outbound
from twiliokit.errors import ValidationError
from twiliokit.ledger import (
    CallStatus,
    CallStatusEvent,
    Channel,
    Claim,
    LedgerQuery,
    LedgerStore,
    MemoryLedger,
    MessageStatus,
    OptOutAction,
    OutboxClaim,
    SqlLedger,
    StatusEvent,
    WebhookDelivery,
    WebhookKind,
    channel_for,
    keyword_action,
    sender_key,
)

S = MessageStatus


def test_naive_datetimes_are_refused_with_the_field_named() -> None:
    """A datetime without a time zone is a ValidationError naming the field and the fix."""
    with pytest.raises(ValidationError) as caught:
        outbound(1, date_created=datetime(2026, 1, 1))
    assert caught.value.field == "date_created"
    assert "timezone" in caught.value.message


def test_datetimes_are_normalised_to_utc() -> None:
    """Aware datetimes in any zone are stored as the same instant in UTC."""
    paris = timezone(timedelta(hours=1))
    event = StatusEvent(sid="SM1", status=S.SENT, at=datetime(2026, 1, 1, 13, tzinfo=paris))
    assert event.at == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert event.at.tzinfo is UTC


def test_status_events_check_their_own_lifecycle() -> None:
    """A message status event takes message statuses and a call status event call statuses,
    each parsed from Twilio's strings; the other lifecycle's words are refused."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert StatusEvent(sid="SM1", status="delivered", at=at).status is S.DELIVERED
    assert CallStatusEvent(sid="CA1", status="no-answer", at=at).status is CallStatus.NO_ANSWER
    with pytest.raises(ValidationError) as caught:
        StatusEvent(sid="SM1", status="no-answer", at=at)
    assert caught.value.field == "status"
    with pytest.raises(ValidationError) as caught:
        CallStatusEvent(sid="CA1", status="delivered", at=at)
    assert caught.value.field == "status"
    with pytest.raises(ValidationError, match="sid"):
        CallStatusEvent(sid=" ", status="ringing", at=at)


def test_an_outbox_claim_checks_now_and_gives_new_senders_a_rate() -> None:
    """An outbox claim refuses a naive ``now`` when built; a sender without a pace starts at
    ``rate_for(sender)`` when given, else at ``default_rate``."""
    fields: dict[str, Any] = {
        "owner": "w1",
        "lease": timedelta(minutes=1),
        "limit": 1,
        "horizon": timedelta(seconds=2),
    }
    with pytest.raises(ValidationError) as caught:
        OutboxClaim(now=datetime(2026, 1, 1), **fields)
    assert caught.value.field == "now"
    claim = OutboxClaim(now=T0, default_rate=3.0, **fields)
    assert claim.first_rate("+15005550006") == 3.0
    rated = OutboxClaim(now=T0, rate_for=lambda sender: 30.0, **fields)
    assert rated.first_rate("+15005550006") == 30.0


def test_enum_fields_accept_twilio_strings() -> None:
    """Twilio's status strings become enum members; unknown ones list the valid values."""
    message = outbound(1, status="delivered", direction="outbound-reply")
    assert message.status is S.DELIVERED
    with pytest.raises(ValidationError) as caught:
        outbound(1, status="deliverd")
    assert caught.value.field == "status"
    assert "delivered" in caught.value.message


def test_inbound_messages_need_a_sender() -> None:
    """An inbound message without From cannot name its contact, so it is refused."""
    with pytest.raises(ValidationError, match="from_"):
        inbound(1, from_=None)


def test_outbound_lifecycle_ranks_only_go_up() -> None:
    """Twilio's documented outbound and inbound flows are in increasing rank order."""
    flows = [
        [S.ACCEPTED, S.QUEUED, S.SENDING, S.SENT, S.DELIVERED, S.READ],
        [S.SCHEDULED, S.QUEUED, S.SENDING, S.SENT, S.UNDELIVERED],
        [S.QUEUED, S.FAILED],
        [S.SCHEDULED, S.CANCELED],
        [S.RECEIVING, S.RECEIVED],
    ]
    for flow in flows:
        ranks = [status.rank for status in flow]
        assert ranks == sorted(set(ranks)), flow
    assert S.DELIVERED.rank == S.UNDELIVERED.rank == S.FAILED.rank
    assert [s for s in S if s.is_final] == [
        S.DELIVERED,
        S.UNDELIVERED,
        S.FAILED,
        S.PARTIALLY_DELIVERED,
        S.CANCELED,
        S.READ,
        S.RECEIVED,
    ]
    call_flow = [
        CallStatus.QUEUED,
        CallStatus.RINGING,
        CallStatus.IN_PROGRESS,
        CallStatus.COMPLETED,
    ]
    assert [s.rank for s in call_flow] == sorted({s.rank for s in call_flow})
    assert CallStatus.NO_ANSWER.is_final
    assert not CallStatus.RINGING.is_final


@pytest.mark.parametrize(
    ("body", "action"),
    [
        ("STOP", OptOutAction.STOP),
        (" unsubscribe\n", OptOutAction.STOP),
        ("Revoke", OptOutAction.STOP),
        ("start", OptOutAction.START),
        ("UNSTOP", OptOutAction.START),
        ("info", OptOutAction.HELP),
        ("STOP PLEASE", None),
        ("stopping", None),
        ("", None),
        (None, None),
    ],
)
def test_keyword_action_matches_twilio_defaults(
    body: str | None, action: OptOutAction | None
) -> None:
    """Only a single default keyword, in any case, is a consent action."""
    assert keyword_action(body) is action


def test_sender_key_prefers_the_messaging_service() -> None:
    """Twilio keys an opt-out on the Messaging Service when one is used, else on the sender."""
    assert sender_key("+15550000000", "MG1") == "MG1"
    assert sender_key("+15550000000", None) == "+15550000000"
    with pytest.raises(ValidationError):
        sender_key(None, None)


def test_channel_is_derived_from_addresses_and_media() -> None:
    """whatsapp: addresses mean WhatsApp; media means MMS; otherwise SMS."""
    assert channel_for("whatsapp:+1", "whatsapp:+2", 0) is Channel.WHATSAPP
    assert channel_for("+1", "+2", 1) is Channel.MMS
    assert channel_for(None, "+2", 0) is Channel.SMS
    assert outbound(1, channel="whatsapp").channel is Channel.WHATSAPP


def test_webhook_urls_lose_their_credentials() -> None:
    """Basic-auth credentials in a webhook URL are never stored."""
    delivery = WebhookDelivery(
        kind=WebhookKind.INCOMING_CALL,
        received_at=T0,
        url="https://user:pa55@[::1]:8443/voice?x=1",
        signature_valid=True,
        params=[["From", "+1"]],  # type: ignore[arg-type]
    )
    assert delivery.url == "https://[::1]:8443/voice?x=1"
    assert delivery.params == (("From", "+1"),)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"since": T0, "until": T0 - timedelta(seconds=1)}, "since"),
        ({"status": "nope"}, "status"),
    ],
)
def test_bad_queries_name_the_field(fields: dict[str, object], field: str) -> None:
    """An impossible search is refused before it reaches a database."""
    with pytest.raises(ValidationError) as caught:
        LedgerQuery(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_claim_keys_have_a_bounded_length() -> None:
    """Claim keys fit the database column; longer ones are refused with advice."""
    assert Claim(key="k" * 255, kind="inbound").key
    with pytest.raises(ValidationError, match="hash"):
        Claim(key="k" * 256, kind="inbound")


def test_public_surface_is_sorted_and_importable() -> None:
    """twiliokit.ledger exports a sorted __all__ of names that exist."""
    assert ledger_api.__all__ == sorted(ledger_api.__all__)
    for name in ledger_api.__all__:
        assert hasattr(ledger_api, name), name


@pytest.mark.parametrize("store", [MemoryLedger, SqlLedger])
def test_stores_implement_the_whole_protocol(store: type) -> None:
    """Both stores have every LedgerStore method, with the same signature."""
    members = [
        name
        for name, value in vars(LedgerStore).items()
        if callable(value) and (not name.startswith("_") or name in {"__aenter__", "__aexit__"})
    ]
    assert len(members) > 20
    for name in members:
        expected = inspect.signature(getattr(LedgerStore, name))
        assert inspect.signature(getattr(store, name)) == expected, name


def test_values_must_fit_their_columns() -> None:
    """Over-long SIDs or addresses and out-of-range numbers are refused on every backend."""
    with pytest.raises(ValidationError) as caught:
        outbound(1, sid="SM" + "0" * 63)
    assert caught.value.field == "sid"
    with pytest.raises(ValidationError) as caught:
        outbound(1, to="+" + "1" * 255)
    assert caught.value.field == "to"
    with pytest.raises(ValidationError) as caught:
        outbound(1, error_code=2**31)
    assert caught.value.field == "error_code"
