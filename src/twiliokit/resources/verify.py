"""Verify v2 (``https://verify.twilio.com/v2``): services, rate limits and their buckets,
webhooks, verifications and verification checks. Dates are ISO 8601 here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from twiliokit.errors import ValidationError
from twiliokit.http.paging import Page
from twiliokit.http.products import VERIFY
from twiliokit.http.request import encode_params
from twiliokit.resources._base import (
    Operation,
    delete_resource,
    get_one,
    get_page,
    load_model,
    merge_extra,
    model_getattr,
    page_params,
    post,
    require,
    require_changes,
    seg,
)

__all__ = [
    "Bucket",
    "RateLimit",
    "Verification",
    "VerificationCheck",
    "VerifyService",
    "VerifyWebhook",
    "check_verification",
    "create_bucket",
    "create_rate_limit",
    "create_service",
    "create_verification",
    "create_webhook",
    "delete_bucket",
    "delete_rate_limit",
    "delete_webhook",
    "fetch_bucket",
    "fetch_rate_limit",
    "fetch_service",
    "fetch_verification",
    "fetch_webhook",
    "list_buckets",
    "list_rate_limits",
    "list_services",
    "list_webhooks",
    "update_bucket",
    "update_rate_limit",
    "update_verification",
    "update_webhook",
]

if TYPE_CHECKING:
    from twiliokit.resources._verify_models import (
        Bucket,
        RateLimit,
        Verification,
        VerificationCheck,
        VerifyService,
        VerifyWebhook,
    )

_MODELS = "twiliokit.resources._verify_models"
_bucket_model: Callable[[], type[Bucket]] = load_model(_MODELS, "Bucket")
_rate_limit_model: Callable[[], type[RateLimit]] = load_model(_MODELS, "RateLimit")
_verification_model: Callable[[], type[Verification]] = load_model(_MODELS, "Verification")
_verification_check_model: Callable[[], type[VerificationCheck]] = load_model(
    _MODELS, "VerificationCheck"
)
_verify_service_model: Callable[[], type[VerifyService]] = load_model(_MODELS, "VerifyService")
_verify_webhook_model: Callable[[], type[VerifyWebhook]] = load_model(_MODELS, "VerifyWebhook")

if not TYPE_CHECKING:  # the models, loaded (with pydantic) on first use
    __getattr__ = model_getattr(__name__, _MODELS, __all__)

_V2 = "/v2/Services"


# Services ------------------------------------------------------------------------------


def create_service(
    *,
    friendly_name: str,
    code_length: int | None = None,
    lookup_enabled: bool | None = None,
    skip_sms_to_landlines: bool | None = None,
    do_not_share_warning_enabled: bool | None = None,
    custom_code_enabled: bool | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Operation[VerifyService]:
    """Create a Verify service. ``POST /v2/Services``."""
    require("friendly_name", friendly_name)
    params: list[tuple[str, Any]] = [
        ("FriendlyName", friendly_name),
        ("CodeLength", code_length),
        ("LookupEnabled", lookup_enabled),
        ("SkipSmsToLandlines", skip_sms_to_landlines),
        ("DoNotShareWarningEnabled", do_not_share_warning_enabled),
        ("CustomCodeEnabled", custom_code_enabled),
    ]
    check = (
        f"List Verify services (list_verify_services()) and look for {friendly_name!r} "
        "created since {sent_at} before creating it again."
    )
    return post(VERIFY, _V2, merge_extra(params, extra), _verify_service_model, check=check)


def list_services(
    *, page_size: int | None = None, page_token: str | None = None, limit: int | None = None
) -> Operation[Page[VerifyService]]:
    """One page of Verify services. ``GET /v2/Services``.
    ``limit``: the most items wanted; it sizes the page when ``page_size`` is not given (and
    ``iter_*`` stop there).
    """
    params = page_params(page_size, page_token, limit)
    return get_page(VERIFY, _V2, params, _verify_service_model, None)


def _service(sid: str) -> str:
    return f"{_V2}/{seg('service_sid', sid)}"


def fetch_service(sid: str) -> Operation[VerifyService]:
    """One Verify service. ``GET /v2/Services/{Sid}``."""
    return get_one(VERIFY, _service(sid), _verify_service_model)


# Rate limits ---------------------------------------------------------------------------


def _rate_limits(service_sid: str) -> str:
    return f"{_service(service_sid)}/RateLimits"


def _rate_limit(service_sid: str, sid: str) -> str:
    return f"{_rate_limits(service_sid)}/{seg('rate_limit_sid', sid)}"


def create_rate_limit(
    service_sid: str, *, unique_name: str, description: str | None = None
) -> Operation[RateLimit]:
    """Create a rate limit on a service. ``POST /v2/Services/{VA}/RateLimits``."""
    require("unique_name", unique_name)
    form = encode_params([("UniqueName", unique_name), ("Description", description)])
    check = (
        f"List the service's rate limits (list_rate_limits({service_sid!r})) and look for "
        f"unique_name {unique_name!r} (creating it twice fails with 60208)."
    )
    return post(VERIFY, _rate_limits(service_sid), form, _rate_limit_model, check=check)


def list_rate_limits(
    service_sid: str, *, page_size: int | None = None, page_token: str | None = None
) -> Operation[Page[RateLimit]]:
    """One page of a service's rate limits. ``GET /v2/Services/{VA}/RateLimits``."""
    params = page_params(page_size, page_token)
    return get_page(VERIFY, _rate_limits(service_sid), params, _rate_limit_model, None)


