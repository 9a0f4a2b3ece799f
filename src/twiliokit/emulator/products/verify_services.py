"""Verify v2 configuration: Services, Rate Limits, Buckets and Webhooks (create, list, fetch,
update, delete). Verifications themselves are in ``verify.py``."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twiliokit.emulator import web
from twiliokit.emulator.errors import ApiError
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
    required,
    url_param,
)
from twiliokit.emulator.products.verify_store import (
    Service,
    VerifyStore,
    invalid,
)
from twiliokit.emulator.state import Account

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
    return web.product_base_of(request) + "/v2"


# --- lookups by path --------------------------------------------------------------------------


def _store(request: Request) -> VerifyStore:
    return web.state_of(request).store(VerifyStore)


def service_of(request: Request, account: Account, key: str = "service_sid") -> Service:
    service = _store(request).service(account.sid, request.path_params[key])
    if service is None:
        raise web.not_found_v(request)
    return service


_T = TypeVar("_T")


def _child(request: Request, children: dict[str, _T], key: str = "sid") -> _T:
    """The child (rate limit, bucket, webhook) the path names, or Verify's 404."""
    found = children.get(request.path_params[key])
    if found is None:
        raise web.not_found_v(request)
    return found


def _delete_child(request: Request, children: dict[str, Any]) -> Response:
    """Delete the child the path's ``sid`` names (Verify's 404 if there is none)."""
    del children[_child(request, children).sid]
    return web.no_content()


async def _list_page(
    request: Request,
    records: Iterable[Any],
    to_json: Callable[[Any, str], dict[str, Any]],
    key: str,
) -> Response:
    """A v2 list page of ``records`` (each with a ``seq``), newest first, as ``to_json`` shows
    them."""
    form = await web.read_form(request)
    base = base_url(request)
    newest = sorted(records, key=lambda record: record.seq, reverse=True)
    return web.page_v2(request, form, [to_json(record, base) for record in newest], key)


# --- Services ---------------------------------------------------------------------------------


async def create_service(request: Request) -> Response:
    account = web.live_account(request)
    form = await web.read_form(request)
    name = friendly_name(form, required=True)
    assert name is not None
    service = _store(request).add_service(account.sid, name)
    try:
        apply_service_params(service, form)
    except Exception:
        _store(request).delete_service(service)
        raise
    return web.json_response(service_json(service, base_url(request)), 201)


async def list_services(request: Request) -> Response:
    account = web.live_account(request)
    mine = [s for s in _store(request).services.values() if s.account_sid == account.sid]
    return await _list_page(request, mine, service_json, "services")


async def fetch_service(request: Request) -> Response:
    service = service_of(request, web.live_account(request), "sid")
    return web.json_response(service_json(service, base_url(request)))


async def update_service(request: Request) -> Response:
    service = service_of(request, web.live_account(request), "sid")
    form = await web.read_form(request)
    name = friendly_name(form, required=False)
    # Validate everything on a copy first: a rejected update changes nothing.
    draft = copy.deepcopy(service)
    apply_service_params(draft, form)
    if name is not None:
        draft.friendly_name = name
    draft.date_updated = web.state_of(request).clock.now()
    _store(request).services[service.sid] = draft
    return web.json_response(service_json(draft, base_url(request)))


async def delete_service(request: Request) -> Response:
    service = service_of(request, web.live_account(request), "sid")
    _store(request).delete_service(service)
    return web.no_content()


# --- Rate limits ------------------------------------------------------------------------------


