"""Guardrails: settings from the [guardrails] table, and what the guarded catalogue refuses,
counts and previews, against the emulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.actions.helpers import count_messages, emulator_now
from tests.integration.surfaces.conftest import TO, OpenGuarded
from twiliokit.compliance import LedgerHooks
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import (
    ConfigurationError,
    OptedOutError,
    PolicyError,
    TwilioError,
    ValidationError,
)
from twiliokit.ledger import (
    Direction,
    MemoryLedger,
    MessageRecord,
    MessageStatus,
    OptOutAction,
    OptOutEvent,
)
from twiliokit.server.guardrails import GuardedCatalogue, Guardrails, HourlyCapError

pytestmark = pytest.mark.anyio

UK_MOBILE = "+447400123456"
FRENCH_MOBILE = "+33612345678"


# --------------------------------------------------------------------------- settings


def test_section_with_every_key_is_read() -> None:
    """Every [guardrails] key is read; destinations are normalised (country codes upper)."""
    guardrails = Guardrails.from_section(
        {
            "read_only": True,
            "allow_tools": ["send_sms", "list_messages"],
            "deny_tools": ["raw_request"],
            "allowed_destinations": ["+1 415", "gb"],
            "max_messages_per_hour": 5,
            "max_calls_per_hour": 0,
            "dry_run": True,
        }
    )
    assert guardrails.read_only
    assert guardrails.dry_run
    assert guardrails.allow_tools == {"send_sms", "list_messages"}
    assert guardrails.deny_tools == {"raw_request"}
    assert guardrails.allowed_destinations == ("+1415", "GB")
    assert (guardrails.max_messages_per_hour, guardrails.max_calls_per_hour) == (5, 0)


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"read_onyl": True}, "guardrails.read_onyl"),
        ({"read_only": "yes"}, "guardrails.read_only"),
        ({"deny_tools": "raw_request"}, "guardrails.deny_tools"),
        ({"allowed_destinations": ["+1415", "Narnia"]}, "guardrails.allowed_destinations"),
        ({"max_messages_per_hour": -1}, "guardrails.max_messages_per_hour"),
        ({"max_calls_per_hour": 2.5}, "guardrails.max_calls_per_hour"),
    ],
)
def test_bad_settings_name_the_key(section: dict[str, object], field: str) -> None:
    """A mistake in [guardrails] is a ConfigurationError naming the key, not a silent default."""
    with pytest.raises(ConfigurationError) as caught:
        Guardrails.from_section(section)
    assert caught.value.field == field
    assert caught.value.hint


def test_a_tool_name_that_is_not_an_action_is_refused() -> None:
    """A typo in deny_tools would silently allow the tool: it is an error with a suggestion."""
    with pytest.raises(ConfigurationError, match=r"send_smss.*did you mean 'send_sms'"):
        GuardedCatalogue(Guardrails(deny_tools=frozenset({"send_smss"})))


def test_flags_only_tighten_the_config() -> None:
    """--read-only and --dry-run add restrictions; without them the config's values stand."""
    base = Guardrails(read_only=True)
    assert base.tightened().read_only
    assert base.tightened(dry_run=True).dry_run
    assert Guardrails().tightened(read_only=True).read_only


# --------------------------------------------------------------------------- the tool filter