def fetch_rate_limit(service_sid: str, sid: str) -> Operation[RateLimit]:
    """One rate limit. ``GET /v2/Services/{VA}/RateLimits/{RK}``."""
    return get_one(VERIFY, _rate_limit(service_sid, sid), _rate_limit_model)


def update_rate_limit(
    service_sid: str, sid: str, *, description: str | None = None
) -> Operation[RateLimit]:
    """Change a rate limit's description. ``POST /v2/Services/{VA}/RateLimits/{RK}``."""
    form = encode_params([("Description", description)])
    require_changes(form, "pass description", "description")
    return post(VERIFY, _rate_limit(service_sid, sid), form, _rate_limit_model)


def delete_rate_limit(service_sid: str, sid: str) -> Operation[None]:
    """Delete a rate limit and its buckets. ``DELETE /v2/Services/{VA}/RateLimits/{RK}``."""
    return delete_resource(VERIFY, _rate_limit(service_sid, sid))


# Buckets -------------------------------------------------------------------------------


def _buckets(service_sid: str, rate_limit_sid: str) -> str:
    return f"{_rate_limit(service_sid, rate_limit_sid)}/Buckets"


def _bucket(service_sid: str, rate_limit_sid: str, sid: str) -> str:
    return f"{_buckets(service_sid, rate_limit_sid)}/{seg('bucket_sid', sid)}"


def _positive(name: str, value: int | None, *, required: bool) -> None:
    if value is None:
        if required:
            raise ValidationError(f"{name} is required", field=name)
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"{name} must be a whole number >= 1, not {value!r}", field=name)


def _bucket_form(
    max: int | None, interval: int | None, *, required: bool = False
) -> tuple[tuple[str, str], ...]:
    """A bucket's form (create and update), each value checked."""
    _positive("max", max, required=required)
    _positive("interval", interval, required=required)
    return encode_params([("Max", max), ("Interval", interval)])


def create_bucket(
    service_sid: str, rate_limit_sid: str, *, max: int, interval: int
) -> Operation[Bucket]:
    """Allow at most ``max`` verification starts per ``interval`` seconds.
    ``POST /v2/Services/{VA}/RateLimits/{RK}/Buckets``."""
    form = _bucket_form(max, interval, required=True)
    check = (
        f"List the rate limit's buckets (list_buckets({service_sid!r}, {rate_limit_sid!r})) "
        f"and look for interval {interval} (a second bucket with it fails with 60211)."
    )
    return post(VERIFY, _buckets(service_sid, rate_limit_sid), form, _bucket_model, check=check)


