"""Content API v1 (``https://content.twilio.com/v1``): message templates and their WhatsApp
approval status.

``/v1/Content`` (list), ``/v1/Content/{Sid}`` (fetch), ``/v1/Content/{Sid}/ApprovalRequests``
(the WhatsApp approval), ``/v1/ContentAndApprovals`` (templates with their approvals).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twiliokit.http.paging import Page
from twiliokit.http.products import CONTENT
from twiliokit.resources._base import (
    Operation,
    get_one,
    get_page,
    load_model,
    model_getattr,
    page_params,
    seg,
)

__all__ = [
    "Content",
    "ContentApproval",
    "WhatsAppApproval",
    "fetch",
    "fetch_approval",
    "list_page",
    "list_with_approvals",
]

if TYPE_CHECKING:
    from twiliokit.resources._content_models import Content, ContentApproval, WhatsAppApproval

_MODELS = "twiliokit.resources._content_models"
_content: Callable[[], type[Content]] = load_model(_MODELS, "Content")
_content_approval: Callable[[], type[ContentApproval]] = load_model(_MODELS, "ContentApproval")

if not TYPE_CHECKING:  # the models, loaded (with pydantic) on first use
    __getattr__ = model_getattr(__name__, _MODELS, __all__)


def list_page(
    *, page_size: int | None = None, page_token: str | None = None, limit: int | None = None
) -> Operation[Page[Content]]:
    """One page of templates. ``GET /v1/Content``.
    ``limit``: the most items wanted; it sizes the page when ``page_size`` is not given (and
    ``iter_*`` stop there).
    """
    return get_page(
        CONTENT, "/v1/Content", page_params(page_size, page_token, limit), _content, None
    )


def list_with_approvals(
    *, page_size: int | None = None, page_token: str | None = None
) -> Operation[Page[Content]]:
    """One page of templates with their approval status. ``GET /v1/ContentAndApprovals``."""
    params = page_params(page_size, page_token)
    return get_page(CONTENT, "/v1/ContentAndApprovals", params, _content, None)


def fetch(sid: str) -> Operation[Content]:
    """One template. ``GET /v1/Content/{Sid}``."""
    return get_one(CONTENT, f"/v1/Content/{seg('sid', sid)}", _content)


def fetch_approval(sid: str) -> Operation[ContentApproval]:
    """A template's WhatsApp approval. ``GET /v1/Content/{Sid}/ApprovalRequests``."""
    path = f"/v1/Content/{seg('sid', sid)}/ApprovalRequests"
    return get_one(CONTENT, path, _content_approval)
