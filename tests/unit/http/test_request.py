"""Request building: Twilio's parameter encoding, and preparing a spec for a connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qsl

import httpx
import pytest

from twiliokit.errors import ValidationError
from twiliokit.http.policies import RetryPolicy, Timeout
from twiliokit.http.request import RequestSpec, encode_params, httpx_arguments, prepare


@dataclass(frozen=True)
class Routing:
    region: str | None = None
    edge: str | None = None
    base_url: str | None = None


def test_none_is_dropped_and_lists_repeat_the_key() -> None:
    """None means "not given"; a list becomes the same key repeated, in order."""
    pairs = encode_params(
        [("To", "+1"), ("From", None), ("MediaUrl", ["https://a", "https://b"]), ("Body", "")]
    )
    assert pairs == (
        ("To", "+1"),
        ("MediaUrl", "https://a"),
        ("MediaUrl", "https://b"),
        ("Body", ""),
    )


def test_scalars_use_twilios_spelling() -> None:
    """Booleans are true/false, numbers plain, mappings one compact JSON value."""
    pairs = dict(
        encode_params(
            {
                "SmartEncoded": True,
                "Record": False,
                "ValidityPeriod": 60,
                "MaxPrice": Decimal("0.05"),
                "RateLimits": {"end_user_ip_address": "203.0.113.7"},
            }
        )
    )
    assert pairs == {
        "SmartEncoded": "true",
        "Record": "false",
        "ValidityPeriod": "60",
        "MaxPrice": "0.05",
        "RateLimits": '{"end_user_ip_address":"203.0.113.7"}',
    }


def test_aware_datetimes_are_sent_in_utc() -> None:
    """12:00 at UTC+2 is sent as 10:00Z (the official SDK would send 12:00Z)."""
    noon_paris = datetime(2024, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert encode_params({"DateSent>": noon_paris}) == (("DateSent>", "2024-03-01T10:00:00Z"),)


def test_dates_are_sent_as_days() -> None:
    """A date is YYYY-MM-DD, Twilio's documented filter form."""
    assert encode_params({"DateSent": date(2024, 3, 1)}) == (("DateSent", "2024-03-01"),)


def test_naive_datetimes_are_refused_naming_the_field() -> None:
    """A datetime without a time zone is ambiguous, so it fails with a hint, not a guess."""
    with pytest.raises(ValidationError) as caught:
        encode_params({"DateSent<": datetime(2024, 3, 1, 12)})
    assert caught.value.field == "DateSent<"
    assert caught.value.hint is not None


def test_unknown_value_types_are_refused() -> None:
    """A value that has no form encoding (bytes, objects) fails clearly."""
    with pytest.raises(ValidationError) as caught:
        encode_params({"Body": object()})
    assert caught.value.field == "Body"


def test_prepare_resolves_the_url_and_idempotency() -> None:
    """GET and DELETE are idempotent by default, POST is not unless the spec says so."""
    get = prepare(
        RequestSpec("get", "api", "/x.json"), Routing(), timeout=Timeout(), retry=RetryPolicy()
    )
    post = prepare(
        RequestSpec("POST", "api", "/x.json"), Routing(), timeout=Timeout(), retry=RetryPolicy()
    )
    update = prepare(
        RequestSpec("POST", "api", "/x.json", idempotent=True),
        Routing(),
        timeout=Timeout(),
        retry=RetryPolicy(),
    )
    assert (get.method, get.url, get.idempotent) == ("GET", "https://api.twilio.com/x.json", True)
    assert post.idempotent is False
    assert update.idempotent is True


def test_spec_timeout_and_retry_override_the_client_defaults() -> None:
    """A per-call timeout or retry policy wins over the client's."""
    spec = RequestSpec("GET", "api", "/x", timeout=Timeout.of(1), retry=RetryPolicy.disabled())
    prepared = prepare(spec, Routing(), timeout=Timeout(), retry=RetryPolicy())
    assert prepared.timeout == Timeout.of(1)
    assert prepared.retry.max_retries == 0


@pytest.mark.parametrize("header", ["Authorization", "host"])
def test_credentials_headers_cannot_be_overridden(header: str) -> None:
    """Authorization and Host come from the connection, never from caller headers."""
    with pytest.raises(ValidationError) as caught:
        prepare(
            RequestSpec("GET", "api", "/x", headers=((header, "x"),)),
            Routing(),
            timeout=Timeout(),
            retry=RetryPolicy(),
        )
    assert caught.value.field == "headers"


def test_unknown_methods_are_refused() -> None:
    """Only HTTP methods Twilio's API uses are accepted."""
    with pytest.raises(ValidationError) as caught:
        prepare(
            RequestSpec("TRACE", "api", "/x"), Routing(), timeout=Timeout(), retry=RetryPolicy()
        )
    assert caught.value.field == "method"


def test_form_body_keeps_repeated_keys_in_order() -> None:
    """The built httpx request carries every repeated value, urlencoded, in order."""
    form = encode_params([("To", "+1 555"), ("MediaUrl", ["u1", "u2"]), ("Body", "a&b")])
    prepared = prepare(
        RequestSpec("POST", "api", "/M.json", form=form),
        Routing(),
        timeout=Timeout(),
        retry=RetryPolicy(),
    )
    request = httpx.Request(**httpx_arguments(prepared))
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.content.decode()) == [
        ("To", "+1 555"),
        ("MediaUrl", "u1"),
        ("MediaUrl", "u2"),
        ("Body", "a&b"),
    ]


def test_query_parameters_are_encoded_into_the_url() -> None:
    """Filter names such as DateSent< survive URL encoding."""
    query = encode_params({"DateSent<": datetime(2024, 1, 2, tzinfo=UTC), "PageSize": 5})
    prepared = prepare(
        RequestSpec("GET", "api", "/M.json", query=query),
        Routing(),
        timeout=Timeout(),
        retry=RetryPolicy(),
    )
    request = httpx.Request(**httpx_arguments(prepared))
    assert request.url.params["DateSent<"] == "2024-01-02T00:00:00Z"
    assert request.url.params["PageSize"] == "5"


def test_files_make_a_multipart_body() -> None:
    """With files, form fields and files travel as multipart/form-data."""
    prepared = prepare(
        RequestSpec(
            "POST",
            "api",
            "/upload",
            form=(("FriendlyName", "logo"),),
            files=(("File", ("logo.png", b"\x89PNG", "image/png")),),
        ),
        Routing(),
        timeout=Timeout(),
        retry=RetryPolicy(),
    )
    request = httpx.Request(**httpx_arguments(prepared))
    request.read()
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="FriendlyName"' in request.content
    assert b"\x89PNG" in request.content


def test_error_params_mask_secrets() -> None:
    """Form fields kept for error reports never include passwords or one-time codes."""
    form = encode_params([("To", "+1"), ("CustomCode", "123456"), ("MediaUrl", ["a", "b"])])
    prepared = prepare(
        RequestSpec("POST", "verify", "/v2/x", form=form),
        Routing(),
        timeout=Timeout(),
        retry=RetryPolicy(),
    )
    assert prepared.params_for_errors() == {
        "To": "+1",
        "CustomCode": "<redacted>",
        "MediaUrl": ["a", "b"],
    }