def list_buckets(
    service_sid: str,
    rate_limit_sid: str,
    *,
    page_size: int | None = None,
    page_token: str | None = None,
) -> Operation[Page[Bucket]]:
    """One page of a rate limit's buckets."""
    params = page_params(page_size, page_token)
    return get_page(VERIFY, _buckets(service_sid, rate_limit_sid), params, _bucket_model, None)


def fetch_bucket(service_sid: str, rate_limit_sid: str, sid: str) -> Operation[Bucket]:
    """One bucket."""
    return get_one(VERIFY, _bucket(service_sid, rate_limit_sid, sid), _bucket_model)


def update_bucket(
    service_sid: str,
    rate_limit_sid: str,
    sid: str,
    *,
    max: int | None = None,
    interval: int | None = None,
) -> Operation[Bucket]:
    """Change a bucket's ``max`` or ``interval``."""
    form = require_changes(_bucket_form(max, interval), "pass max or interval", "max")
    return post(VERIFY, _bucket(service_sid, rate_limit_sid, sid), form, _bucket_model)


def delete_bucket(service_sid: str, rate_limit_sid: str, sid: str) -> Operation[None]:
    """Delete a bucket."""
    return delete_resource(VERIFY, _bucket(service_sid, rate_limit_sid, sid))


# Webhooks ------------------------------------------------------------------------------


def _webhooks(service_sid: str) -> str:
    return f"{_service(service_sid)}/Webhooks"


def _webhook(service_sid: str, sid: str) -> str:
    return f"{_webhooks(service_sid)}/{seg('webhook_sid', sid)}"


def _event_types(value: Sequence[str] | None, *, required: bool) -> list[str] | None:
    if value is None:
        if required:
            raise ValidationError(
                "event_types is required, e.g. ['*'] or ['verification.approved']",
                field="event_types",
            )
        return None
    if isinstance(value, str):
        return [value]
    items = list(value)
    if not items or not all(isinstance(item, str) and item for item in items):
        raise ValidationError(
            "event_types must be a non-empty list of strings", field="event_types"
        )
    return items


def _webhook_form(
    friendly_name: str | None,
    event_types: Sequence[str] | None,
    webhook_url: str | None,
    status: str | None,
    version: str | None,
    *,
    required: bool = False,
) -> tuple[tuple[str, str], ...]:
    """A webhook's form (create and update), ``event_types`` checked."""
    return encode_params(
        [
            ("FriendlyName", friendly_name),
            ("EventTypes", _event_types(event_types, required=required)),
            ("WebhookUrl", webhook_url),
            ("Status", status),
            ("Version", version),
        ]
    )


def create_webhook(
    service_sid: str,
    *,
    friendly_name: str,
    event_types: Sequence[str],
    webhook_url: str,
    status: str | None = None,
    version: str | None = None,
) -> Operation[VerifyWebhook]:
    """Have Verify post events (``event_types``, ``["*"]`` for all) to ``webhook_url``.
    ``POST /v2/Services/{VA}/Webhooks``."""
    require("friendly_name", friendly_name)
    require("webhook_url", webhook_url)
    form = _webhook_form(friendly_name, event_types, webhook_url, status, version, required=True)
    check = (
        f"List the service's webhooks (list_verify_webhooks({service_sid!r})) and look for "
        f"{friendly_name!r} before creating it again."
    )
    return post(VERIFY, _webhooks(service_sid), form, _verify_webhook_model, check=check)


def list_webhooks(
    service_sid: str, *, page_size: int | None = None, page_token: str | None = None
) -> Operation[Page[VerifyWebhook]]:
    """One page of a service's webhooks."""
    params = page_params(page_size, page_token)
    return get_page(VERIFY, _webhooks(service_sid), params, _verify_webhook_model, None)


def fetch_webhook(service_sid: str, sid: str) -> Operation[VerifyWebhook]:
    """One webhook."""
    return get_one(VERIFY, _webhook(service_sid, sid), _verify_webhook_model)


