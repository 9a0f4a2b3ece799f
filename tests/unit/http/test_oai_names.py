"""Every parameter the builders send is one Twilio's OpenAPI documents define for that call."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from twiliokit.resources import calls, content, lookups, messages, phone_numbers, verify
from twiliokit.resources._base import Operation

OAI = Path(__file__).resolve().parents[2] / "conformance" / "oai"
DOCUMENTS = {
    "api": "twilio_api_v2010.json",
    "verify": "twilio_verify_v2.json",
    "lookups": "twilio_lookups_v2.json",
    "content": "twilio_content_v1.json",
}
WHEN = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Account:
    account_sid: str = "AC" + "0" * 32
    default_from: str | None = "+15005550006"
    messaging_service_sid: str | None = None


@functools.cache
def _document(product: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((OAI / DOCUMENTS[product]).read_text())
    return loaded


def _operation(product: str, method: str, path: str) -> dict[str, Any]:
    for template, item in _document(product)["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            found: dict[str, Any] = item[method.lower()]
            return found
    raise AssertionError(f"{method} {path} is not in {DOCUMENTS[product]}")


def _names(operation: dict[str, Any], where: str) -> set[str]:
    if where == "query":
        return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    body = operation.get("requestBody", {}).get("content", {})
    schema = body.get("application/x-www-form-urlencoded", {}).get("schema", {})
    return set(schema.get("properties", {}))


A = Account()
OPERATIONS: list[Operation[Any]] = [
    messages.create(
        A,
        to="+1",
        body="b",
        from_="+1500",
        media_url=["u"],
        content_sid="HX1",
        content_variables={"1": "x"},
        status_callback="https://cb",
        send_at=WHEN,
        validity_period=60,
        smart_encoded=True,
        send_as_mms=True,
        shorten_urls=True,
    ),
    messages.list_page(
        A,
        to="+1",
        from_="+2",
        date_sent=WHEN,
        date_sent_before=WHEN,
        date_sent_after=WHEN,
        page_size=5,
        page_token="PA",
    ),
    messages.update(A, "SM1", body="", status="canceled"),
    messages.list_media(A, "SM1", page_size=5, page_token="PA"),
    calls.create(
        A,
        to="+1",
        url="https://x",
        method="POST",
        status_callback="https://cb",
        status_callback_event=["completed"],
        status_callback_method="POST",
        ring_timeout=30,
        time_limit=60,
        record=True,
        machine_detection="Enable",
        send_digits="1",
    ),
    calls.list_page(
        A,
        to="+1",
        from_="+2",
        status="completed",
        parent_call_sid="CA1",
        start_time=WHEN,
        start_time_before=WHEN,
        start_time_after=WHEN,
        end_time=WHEN,
        end_time_before=WHEN,
        end_time_after=WHEN,
        page_size=5,
        page_token="PA",
    ),
    calls.update(
        A,
        "CA1",
        status="completed",
        url="https://x",
        method="POST",
        twiml="<Response/>",
        status_callback="https://cb",
        status_callback_method="POST",
        time_limit=5,
    ),
    phone_numbers.list_page(A, phone_number="+1", friendly_name="n", origin="twilio", page_size=5),
    phone_numbers.create(
        A,
        phone_number="+1",
        area_code="500",
        friendly_name="n",
        sms_url="https://s",
        sms_method="POST",
        sms_fallback_url="https://f",
        voice_url="https://v",
        voice_method="POST",
        voice_fallback_url="https://vf",
        status_callback="https://cb",
        status_callback_method="POST",
    ),
    phone_numbers.update(
        A,
        "PN1",
        friendly_name="n",
        sms_url="https://s",
        sms_method="POST",
        sms_fallback_url="https://f",
        voice_url="https://v",
        voice_method="POST",
        voice_fallback_url="https://vf",
        status_callback="https://cb",
        status_callback_method="POST",
    ),
    verify.create_service(
        friendly_name="n",
        code_length=6,
        lookup_enabled=True,
        skip_sms_to_landlines=True,
        do_not_share_warning_enabled=True,
        custom_code_enabled=True,
    ),
    verify.list_services(page_size=5, page_token="PA"),
    verify.create_rate_limit("VA1", unique_name="ip", description="d"),
    verify.update_rate_limit("VA1", "RK1", description="d"),
    verify.list_rate_limits("VA1", page_size=5),
    verify.create_bucket("VA1", "RK1", max=5, interval=60),
    verify.update_bucket("VA1", "RK1", "BL1", max=5, interval=60),
    verify.list_buckets("VA1", "RK1", page_size=5),
    verify.create_webhook(
        "VA1",
        friendly_name="n",
        event_types=["*"],
        webhook_url="https://w",
        status="enabled",
        version="v2",
    ),
    verify.update_webhook(
        "VA1",
        "YW1",
        friendly_name="n",
        event_types=["*"],
        webhook_url="https://w",
        status="enabled",
        version="v2",
    ),
    verify.list_webhooks("VA1", page_size=5),
    verify.create_verification(
        "VA1",
        to="+1",
        channel="sms",
        locale="en",
        custom_friendly_name="n",
        custom_code="1234",
        rate_limits={"ip": "1"},
        channel_configuration={"a": 1},
        app_hash="h",
        template_sid="HJ1",
        device_ip="203.0.113.7",
    ),
    verify.update_verification("VA1", "VE1", status="canceled"),
    verify.check_verification("VA1", code="1234", to="+1"),
    verify.check_verification("VA1", code="1234", verification_sid="VE1"),
    lookups.lookup("+1", fields=["line_type_intelligence"], country_code="US"),
    content.list_page(page_size=5, page_token="PA"),
    content.list_with_approvals(page_size=5),
    content.fetch("HX1"),
    content.fetch_approval("HX1"),
]


@pytest.mark.parametrize(
    "operation", OPERATIONS, ids=[f"{op.spec.method} {op.spec.path}" for op in OPERATIONS]
)
def test_parameter_names_exist_in_twilios_openapi(operation: Operation[Any]) -> None:
    """Each query and form parameter name is defined by Twilio's OpenAPI for the call."""
    spec = operation.spec
    described = _operation(spec.product, spec.method, spec.path.split("?")[0])
    sent_query = {name for name, _ in spec.query}
    sent_form = {name for name, _ in spec.form or ()}
    assert sent_query <= _names(described, "query"), sent_query - _names(described, "query")
    assert sent_form <= _names(described, "form"), sent_form - _names(described, "form")
