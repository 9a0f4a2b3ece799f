"""Verify v2 configuration: Services, Rate Limits, Buckets and Webhooks (create, list, fetch,
update, delete). Verifications themselves are in ``verify.py``."""

from __future__ import annotations

import copy
import re
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twiliokit.emulator.errors import ApiError, not_found
from twiliokit.emulator.products.verify_json import (
    bucket_json,
    rate_limit_json,
    service_json,
    webhook_json,
)
from twiliokit.emulator.products.verify_params import (
    apply_service_params,
    friendly_name,
    int_param,
    url_param,
)
from twiliokit.emulator.products.verify_store import (
    Bucket,
    RateLimit,
    Service,
    VerifyStore,
    Webhook,
    invalid,
)
from twiliokit.emulator.state import Account
from twiliokit.emulator.web import (
    Form,
    json_response,
    live_account,
    no_content,
    page_v2,
    read_form,
    state_of,
)

#: Verification status events (Twilio's Verify Events, here deliverable to Service Webhooks).
VERIFICATION_EVENTS: Final = {
    "verification.pending": "pending",
    "verification.approved": "approved",
    "verification.canceled": "canceled",
    "verification.expired": "expired",
    "verification.max-attempts-reached": "max-attempts-reached",
    "verification.max_attempts_reached": "max-attempts-reached",
}
#: Event types the Webhooks resource documents (Verify Push) plus the verification events.
EVENT_TYPES: Final = frozenset(
    {
        "*",
        "factor.deleted",
        "factor.created",
        "factor.verified",
        "challenge.approved",
        "challenge.denied",
        *VERIFICATION_EVENTS,
    }
)
_UNIQUE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/v2"


# --- lookups by path --------------------------------------------------------------------------


def _store(request: Request) -> VerifyStore:
    return state_of(request).store(VerifyStore)


def _missing(request: Request) -> ApiError:
    return not_found(request.url.path.removeprefix("/v2"))


def service_of(request: Request, account: Account, key: str = "service_sid") -> Service:
    service = _store(request).service(account.sid, request.path_params[key])
    if service is None:
        raise _missing(request)
    return service


def _rate_limit(request: Request, service: Service, key: str = "rate_limit_sid") -> RateLimit:
    rate_limit = service.rate_limits.get(request.path_params[key])
    if rate_limit is None:
        raise _missing(request)
    return rate_limit


def _newest_first(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda item: item.seq, reverse=True)


# --- Services ---------------------------------------------------------------------------------


async def create_service(request: Request) -> Response:
    account = live_account(request)
    form = await read_form(request)
    name = friendly_name(form, required=True)
    assert name is not None
    service = _store(request).add_service(account.sid, name)
    try:
        apply_service_params(service, form)
    except Exception:
        _store(request).delete_service(service)
        raise
    return json_response(service_json(service, base_url(request)), 201)


async def list_services(request: Request) -> Response:
    account = live_account(request)
    form = await read_form(request)
    mine = [s for s in _store(request).services.values() if s.account_sid == account.sid]
    items = [service_json(s, base_url(request)) for s in _newest_first(mine)]
    return page_v2(request, form, items, "services")


async def fetch_service(request: Request) -> Response:
    service = service_of(request, live_account(request), "sid")
    return json_response(service_json(service, base_url(request)))


async def update_service(request: Request) -> Response:
    service = service_of(request, live_account(request), "sid")
    form = await read_form(request)
    name = friendly_name(form, required=False)
    # Validate everything on a copy first: a rejected update changes nothing.
    draft = copy.deepcopy(service)
    apply_service_params(draft, form)
    if name is not None:
        draft.friendly_name = name
    draft.date_updated = state_of(request).clock.now()
    _store(request).services[service.sid] = draft
    return json_response(service_json(draft, base_url(request)))


async def delete_service(request: Request) -> Response:
    service = service_of(request, live_account(request), "sid")
    _store(request).delete_service(service)
    return no_content()


# --- Rate limits ------------------------------------------------------------------------------


async def create_rate_limit(request: Request) -> Response:
    service = service_of(request, live_account(request))
    form = await read_form(request)
    unique_name = form.get("UniqueName")
    if not unique_name:
        raise invalid("UniqueName")
    if not _UNIQUE_NAME.fullmatch(unique_name):
        raise invalid_unique_name(unique_name)
    rate_limit = _store(request).add_rate_limit(service, unique_name, form.get("Description"))
    return json_response(rate_limit_json(rate_limit, base_url(request)), 201)


