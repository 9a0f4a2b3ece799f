"""Verify actions end to end against the emulator, through invoke and as Python calls."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.integration.actions.conftest import Run
from tests.integration.actions.helpers import TO
from twiliokit.actions import ActionContext
from twiliokit.actions.verify import (
    CheckVerificationInput,
    CreateRateLimitInput,
    CreateVerifyServiceInput,
    RateLimitInput,
    StartVerificationInput,
    check_verification,
    create_rate_limit,
    create_verify_service,
    fetch_rate_limit,
    start_verification,
)
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import NotFoundError, RateLimitError, TwilioError, ValidationError

pytestmark = pytest.mark.anyio


async def new_service(run: Run, name: str = "Acme") -> str:
    service = await run("create_verify_service", {"friendly_name": name, "code_length": 6})
    sid: str = service["sid"]
    return sid


def pending_code(emulator: RunningEmulator, to: str = TO) -> str:
    """The code the emulator sent (what the user would read on their phone)."""
    [verification] = [
        v for v in emulator.control.verifications() if v["to"] == to and v["status"] == "pending"
    ]
    code: str = verification["code"]
    return code


async def test_services_are_created_and_listed(run: Run) -> None:
    """create_verify_service gives a VA sid that list_verify_services shows."""
    sid = await new_service(run, "Acme Login")
    listed = await run("list_verify_services", {})
    assert [(s["sid"], s["friendly_name"], s["code_length"]) for s in listed["services"]] == [
        (sid, "Acme Login", 6)
    ]


async def test_rate_limit_lifecycle_with_buckets(run: Run) -> None:
    """A rate limit created with buckets is fetched with them, listed, updated and deleted."""
    service = await new_service(run)
    created = await run(
        "createRateLimit",
        {
            "serviceSID": service,
            "uniqueName": "end_user_ip_address",
            "description": "per IP",
            "buckets": [{"max": 5, "interval": 600}, {"max": 20, "interval": 86400}],
        },
    )
    limit = created["sid"]
    assert limit.startswith("RK")
    assert [(b["max"], b["interval"]) for b in created["buckets"]] == [(5, 600), (20, 86400)]

    fetched = await run("fetchRateLimit", {"serviceSID": service, "rateLimitSID": limit})
    assert fetched["unique_name"] == "end_user_ip_address"
    assert sorted(b["interval"] for b in fetched["buckets"]) == [600, 86400]

    listed = await run("listRateLimits", {"service_sid": service})
    assert [r["sid"] for r in listed["rate_limits"]] == [limit]

    updated = await run(
        "update_rate_limit", {"service_sid": service, "sid": limit, "description": "per client IP"}
    )
    assert updated["description"] == "per client IP"

    deleted = await run("deleteRateLimit", {"service_sid": service, "rate_limit_sid": limit})
    assert deleted == {"sid": limit, "deleted": True}
    with pytest.raises(NotFoundError):
        await run("fetch_rate_limit", {"service_sid": service, "rate_limit_sid": limit})


async def test_bucket_create_list_delete(run: Run) -> None:
    """Buckets are added, listed and deleted one by one (also under the CLI's short names)."""
    service = await new_service(run)
    limit = (await run("create_rate_limit", {"service_sid": service, "unique_name": "user_id"}))[
        "sid"
    ]
    assert (await run("fetch_rate_limit", {"service_sid": service, "sid": limit}))["buckets"] == []
    bucket = await run(
        "create_rate_limit_bucket",
        {"service_sid": service, "rate_limit_sid": limit, "max": 3, "interval": 60},
    )
    assert (bucket["sid"][:2], bucket["max"], bucket["interval"]) == ("BL", 3, 60)
    await run(
        "create_bucket",
        {"service_sid": service, "rate_limit_sid": limit, "max": 10, "interval": 3600},
    )
    listed = await run("list_buckets", {"service_sid": service, "rate_limit_sid": limit})
    assert sorted(b["interval"] for b in listed["buckets"]) == [60, 3600]
    deleted = await run(
        "delete_rate_limit_bucket",
        {"service_sid": service, "rate_limit_sid": limit, "sid": bucket["sid"]},
    )
    assert deleted["deleted"] is True
    left = await run("list_rate_limit_buckets", {"service_sid": service, "rate_limit_sid": limit})
    assert [b["interval"] for b in left["buckets"]] == [3600]


async def test_a_failed_bucket_says_the_rate_limit_exists(
    run: Run, emulator: RunningEmulator
) -> None:
    """When a bucket fails after the rate limit was created, the error's hint says the rate
    limit exists (so the agent adds buckets instead of creating it again)."""
    service = await new_service(run)
    emulator.control.add_fault(
        method="POST",
        path=r"/Buckets$",
        status=400,
        code=60210,
        times=1,
        message="Too many buckets",
    )
    with pytest.raises(TwilioError) as caught:
        await run(
            "create_rate_limit",
            {"service_sid": service, "unique_name": "ip", "buckets": [{"max": 1, "interval": 60}]},
        )
    [limit] = (await run("list_rate_limits", {"service_sid": service}))["rate_limits"]
    assert caught.value.code == 60210
    assert f"The rate limit {limit['sid']} was created" in (caught.value.hint or "")
    assert "create_rate_limit_bucket" in (caught.value.hint or "")


async def test_webhook_create_list_delete(run: Run) -> None:
    """createWebhook with SmythOS's names, then list and delete."""
    service = await new_service(run)
    hook = await run(
        "createWebhook",
        {
            "serviceSID": service,
            "friendlyName": "events",
            "webhookUrl": "https://example.com/verify-events",
        },
    )
    assert hook["sid"].startswith("YW")
    assert hook["event_types"] == ["*"]
    listed = await run("list_verify_webhooks", {"service_sid": service})
    assert [(w["sid"], w["webhook_url"]) for w in listed["webhooks"]] == [
        (hook["sid"], "https://example.com/verify-events")
    ]
    await run("delete_verify_webhook", {"service_sid": service, "sid": hook["sid"]})
    assert (await run("list_verify_webhooks", {"service_sid": service}))["webhooks"] == []


async def test_start_and_check_a_verification(run: Run, emulator: RunningEmulator) -> None:
    """A wrong code is approved=false (not an error); the right one approves; checking again
    is not_found."""
    service = await new_service(run)
    started = await run("start_verification", {"service_sid": service, "to": "+1 415 555 2671"})
    assert (started["status"], started["to"], started["channel"]) == ("pending", TO, "sms")
    assert started["send_attempts"] == 1
    code = pending_code(emulator)
    wrong = "000000" if code != "000000" else "111111"

    miss = await run("check_verification", {"service_sid": service, "to": TO, "code": wrong})
    assert (miss["approved"], miss["status"]) == (False, "pending")
    hit = await run(
        "check_verification",
        {"service_sid": service, "verification_sid": started["sid"], "code": code},
    )
    assert (hit["approved"], hit["status"], hit["valid"]) == (True, "approved", True)
    with pytest.raises(NotFoundError) as caught:
        await run("check_verification", {"service_sid": service, "to": TO, "code": code})
    assert caught.value.code == 20404


async def test_rate_limits_apply_to_starts(run: Run) -> None:
    """A bucket of 1 start per hour refuses the second start for the same value with 429."""
    service = await new_service(run)
    await run(
        "create_rate_limit",
        {"service_sid": service, "unique_name": "ip", "buckets": [{"max": 1, "interval": 3600}]},
    )
    limits = {"ip": "203.0.113.7"}
    await run("start_verification", {"service_sid": service, "to": TO, "rate_limits": limits})
    with pytest.raises(TwilioError) as caught:
        await run(
            "start_verification",
            {"service_sid": service, "to": "+14155552672", "rate_limits": limits},
        )
    assert caught.value.status == 429


async def test_a_full_rate_limit_bucket_is_named_and_not_retried(
    run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    """A start refused by a service rate limit is not retried (its bucket refills over the
    interval, not in seconds); the error names the rate limit, the bucket and the refill."""
    service = await new_service(run)
    limit = await run(
        "create_rate_limit",
        {"service_sid": service, "unique_name": "ip", "buckets": [{"max": 1, "interval": 600}]},
    )
    [bucket] = limit["buckets"]
    limits = {"ip": "203.0.113.7"}
    await run("start_verification", {"service_sid": service, "to": TO, "rate_limits": limits})
    caplog.set_level(logging.INFO, logger="twiliokit.http")
    with pytest.raises(RateLimitError) as caught:
        await run(
            "start_verification",
            {"service_sid": service, "to": "+14155552672", "rate_limits": limits},
        )
    assert not [r for r in caplog.records if r.getMessage().startswith("retrying")]
    error = caught.value
    assert (error.status, error.code, error.field) == (429, 20429, "rate_limits")
    for named in ("'ip'", limit["sid"], bucket["sid"], "at most 1 starts per 600 seconds"):
        assert named in error.message
    assert "refills within 600 seconds" in error.message
    assert error.retry_after == 600
    assert "does not help" in (error.hint or "")


@pytest.mark.parametrize(
    ("action", "arguments", "field"),
    [
        ("create_rate_limit", {"service_sid": "VA1", "unique_name": "ip"}, "service_sid"),
        (
            "create_rate_limit",
            {"service_sid": "VA" + "0" * 32, "unique_name": "a b"},
            "unique_name",
        ),
        (
            "create_rate_limit",
            {
                "service_sid": "VA" + "0" * 32,
                "unique_name": "ip",
                "buckets": [{"max": 1, "interval": 60}, {"max": 2, "interval": 60}],
            },
            "buckets",
        ),
        (
            "create_rate_limit_bucket",
            {
                "service_sid": "VA" + "0" * 32,
                "rate_limit_sid": "RK" + "0" * 32,
                "max": 0,
                "interval": 60,
            },
            "max",
        ),
        ("start_verification", {"service_sid": "VA" + "0" * 32, "to": "ada@"}, "to"),
        (
            "start_verification",
            {"service_sid": "VA" + "0" * 32, "to": "ada@example", "channel": "email"},
            "to",
        ),
        (
            "start_verification",
            {"service_sid": "VA" + "0" * 32, "to": TO, "channel": "fax"},
            "channel",
        ),
        ("check_verification", {"service_sid": "VA" + "0" * 32, "code": "123456"}, "to"),
        (
            "check_verification",
            {"service_sid": "VA" + "0" * 32, "code": "12", "to": TO},
            "code",
        ),
        (
            "create_verify_webhook",
            {"service_sid": "VA" + "0" * 32, "friendly_name": "x", "webhook_url": "nope"},
            "webhook_url",
        ),
        (
            "create_verify_webhook",
            {
                "service_sid": "VA" + "0" * 32,
                "friendly_name": "x",
                "webhook_url": "https://e.com",
                "event_types": [],
            },
            "event_types",
        ),
    ],
)
async def test_bad_verify_input_never_reaches_twilio(
    run: Run, emulator: RunningEmulator, action: str, arguments: dict[str, Any], field: str
) -> None:
    """Bad Verify arguments name their field before any request; no verification starts."""
    with pytest.raises(ValidationError) as caught:
        await run(action, arguments)
    assert caught.value.field == field
    assert emulator.control.verifications() == []


async def test_verify_actions_as_python_calls(
    context: ActionContext, emulator: RunningEmulator
) -> None:
    """Services, rate limits and verifications through the functions with typed inputs."""
    service = await create_verify_service(context, CreateVerifyServiceInput(friendly_name="Py"))
    limit = await create_rate_limit(
        context, CreateRateLimitInput(service_sid=service.sid, unique_name="user_id")
    )
    fetched = await fetch_rate_limit(
        context, RateLimitInput(service_sid=service.sid, rate_limit_sid=limit.sid)
    )
    assert fetched.unique_name == "user_id"
    started = await start_verification(
        context, StartVerificationInput(service_sid=service.sid, to=TO)
    )
    assert started.status == "pending"
    checked = await check_verification(
        context,
        CheckVerificationInput(service_sid=service.sid, to=TO, code=pending_code(emulator)),
    )
    assert checked.approved is True
