"""Content API v1: templates and their WhatsApp approval over REST, plus control routes.

::

    POST /v1/Content (JSON)                      GET /v1/Content, /v1/Content/{HX}
    DELETE /v1/Content/{HX}                      GET /v1/ContentAndApprovals
    GET /v1/Content/{HX}/ApprovalRequests        POST /v1/Content/{HX}/ApprovalRequests/whatsapp
    POST /_emulator/content (seed a template)    POST /_emulator/content/{HX}/approval

Twilio's Content API takes JSON bodies (not forms) and answers ISO 8601 dates and absolute URLs.
The state and rules are in ``content_store.py``; ``ContentStore`` is re-exported here.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from twiliokit.emulator import control, web
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.products.content_store import (
    APPROVAL_STATUSES,
    CATEGORIES,
    LANGUAGE,
    TEMPLATE_NAME,
    ContentStore,
    ContentTemplate,
    parse_language,
    parse_types,
    parse_variables,
)

__all__ = ["ContentStore", "ContentTemplate", "routes"]


# --- JSON shapes ------------------------------------------------------------------------------

#: The keys of a Content resource's JSON that are the template's stored attributes.
_TEMPLATE_FIELDS = ("sid", "account_sid", "friendly_name", "language", "variables", "types")


def _base(request: Request) -> str:
    return web.product_base_of(request)


def content_json(template: ContentTemplate, request: Request) -> dict[str, Any]:
    url = f"{_base(request)}/v1/Content/{template.sid}"
    return {
        **web.same_names(template, *_TEMPLATE_FIELDS),
        "url": url,
        **web.iso8601_dates(template),
        "links": {
            "approval_create": f"{url}/ApprovalRequests/whatsapp",
            "approval_fetch": f"{url}/ApprovalRequests",
        },
    }


def approval_json(template: ContentTemplate) -> dict[str, Any]:
    approval = template.approval
    submitted = approval.status != "unsubmitted"
    return {
        "name": approval.name,
        "category": approval.category,
        "content_type": template.content_type if submitted else "",
        "status": approval.status,
        "rejection_reason": approval.rejection_reason,
        "allow_category_change": approval.allow_category_change,
    }


async def _read_json_body(request: Request) -> dict[str, Any]:
    """The Content API's JSON body; a form or no body reads as empty (so 'required' errors)."""
    if "json" not in request.headers.get("content-type", ""):
        return {}
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, 20001, f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ApiError(400, 20001, "The request body must be a JSON object")
    return data


# --- REST handlers ----------------------------------------------------------------------------


def _template(request: Request, account_sid: str, sid: str) -> ContentTemplate:
    template = web.state_of(request).store(ContentStore).get(sid)
    return web.owned_v(request, template, account_sid)


def _newest_first(templates: list[ContentTemplate]) -> list[ContentTemplate]:
    return sorted(templates, key=lambda t: t.date_created, reverse=True)


async def create_content(request: Request) -> Response:
    account = web.live_account(request)
    data = await _read_json_body(request)
    language = parse_language(data.get("language"))
    types = parse_types(data.get("types"))
    friendly_name = data.get("friendly_name")
    if friendly_name is not None and not isinstance(friendly_name, str):
        raise ApiError(400, 20001, "Invalid friendly_name. It must be a string")
    store = web.state_of(request).store(ContentStore)
    template = store.create(
        account_sid=account.sid,
        friendly_name=friendly_name or "",
        language=language,
        variables=parse_variables(data.get("variables")),
        types=types,
    )
    return web.json_response(content_json(template, request), 201)


def _account_templates(request: Request, account_sid: str) -> list[ContentTemplate]:
    store = web.state_of(request).store(ContentStore)
    # dict order is creation order: reversing it keeps newest first among equal timestamps.
    mine = [t for t in reversed(store.templates.values()) if t.account_sid == account_sid]
    return _newest_first(mine)


async def list_content(request: Request) -> Response:
    account = web.live_account(request)
    form = await web.read_form(request)
    items = [content_json(t, request) for t in _account_templates(request, account.sid)]
    return web.page_v2(request, form, items, "contents")


async def list_content_and_approvals(request: Request) -> Response:
    account = web.live_account(request)
    form = await web.read_form(request)
    items = []
    for template in _account_templates(request, account.sid):
        item = content_json(template, request)
        del item["url"], item["links"]
        item["approval_requests"] = approval_json(template)
        items.append(item)
    return web.page_v2(request, form, items, "contents")


async def fetch_content(request: Request) -> Response:
    account = web.live_account(request)
    template = _template(request, account.sid, request.path_params["sid"])
    return web.json_response(content_json(template, request))


async def delete_content(request: Request) -> Response:
    account = web.live_account(request)
    template = _template(request, account.sid, request.path_params["sid"])
    web.state_of(request).store(ContentStore).delete(template.sid)
    return web.no_content()


