"""`twiliokit verify ...` against the emulator: codes, services, rate limits, buckets, webhooks."""

from __future__ import annotations

import json

import pytest

from tests.acceptance.cli.conftest import Twiliokit, json_of
from twiliokit.emulator.testing import RunningEmulator

HANDSET = "+14155550199"


@pytest.fixture
def service(twiliokit: Twiliokit, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new Verify Service, set as TWILIO_VERIFY_SERVICE_SID like a script would."""
    created = json_of(twiliokit("verify", "services", "create", "Acme", "--json"))
    sid: str = created["sid"]
    monkeypatch.setenv("TWILIO_VERIFY_SERVICE_SID", sid)
    return sid


def test_services_create_and_list(twiliokit: Twiliokit) -> None:
    """`verify services create NAME` makes a VA service that `services list` shows."""
    created = json_of(
        twiliokit("verify", "services", "create", "Acme", "--code-length", "6", "--json")
    )
    assert created["sid"].startswith("VA")
    assert created["code_length"] == 6
    table = twiliokit("verify", "services", "list")
    assert table.exit_code == 0, table.output
    assert created["sid"] in table.stdout


def test_start_and_check_a_code(
    twiliokit: Twiliokit, emulator: RunningEmulator, service: str
) -> None:
    """`verify start TO` sends a code; `verify check CODE --to TO` approves the right one."""
    started = json_of(twiliokit("verify", "start", HANDSET, "--json"))
    assert started["status"] == "pending"
    assert started["service_sid"] == service
    code = next(v["code"] for v in emulator.control.verifications() if v["to"] == HANDSET)
    wrong_code = "111111" if code == "000000" else "000000"
    wrong = twiliokit("verify", "check", wrong_code, "--to", HANDSET, "--json")
    assert wrong.exit_code == 3  # a negative answer (docs/cli.md)
    assert json.loads(wrong.stdout)["approved"] is False
    right = twiliokit("verify", "check", code, "--to", HANDSET)
    assert right.exit_code == 0, right.output
    assert "approved" in right.stdout


def test_service_sid_option_beats_nothing_and_its_absence_is_explained(
    twiliokit: Twiliokit,
) -> None:
    """Without --service-sid or TWILIO_VERIFY_SERVICE_SID: one line naming both, exit 2."""
    result = twiliokit("verify", "start", HANDSET)
    assert result.exit_code == 2
    assert "--service-sid" in result.stderr
    assert "TWILIO_VERIFY_SERVICE_SID" in result.stderr


def test_rate_limits_create_get_list_update_delete(twiliokit: Twiliokit, service: str) -> None:
    """The rate-limits subcommands run the matching actions on the service."""
    created = json_of(
        twiliokit("verify", "rate-limits", "create", "end_user_ip", "--bucket", "5/600", "--json")
    )
    sid = created["sid"]
    assert created["service_sid"] == service
    fetched = json_of(twiliokit("verify", "rate-limits", "get", sid, "--json"))
    assert fetched["unique_name"] == "end_user_ip"
    assert [(b["max"], b["interval"]) for b in fetched["buckets"]] == [(5, 600)]
    listed = twiliokit("verify", "rate-limits", "list")
    assert sid in listed.stdout
    updated = json_of(
        twiliokit("verify", "rate-limits", "update", sid, "--description", "per IP", "--json")
    )
    assert updated["description"] == "per IP"
    assert twiliokit("verify", "rate-limits", "delete", sid).exit_code == 0
    assert twiliokit("verify", "rate-limits", "get", sid).exit_code == 1


def test_bad_bucket_spec_is_one_line(twiliokit: Twiliokit, service: str) -> None:
    """--bucket must be MAX/SECONDS; anything else is named, exit 2."""
    result = twiliokit("verify", "rate-limits", "create", "end_user_ip", "--bucket", "five")
    assert result.exit_code == 2
    assert "MAX/SECONDS" in result.stderr


def test_buckets_create_list_delete(twiliokit: Twiliokit, service: str) -> None:
    """The buckets subcommands manage a rate limit's buckets."""
    limit = json_of(twiliokit("verify", "rate-limits", "create", "phone", "--json"))["sid"]
    bucket = json_of(
        twiliokit(
            "verify",
            "buckets",
            "create",
            "--rate-limit-sid",
            limit,
            "--max",
            "3",
            "--interval",
            "60",
            "--json",
        )
    )
    assert (bucket["max"], bucket["interval"]) == (3, 60)
    listed = json_of(twiliokit("verify", "buckets", "list", "--rate-limit-sid", limit, "--json"))
    assert [b["sid"] for b in listed["buckets"]] == [bucket["sid"]]
    deleted = twiliokit("verify", "buckets", "delete", bucket["sid"], "--rate-limit-sid", limit)
    assert deleted.exit_code == 0, deleted.output
    after = json_of(twiliokit("verify", "buckets", "list", "--rate-limit-sid", limit, "--json"))
    assert after["buckets"] == []


def test_webhooks_create_list_delete(twiliokit: Twiliokit, service: str) -> None:
    """The webhooks subcommands subscribe a URL to the service's events and remove it."""
    created = json_of(
        twiliokit(
            "verify",
            "webhooks",
            "create",
            "events",
            "https://example.com/verify",
            "--event",
            "*",
            "--json",
        )
    )
    assert created["webhook_url"] == "https://example.com/verify"
    listed = twiliokit("verify", "webhooks", "list")
    assert created["sid"] in listed.stdout
    assert twiliokit("verify", "webhooks", "delete", created["sid"]).exit_code == 0
    assert json_of(twiliokit("verify", "webhooks", "list", "--json"))["webhooks"] == []