async def test_read_only_lists_reads_and_refuses_writes(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """Read-only hides every write and refuses one called by name, before any request."""
    runtime = await guarded(Guardrails(read_only=True))
    listed = runtime.catalogue.actions()
    assert listed
    assert all(action.side_effect == "read" for action in listed)
    with pytest.raises(PolicyError, match="read-only") as caught:
        await runtime.invoke("sendSMS", {"to": TO, "body": "hi"})  # an alias is no way round
    assert caught.value.field == "action"
    assert count_messages(emulator) == 0
    assert (await runtime.invoke("list_messages", {}))["messages"] == []


async def test_deny_wins_over_allow_and_covers_aliases(guarded: OpenGuarded) -> None:
    """Only allowed tools are listed; a denied one is refused even when also allowed."""
    runtime = await guarded(
        Guardrails(
            allow_tools=frozenset({"list_messages", "sendSMS"}),
            deny_tools=frozenset({"send_sms"}),
        )
    )
    assert [action.name for action in runtime.catalogue.actions()] == ["list_messages"]
    with pytest.raises(PolicyError, match="deny list"):
        await runtime.invoke("send_sms", {"to": TO, "body": "hi"})
    with pytest.raises(PolicyError, match="allow list"):
        await runtime.invoke("get_call", {"sid": "CA" + "0" * 32})


async def test_unknown_action_is_a_validation_error(guarded: OpenGuarded) -> None:
    """A name that is no action is bad input with close names suggested, not a refusal."""
    runtime = await guarded()
    with pytest.raises(ValidationError, match="send_smss") as caught:
        await runtime.invoke("send_smss", {})
    assert "send_sms" in (caught.value.hint or "")


# --------------------------------------------------------------------------- destinations


async def test_destination_allowlist_by_prefix_and_country(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """+1415 and GB admit a San Francisco and a UK number; a French one is refused unsent."""
    runtime = await guarded(Guardrails(allowed_destinations=("+1415", "GB")))
    await runtime.invoke("send_sms", {"to": TO, "body": "ok"})
    await runtime.invoke("send_sms", {"to": UK_MOBILE, "body": "ok"})
    with pytest.raises(PolicyError, match=r"\+33612345678.*allowlist") as caught:
        await runtime.invoke("send_sms", {"to": FRENCH_MOBILE, "body": "no"})
    assert caught.value.field == "to"
    assert count_messages(emulator) == 2


async def test_allowlist_covers_whatsapp_calls_and_verifications(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """Every way of reaching a person is checked: WhatsApp, calls and Verify codes."""
    runtime = await guarded(Guardrails(allowed_destinations=("+1415",)))
    with pytest.raises(PolicyError):
        await runtime.invoke(
            "send_whatsapp", {"to": f"whatsapp:{FRENCH_MOBILE}", "content_sid": "HX" + "0" * 32}
        )
    with pytest.raises(PolicyError):
        await runtime.invoke("make_call", {"to": FRENCH_MOBILE, "say": "hello"})
    service = await runtime.invoke("create_verify_service", {"friendly_name": "Acme"})
    with pytest.raises(PolicyError):
        await runtime.invoke(
            "start_verification", {"service_sid": service["sid"], "to": FRENCH_MOBILE}
        )
    assert emulator.control.verifications() == []


async def test_raw_writes_are_refused_while_sends_are_limited(guarded: OpenGuarded) -> None:
    """raw_request could send around the allowlist: its writes are refused, its reads run."""
    runtime = await guarded(Guardrails(allowed_destinations=("+1415",)))
    path = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
    # Not a create (raw_request refuses those whatever the guardrails): a write all the same.
    update = "/2010-04-01/Accounts/{AccountSid}/Messages/SM" + "0" * 32 + ".json"
    with pytest.raises(PolicyError, match="raw_request with POST") as caught:
        await runtime.invoke(
            "raw_request", {"method": "POST", "path": update, "data": {"Body": "x"}}
        )
    assert caught.value.field == "method"
    read = await runtime.invoke("raw_request", {"method": "GET", "path": path})
    assert read["status_code"] == 200


# --------------------------------------------------------------------------- hourly caps


async def test_hourly_message_cap_refuses_and_says_when(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """At the cap the next send is refused with retry_after; an hour later it is allowed."""
    runtime = await guarded(Guardrails(max_messages_per_hour=2))
    for n in range(2):
        await runtime.invoke("send_sms", {"to": TO, "body": f"n{n}"})
    with pytest.raises(HourlyCapError) as caught:
        await runtime.invoke("send_sms", {"to": TO, "body": "too many"})
    error = caught.value
    assert isinstance(error, PolicyError)
    assert error.retryable
    assert error.to_dict()["retry_after"] == 3600  # the emulator's clock is frozen
    assert error.field == "max_messages_per_hour"
    assert count_messages(emulator) == 2
    emulator.control.advance(3601)
    await runtime.invoke("send_sms", {"to": TO, "body": "next hour"})
    assert count_messages(emulator) == 3


async def test_a_zero_cap_disables_the_send_and_is_not_retryable(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """A cap of 0 means disabled: refused before any request, not retryable, no wait given,
    and the message says so (waiting an hour would not help)."""
    runtime = await guarded(Guardrails(max_messages_per_hour=0, max_calls_per_hour=0))
    for action, arguments, noun in [
        ("send_sms", {"to": TO, "body": "hi"}, "messages"),
        ("make_call", {"to": TO, "say": "hi"}, "calls"),
    ]:
        with pytest.raises(PolicyError) as caught:
            await runtime.invoke(action, arguments)
        error = caught.value
        assert not isinstance(error, HourlyCapError)
        assert not error.retryable
        assert "retry_after" not in error.to_dict()
        assert f"sending {noun} is disabled" in error.message
        assert error.field == f"max_{noun}_per_hour"
        assert "Try again" not in (error.hint or "")
    assert count_messages(emulator) == 0


async def test_a_send_twilio_refused_does_not_use_the_cap(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """A send that did not go out (Twilio said 21211) gives its slot back."""
    runtime = await guarded(Guardrails(max_messages_per_hour=1))
    with pytest.raises(TwilioError) as caught:
        await runtime.invoke("send_sms", {"to": "+15005550001", "body": "invalid number"})
    assert caught.value.code == 21211
    await runtime.invoke("send_sms", {"to": TO, "body": "this one counts"})
    with pytest.raises(HourlyCapError):
        await runtime.invoke("send_sms", {"to": TO, "body": "over"})


async def test_message_cap_counts_the_ledgers_sends_too(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """Messages another process sent (recorded in the ledger) count toward this one's cap."""
    ledger = MemoryLedger()
    now = emulator_now(emulator)
    for n in range(2):
        await ledger.record_message(
            MessageRecord(
                sid=f"SM{n:032x}",
                account_sid=emulator.account_sid,
                direction=Direction.OUTBOUND_API,
                from_=emulator.phone_number,
                to=TO,
                status=MessageStatus.SENT,
                date_created=now - timedelta(minutes=30 + n),
            )
        )
    runtime = await guarded(Guardrails(max_messages_per_hour=2), ledger=ledger)
    with pytest.raises(HourlyCapError) as caught:
        await runtime.invoke("send_sms", {"to": TO, "body": "third this hour"})
    # The older of the two leaves the window 29 minutes from now.
    assert caught.value.to_dict()["retry_after"] == 29 * 60
    assert count_messages(emulator) == 0


async def test_call_cap_is_separate_from_the_message_cap(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """max_calls_per_hour limits calls only; messages keep their own count."""
    runtime = await guarded(Guardrails(max_calls_per_hour=1, max_messages_per_hour=5))
    await runtime.invoke("make_call", {"to": TO, "say": "first"})
    with pytest.raises(HourlyCapError, match="1 calls"):
        await runtime.invoke("make_call", {"to": TO, "say": "second"})
    await runtime.invoke("send_sms", {"to": TO, "body": "still fine"})


# --------------------------------------------------------------------------- dry run


async def test_dry_run_previews_an_sms_and_sends_nothing(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """The preview has sender, encoding, segments and cost class; the emulator gets nothing."""
    runtime = await guarded(Guardrails(dry_run=True))
    body = "Your table is ready \N{GRINNING FACE} " + "x" * 60
    preview = await runtime.invoke("send_sms", {"to": TO, "body": body})
    assert preview["dry_run"] is True
    assert preview["to"] == TO
    assert preview["from"] == emulator.phone_number
    assert (preview["encoding"], preview["segments"]) == ("UCS-2", 2)
    assert preview["ucs2_characters"] == ["\N{GRINNING FACE}"]
    assert preview["cost_class"] == "sms_per_segment"
    assert "Nothing was sent" in preview["summary"]
    call = await runtime.invoke("make_call", {"to": TO, "say": "hello"})
    assert (call["channel"], call["cost_class"]) == ("call", "voice_per_minute")
    assert count_messages(emulator) == 0
    assert (await runtime.invoke("list_calls", {}))["calls"] == []


async def test_a_dry_run_leaves_its_idempotency_key_free(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """Previewing a keyed send takes nothing: the real send with that key then goes out."""
    ledger = MemoryLedger()
    arguments = {"to": TO, "body": "rehearsal", "idempotency_key": "k-dry"}
    preview = await (await guarded(Guardrails(dry_run=True), ledger=ledger)).invoke(
        "send_sms", arguments
    )
    assert preview["dry_run"] is True
    sent = await (await guarded(Guardrails(), ledger=ledger)).invoke("send_sms", arguments)
    assert sent["sid"].startswith("SM")
    assert count_messages(emulator) == 1


async def test_dry_run_previews_other_writes_as_their_request(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """A write that is not a send is stopped at the network and shown as the request."""
    runtime = await guarded(Guardrails(dry_run=True))
    preview = await runtime.invoke("create_verify_service", {"friendly_name": "Acme"})
    request = preview["request"]
    assert request["method"] == "POST"
    assert request["url"].endswith("/v2/Services")
    assert request["params"] == {"FriendlyName": "Acme"}
    assert preview["cost_class"] == "free"
    assert (await runtime.invoke("list_verify_services", {}))["services"] == []


async def test_dry_run_still_applies_compliance_and_the_cap(
    guarded: OpenGuarded, emulator: RunningEmulator
) -> None:
    """A preview is only given for a send the rules would let through, and costs no slot."""
    ledger = MemoryLedger()
    await ledger.record_opt_out(
        OptOutEvent(
            sender_key=emulator.phone_number,
            recipient=TO,
            action=OptOutAction.STOP,
            at=emulator_now(emulator),
        )
    )
    runtime = await guarded(
        Guardrails(dry_run=True, max_messages_per_hour=1),
        ledger=ledger,
        hooks=LedgerHooks(ledger),
    )
    with pytest.raises(OptedOutError):
        await runtime.invoke("send_sms", {"to": TO, "body": "hi"})
    for _ in range(3):  # previews do not use up the one slot
        await runtime.invoke("send_sms", {"to": UK_MOBILE, "body": "hi"})
    assert count_messages(emulator) == 0