async def fetch_approval(request: Request) -> Response:
    account = web.live_account(request)
    template = _template(request, account.sid, request.path_params["sid"])
    return web.json_response(
        {
            "sid": template.sid,
            "account_sid": template.account_sid,
            "whatsapp": {"type": "whatsapp", **approval_json(template)},
            "url": f"{_base(request)}/v1/Content/{template.sid}/ApprovalRequests",
        }
    )


async def create_approval(request: Request) -> Response:
    account = web.live_account(request)
    template = _template(request, account.sid, request.path_params["sid"])
    data = await _read_json_body(request)
    name, category = data.get("name"), data.get("category")
    if not isinstance(name, str) or not name:
        raise ApiError(400, 20001, "Invalid name. A template 'name' is required")
    if not TEMPLATE_NAME.fullmatch(name):
        raise ApiError(
            400, 20001, "Invalid name. Use lowercase letters, digits and underscores only"
        )
    if not isinstance(category, str) or category.upper() not in CATEGORIES:
        raise ApiError(
            400, 20001, "Invalid category. Use one of UTILITY, MARKETING or AUTHENTICATION"
        )
    if template.approval.status in {"received", "pending", "approved"}:
        raise ApiError(
            400,
            20001,
            f"This content was already submitted for WhatsApp approval "
            f"(status {template.approval.status})",
        )
    web.state_of(request).store(ContentStore).submit(template, name, category.upper())
    return web.json_response(approval_json(template), 201)


# --- control ----------------------------------------------------------------------------------


async def seed_content(request: Request) -> Response:
    """``POST /_emulator/content``: a template in any approval state, for tests and demos."""
    state = web.state_of(request)
    data = await control.read_json(request)
    friendly_name = control.field_of(data, "friendly_name", str, required=True)
    body = control.field_of(data, "body", str, required=True)
    language = control.field_of(data, "language", str) or "en"
    if not LANGUAGE.fullmatch(language):
        raise control.ControlError("'language' must be a language code such as 'en'", "language")
    status = control.field_of(data, "whatsapp_status", str) or "approved"
    if status not in APPROVAL_STATUSES:
        raise control.ControlError(
            f"'whatsapp_status' must be one of {', '.join(sorted(APPROVAL_STATUSES))}",
            "whatsapp_status",
        )
    category = (control.field_of(data, "category", str) or "UTILITY").upper()
    if category not in CATEGORIES:
        raise control.ControlError(
            "'category' must be UTILITY, MARKETING or AUTHENTICATION", "category"
        )
    account_sid = control.field_of(data, "account_sid", str) or state.config.account_sid
    if account_sid not in state.accounts:
        raise control.ControlError(f"no account {account_sid!r} in the emulator", "account_sid")
    store = state.store(ContentStore)
    template = store.create(
        account_sid=account_sid,
        friendly_name=friendly_name,
        language=language,
        variables=parse_variables(data.get("variables"), api=False),
        types={"twilio/text": {"body": body}},
    )
    if status != "unsubmitted":
        template.approval.category = category
        store.set_approval(template, status, control.field_of(data, "rejection_reason", str) or "")
    return JSONResponse(_control_json(template), status_code=201)


async def decide_approval(request: Request) -> Response:
    """``POST /_emulator/content/{sid}/approval`` {"status", "rejection_reason"?}."""
    state = web.state_of(request)
    store = state.store(ContentStore)
    template = store.get(request.path_params["sid"])
    if template is None:
        raise control.ControlError(f"no content template {request.path_params['sid']!r}", "sid")
    data = await control.read_json(request)
    status = control.field_of(data, "status", str, required=True)
    if status not in APPROVAL_STATUSES:
        raise control.ControlError(
            f"'status' must be one of {', '.join(sorted(APPROVAL_STATUSES))}", "status"
        )
    store.set_approval(template, status, control.field_of(data, "rejection_reason", str) or "")
    return JSONResponse(_control_json(template))


def _control_json(template: ContentTemplate) -> dict[str, Any]:
    return {
        **web.same_names(
            template,
            "sid",
            "account_sid",
            "friendly_name",
            "language",
            "body",
            "variables",
            "types",
        ),
        "whatsapp": approval_json(template),
    }


def routes() -> list[BaseRoute]:
    content = "/v1/Content/{sid}"
    return [
        *web.routes_for("/v1/Content", get=list_content, post=create_content),
        *web.routes_for(content, get=fetch_content, delete=delete_content),
        *web.routes_for(content + "/ApprovalRequests", get=fetch_approval),
        *web.routes_for(content + "/ApprovalRequests/whatsapp", post=create_approval),
        *web.routes_for("/v1/ContentAndApprovals", get=list_content_and_approvals),
        *web.routes_for("/_emulator/content", post=seed_content),
        *web.routes_for("/_emulator/content/{sid}/approval", post=decide_approval),
    ]