async def create_rate_limit(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    form = await web.read_form(request)
    unique_name = required(form, "UniqueName")
    if not _UNIQUE_NAME.fullmatch(unique_name):
        raise invalid_unique_name(unique_name)
    rate_limit = _store(request).add_rate_limit(service, unique_name, form.get("Description"))
    return web.json_response(rate_limit_json(rate_limit, base_url(request)), 201)


def invalid_unique_name(unique_name: str) -> ApiError:
    return ApiError(
        400,
        60209,
        f"Invalid UniqueName '{unique_name}': use up to 64 letters, digits, '.', '_' or '-'",
    )


async def list_rate_limits(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    return await _list_page(request, service.rate_limits.values(), rate_limit_json, "rate_limits")


async def fetch_rate_limit(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    rate_limit = _child(request, service.rate_limits)
    return web.json_response(rate_limit_json(rate_limit, base_url(request)))


async def update_rate_limit(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    rate_limit = _child(request, service.rate_limits)
    form = await web.read_form(request)
    if "Description" in form:
        rate_limit.description = form.get("Description")
        rate_limit.date_updated = web.state_of(request).clock.now()
    return web.json_response(rate_limit_json(rate_limit, base_url(request)))


async def delete_rate_limit(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    return _delete_child(request, service.rate_limits)


# --- Buckets ----------------------------------------------------------------------------------


async def create_bucket(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    rate_limit = _child(request, service.rate_limits, "rate_limit_sid")
    form = await web.read_form(request)
    maximum = int_param(form, "Max", 1, 2**31 - 1)
    interval = int_param(form, "Interval", 1, 2**31 - 1)
    if maximum is None:
        raise invalid("Max")
    if interval is None:
        raise invalid("Interval")
    bucket = _store(request).add_bucket(rate_limit, maximum, interval)
    return web.json_response(bucket_json(bucket, base_url(request)), 201)


async def list_buckets(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    rate_limit = _child(request, service.rate_limits, "rate_limit_sid")
    return await _list_page(request, rate_limit.buckets.values(), bucket_json, "buckets")


async def fetch_bucket(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    bucket = _child(request, _child(request, service.rate_limits, "rate_limit_sid").buckets)
    return web.json_response(bucket_json(bucket, base_url(request)))


async def update_bucket(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    rate_limit = _child(request, service.rate_limits, "rate_limit_sid")
    bucket = _child(request, rate_limit.buckets)
    form = await web.read_form(request)
    maximum = int_param(form, "Max", 1, 2**31 - 1)
    interval = int_param(form, "Interval", 1, 2**31 - 1)
    if interval is not None:
        VerifyStore.check_interval_free(rate_limit, interval, but=bucket.sid)
        bucket.interval = interval
    if maximum is not None:
        bucket.max = maximum
    bucket.date_updated = web.state_of(request).clock.now()
    return web.json_response(bucket_json(bucket, base_url(request)))


async def delete_bucket(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    return _delete_child(request, _child(request, service.rate_limits, "rate_limit_sid").buckets)


# --- Webhooks ---------------------------------------------------------------------------------


def _event_types(form: web.Form) -> list[str]:
    values = [v for v in form.getlist("EventTypes") if v]
    if not values or any(v not in EVENT_TYPES for v in values):
        raise invalid("EventTypes")
    return values


def _choice(form: web.Form, name: str, allowed: set[str], default: str) -> str:
    value = form.get(name) or default
    if value not in allowed:
        raise invalid(name)
    return value


async def create_webhook(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    form = await web.read_form(request)
    friendly_name = required(form, "FriendlyName")
    webhook = _store(request).add_webhook(
        service,
        friendly_name=friendly_name,
        event_types=_event_types(form),
        webhook_url=url_param(form.get("WebhookUrl"), "WebhookUrl"),
        status=_choice(form, "Status", {"enabled", "disabled"}, "enabled"),
        version=_choice(form, "Version", {"v1", "v2"}, "v2"),
    )
    return web.json_response(webhook_json(webhook, base_url(request)), 201)


async def list_webhooks(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    return await _list_page(request, service.webhooks.values(), webhook_json, "webhooks")


async def fetch_webhook(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    return web.json_response(webhook_json(_child(request, service.webhooks), base_url(request)))


async def update_webhook(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    webhook = _child(request, service.webhooks)
    form = await web.read_form(request)
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
    webhook.date_updated = web.state_of(request).clock.now()
    return web.json_response(webhook_json(webhook, base_url(request)))


async def delete_webhook(request: Request) -> Response:
    service = service_of(request, web.live_account(request))
    return _delete_child(request, service.webhooks)


def routes() -> list[BaseRoute]:
    services = "/v2/Services"
    rate_limits = services + "/{service_sid}/RateLimits"
    buckets = rate_limits + "/{rate_limit_sid}/Buckets"
    webhooks = services + "/{service_sid}/Webhooks"
    return [
        *web.routes_for(services, get=list_services, post=create_service),
        *web.routes_for(
            services + "/{sid}", get=fetch_service, post=update_service, delete=delete_service
        ),
        *web.routes_for(rate_limits, get=list_rate_limits, post=create_rate_limit),
        *web.routes_for(
            rate_limits + "/{sid}",
            get=fetch_rate_limit,
            post=update_rate_limit,
            delete=delete_rate_limit,
        ),
        *web.routes_for(buckets, get=list_buckets, post=create_bucket),
        *web.routes_for(
            buckets + "/{sid}", get=fetch_bucket, post=update_bucket, delete=delete_bucket
        ),
        *web.routes_for(webhooks, get=list_webhooks, post=create_webhook),
        *web.routes_for(
            webhooks + "/{sid}", get=fetch_webhook, post=update_webhook, delete=delete_webhook
        ),
    ]
