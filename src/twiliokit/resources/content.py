"""Content API v1 (``https://content.twilio.com/v1``): message templates and their WhatsApp
approval status.

``/v1/Content`` (list), ``/v1/Content/{Sid}`` (fetch), ``/v1/Content/{Sid}/ApprovalRequests``
(the WhatsApp approval), ``/v1/ContentAndApprovals`` (templates with their approvals).
"""

from __future__ import annotations

from typing import Any

from twiliokit.http.paging import Page
from twiliokit.http.products import CONTENT
from twiliokit.http.request import RequestSpec, encode_params
from twiliokit.resources._base import Operation, list_operation, one_operation, page_params, seg
from twiliokit.resources._model import Iso8601, TwilioModel

__all__ = [
    "Content",
    "ContentApproval",
    "WhatsAppApproval",
    "fetch",
    "fetch_approval",
    "list_page",
    "list_with_approvals",
]


class Content(TwilioModel):
    """A message template (``HX...``): per-channel ``types`` and ``{{1}}``-style
    ``variables`` with their sample values. ``approval_requests`` is filled by
    :func:`list_with_approvals`."""

    sid: str
    account_sid: str | None = None
    friendly_name: str | None = None
    language: str | None = None
    variables: dict[str, Any] | None = None
    types: dict[str, Any] | None = None
    approval_requests: dict[str, Any] | None = None
    date_created: Iso8601 = None
    date_updated: Iso8601 = None
    url: str | None = None
    links: dict[str, str] | None = None

    @property
    def whatsapp_approval_status(self) -> str | None:
        """WhatsApp's verdict when listed with approvals (``approved``, ``pending``,
        ``rejected``, ``unsubmitted``, ...)."""
        approvals = self.approval_requests or {}
        nested = approvals.get("whatsapp")
        status = nested.get("status") if isinstance(nested, dict) else approvals.get("status")
        return status if isinstance(status, str) else None


class WhatsAppApproval(TwilioModel):
    """WhatsApp's review of a template."""

    name: str | None = None
    category: str | None = None
    content_type: str | None = None
    status: str | None = None
    rejection_reason: str | None = None
    allow_category_change: bool | None = None
    type: str | None = None


class ContentApproval(TwilioModel):
    """A template's approval requests; ``whatsapp.status`` says whether it may be sent
    outside the 24-hour window."""

    sid: str | None = None
    account_sid: str | None = None
    whatsapp: WhatsAppApproval | None = None
    url: str | None = None


def list_page(
    *, page_size: int | None = None, page_token: str | None = None
) -> Operation[Page[Content]]:
    """One page of templates. ``GET /v1/Content``."""
    query = encode_params(page_params(page_size, page_token))
    return list_operation(RequestSpec("GET", CONTENT, "/v1/Content", query=query), Content, None)


def list_with_approvals(
    *, page_size: int | None = None, page_token: str | None = None
) -> Operation[Page[Content]]:
    """One page of templates with their approval status. ``GET /v1/ContentAndApprovals``."""
    query = encode_params(page_params(page_size, page_token))
    spec = RequestSpec("GET", CONTENT, "/v1/ContentAndApprovals", query=query)
    return list_operation(spec, Content, None)


def fetch(sid: str) -> Operation[Content]:
    """One template. ``GET /v1/Content/{Sid}``."""
    return one_operation(RequestSpec("GET", CONTENT, f"/v1/Content/{seg('sid', sid)}"), Content)


def fetch_approval(sid: str) -> Operation[ContentApproval]:
    """A template's WhatsApp approval. ``GET /v1/Content/{Sid}/ApprovalRequests``."""
    path = f"/v1/Content/{seg('sid', sid)}/ApprovalRequests"
    return one_operation(RequestSpec("GET", CONTENT, path), ContentApproval)