def invalid_unique_name(unique_name: str) -> ApiError:
    return ApiError(
        400,
        60209,
        f"Invalid UniqueName '{unique_name}': use up to 64 letters, digits, '.', '_' or '-'",
    )


async def list_rate_limits(request: Request) -> Response:
    service = service_of(request, live_account(request))
    form = await read_form(request)
    items = [
        rate_limit_json(rl, base_url(request))
        for rl in _newest_first(list(service.rate_limits.values()))
    ]
    return page_v2(request, form, items, "rate_limits")


async def fetch_rate_limit(request: Request) -> Response:
    service = service_of(request, live_account(request))
    rate_limit = _rate_limit(request, service, "sid")
    return json_response(rate_limit_json(rate_limit, base_url(request)))


async def update_rate_limit(request: Request) -> Response:
    service = service_of(request, live_account(request))
    rate_limit = _rate_limit(request, service, "sid")
    form = await read_form(request)
    if "Description" in form:
        rate_limit.description = form.get("Description")
        rate_limit.date_updated = state_of(request).clock.now()
    return json_response(rate_limit_json(rate_limit, base_url(request)))


async def delete_rate_limit(request: Request) -> Response:
    service = service_of(request, live_account(request))
    rate_limit = _rate_limit(request, service, "sid")
    del service.rate_limits[rate_limit.sid]
    return no_content()


# --- Buckets ----------------------------------------------------------------------------------


def _bucket(request: Request, rate_limit: RateLimit) -> Bucket:
    bucket = rate_limit.buckets.get(request.path_params["sid"])
    if bucket is None:
        raise _missing(request)
    return bucket


async def create_bucket(request: Request) -> Response:
    service = service_of(request, live_account(request))
    rate_limit = _rate_limit(request, service)
    form = await read_form(request)
    maximum = int_param(form, "Max", 1, 2**31 - 1)
    interval = int_param(form, "Interval", 1, 2**31 - 1)
    if maximum is None:
        raise invalid("Max")
    if interval is None:
        raise invalid("Interval")
    bucket = _store(request).add_bucket(rate_limit, maximum, interval)
    return json_response(bucket_json(bucket, base_url(request)), 201)


async def list_buckets(request: Request) -> Response:
    service = service_of(request, live_account(request))
    rate_limit = _rate_limit(request, service)
    form = await read_form(request)
    items = [
        bucket_json(b, base_url(request)) for b in _newest_first(list(rate_limit.buckets.values()))
    ]
    return page_v2(request, form, items, "buckets")


async def fetch_bucket(request: Request) -> Response:
    service = service_of(request, live_account(request))
    bucket = _bucket(request, _rate_limit(request, service))
    return json_response(bucket_json(bucket, base_url(request)))


async def update_bucket(request: Request) -> Response:
    service = service_of(request, live_account(request))
    rate_limit = _rate_limit(request, service)
    bucket = _bucket(request, rate_limit)
    form = await read_form(request)
    maximum = int_param(form, "Max", 1, 2**31 - 1)
    interval = int_param(form, "Interval", 1, 2**31 - 1)
    if interval is not None:
        VerifyStore.check_interval_free(rate_limit, interval, but=bucket.sid)
        bucket.interval = interval
    if maximum is not None:
        bucket.max = maximum
    bucket.date_updated = state_of(request).clock.now()
    return json_response(bucket_json(bucket, base_url(request)))


async def delete_bucket(request: Request) -> Response:
    service = service_of(request, live_account(request))
    rate_limit = _rate_limit(request, service)
    bucket = _bucket(request, rate_limit)
    del rate_limit.buckets[bucket.sid]
    return no_content()


# --- Webhooks ---------------------------------------------------------------------------------


def _event_types(form: Form) -> list[str]:
    values = [v for v in form.getlist("EventTypes") if v]
    if not values or any(v not in EVENT_TYPES for v in values):
        raise invalid("EventTypes")
    return values


def _choice(form: Form, name: str, allowed: set[str], default: str) -> str:
    value = form.get(name) or default
    if value not in allowed:
        raise invalid(name)
    return value