def update_webhook(
    service_sid: str,
    sid: str,
    *,
    friendly_name: str | None = None,
    event_types: Sequence[str] | None = None,
    webhook_url: str | None = None,
    status: str | None = None,
    version: str | None = None,
) -> Operation[VerifyWebhook]:
    """Change a webhook (only the fields given)."""
    form = require_changes(
        _webhook_form(friendly_name, event_types, webhook_url, status, version),
        "pass webhook_url, event_types, status, ...",
        "webhook_url",
    )
    return post(VERIFY, _webhook(service_sid, sid), form, _verify_webhook_model)


def delete_webhook(service_sid: str, sid: str) -> Operation[None]:
    """Delete a webhook."""
    return delete_resource(VERIFY, _webhook(service_sid, sid))


# Verifications -------------------------------------------------------------------------


def create_verification(
    service_sid: str,
    *,
    to: str,
    channel: str,
    locale: str | None = None,
    custom_friendly_name: str | None = None,
    custom_code: str | None = None,
    rate_limits: Mapping[str, str] | None = None,
    channel_configuration: Mapping[str, Any] | None = None,
    app_hash: str | None = None,
    template_sid: str | None = None,
    device_ip: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Operation[Verification]:
    """Send a code to ``to`` by ``channel`` (``sms``, ``call``, ``email``, ``whatsapp``,
    ``sna``, ``auto``). ``POST /v2/Services/{VA}/Verifications``.

    ``rate_limits`` maps a rate limit's unique name to the value counted against it (sent as
    one JSON field, e.g. ``{"end_user_ip_address": "203.0.113.7"}``).
    """
    require("to", to)
    require("channel", channel)
    params: list[tuple[str, Any]] = [
        ("To", to),
        ("Channel", channel),
        ("Locale", locale),
        ("CustomFriendlyName", custom_friendly_name),
        ("CustomCode", custom_code),
        ("RateLimits", rate_limits),
        ("ChannelConfiguration", channel_configuration),
        ("AppHash", app_hash),
        ("TemplateSid", template_sid),
        ("DeviceIp", device_ip),
    ]
    check = (
        f"A verification to {to} may have been started at {{sent_at}}. Starting it again "
        "returns the same pending verification and code, but counts as one of its 5 sends "
        "(60203 after that)."
    )
    path = f"{_service(service_sid)}/Verifications"
    return post(VERIFY, path, merge_extra(params, extra), _verification_model, check=check)


def _verification(service_sid: str, sid: str) -> str:
    return f"{_service(service_sid)}/Verifications/{seg('verification_sid', sid)}"


def fetch_verification(service_sid: str, sid: str) -> Operation[Verification]:
    """One verification (Twilio allows 60 status fetches a minute per verification)."""
    return get_one(VERIFY, _verification(service_sid, sid), _verification_model)


def update_verification(service_sid: str, sid: str, *, status: str) -> Operation[Verification]:
    """Cancel (``status="canceled"``) or approve (``"approved"``) a verification."""
    require("status", status)
    form = encode_params([("Status", status)])
    return post(VERIFY, _verification(service_sid, sid), form, _verification_model)


def check_verification(
    service_sid: str,
    *,
    code: str,
    to: str | None = None,
    verification_sid: str | None = None,
) -> Operation[VerificationCheck]:
    """Check a code, for ``to`` or ``verification_sid`` (exactly one).
    ``POST /v2/Services/{VA}/VerificationCheck``."""
    require("code", code)
    if (to is None) == (verification_sid is None):
        raise ValidationError("pass exactly one of to and verification_sid", field="to")
    form = encode_params([("Code", code), ("To", to), ("VerificationSid", verification_sid)])
    which = f"verification {verification_sid}" if verification_sid else f"the verification to {to}"
    check = (
        f"The check of {which} may have counted (one of 5 attempts) or approved it; an "
        "approved verification is deleted, so checking again answers 404. Fetch the "
        "verification by SID to see its status before checking again."
    )
    path = f"{_service(service_sid)}/VerificationCheck"
    return post(VERIFY, path, form, _verification_check_model, check=check)
