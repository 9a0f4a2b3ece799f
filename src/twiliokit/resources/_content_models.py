"""The template models: :class:`Content`, :class:`ContentApproval`, :class:`WhatsAppApproval`.

Import them from :mod:`twiliokit.resources.content`, which loads this module (and pydantic) on
first use."""

from __future__ import annotations

from typing import Any

from twiliokit.resources._model import ProductResource, TwilioModel

__all__ = ["Content", "ContentApproval", "WhatsAppApproval"]


class Content(ProductResource):
    """A message template (``HX...``): per-channel ``types`` and ``{{1}}``-style
    ``variables`` with their sample values. ``approval_requests`` is filled by
    :func:`list_with_approvals`."""

    friendly_name: str | None = None
    language: str | None = None
    variables: dict[str, Any] | None = None
    types: dict[str, Any] | None = None
    approval_requests: dict[str, Any] | None = None
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