async def create_webhook(request: Request) -> Response:
    service = service_of(request, live_account(request))
    form = await read_form(request)
    friendly_name = form.get("FriendlyName")
    if not friendly_name:
        raise invalid("FriendlyName")
    webhook = _store(request).add_webhook(
        service,
        friendly_name=friendly_name,
        event_types=_event_types(form),
        webhook_url=url_param(form.get("WebhookUrl"), "WebhookUrl"),
        status=_choice(form, "Status", {"enabled", "disabled"}, "enabled"),
        version=_choice(form, "Version", {"v1", "v2"}, "v2"),
    )
    return json_response(webhook_json(webhook, base_url(request)), 201)


def _webhook(request: Request, service: Service) -> Webhook:
    webhook = service.webhooks.get(request.path_params["sid"])
    if webhook is None:
        raise _missing(request)
    return webhook


async def list_webhooks(request: Request) -> Response:
    service = service_of(request, live_account(request))
    form = await read_form(request)
    items = [
        webhook_json(w, base_url(request)) for w in _newest_first(list(service.webhooks.values()))
    ]
    return page_v2(request, form, items, "webhooks")


async def fetch_webhook(request: Request) -> Response:
    service = service_of(request, live_account(request))
    return json_response(webhook_json(_webhook(request, service), base_url(request)))


async def update_webhook(request: Request) -> Response:
    service = service_of(request, live_account(request))
    webhook = _webhook(request, service)
    form = await read_form(request)
    changes: dict[str, Any] = {}
    if "FriendlyName" in form:
        changes["friendly_name"] = form.get("FriendlyName") or webhook.friendly_name
    if "EventTypes" in form:
        changes["event_types"] = _event_types(form)
    if "WebhookUrl" in form:
        changes["webhook_url"] = url_param(form.get("WebhookUrl"), "WebhookUrl")
    if "Status" in form:
        changes["status"] = _choice(form, "Status", {"enabled", "disabled"}, webhook.status)
    if "Version" in form:
        changes["version"] = _choice(form, "Version", {"v1", "v2"}, webhook.version)
    for attr, value in changes.items():
        setattr(webhook, attr, value)
    webhook.date_updated = state_of(request).clock.now()
    return json_response(webhook_json(webhook, base_url(request)))


async def delete_webhook(request: Request) -> Response:
    service = service_of(request, live_account(request))
    webhook = _webhook(request, service)
    del service.webhooks[webhook.sid]
    return no_content()


def routes() -> list[BaseRoute]:
    services = "/v2/Services"
    rate_limits = services + "/{service_sid}/RateLimits"
    buckets = rate_limits + "/{rate_limit_sid}/Buckets"
    webhooks = services + "/{service_sid}/Webhooks"
    return [
        Route(services, create_service, methods=["POST"]),
        Route(services, list_services, methods=["GET"]),
        Route(services + "/{sid}", fetch_service, methods=["GET"]),
        Route(services + "/{sid}", update_service, methods=["POST"]),
        Route(services + "/{sid}", delete_service, methods=["DELETE"]),
        Route(rate_limits, create_rate_limit, methods=["POST"]),
        Route(rate_limits, list_rate_limits, methods=["GET"]),
        Route(rate_limits + "/{sid}", fetch_rate_limit, methods=["GET"]),
        Route(rate_limits + "/{sid}", update_rate_limit, methods=["POST"]),
        Route(rate_limits + "/{sid}", delete_rate_limit, methods=["DELETE"]),
        Route(buckets, create_bucket, methods=["POST"]),
        Route(buckets, list_buckets, methods=["GET"]),
        Route(buckets + "/{sid}", fetch_bucket, methods=["GET"]),
        Route(buckets + "/{sid}", update_bucket, methods=["POST"]),
        Route(buckets + "/{sid}", delete_bucket, methods=["DELETE"]),
        Route(webhooks, create_webhook, methods=["POST"]),
        Route(webhooks, list_webhooks, methods=["GET"]),
        Route(webhooks + "/{sid}", fetch_webhook, methods=["GET"]),
        Route(webhooks + "/{sid}", update_webhook, methods=["POST"]),
        Route(webhooks + "/{sid}", delete_webhook, methods=["DELETE"]),
    ]
