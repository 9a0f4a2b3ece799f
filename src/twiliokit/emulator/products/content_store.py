"""Content API v1 state: templates (``HX…``), their WhatsApp approval, and validation.

Messaging asks :class:`ContentStore` whether a template is approved (:meth:`~ContentStore.
whatsapp_approved`) and renders its body with ``ContentVariables`` (:meth:`~ContentStore.render`).
A submitted template goes ``received`` -> ``pending`` -> ``approved`` in virtual time unless the
control API decides otherwise. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from twiliokit.emulator import control
from twiliokit.emulator.clock import EventHandle
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.state import EmulatorState, Record

#: Virtual seconds from ``received`` to ``pending``, and from submission to ``approved``.
PENDING_SECONDS = 1.0
APPROVAL_SECONDS = 300.0
#: WhatsApp template categories Meta recognises.
CATEGORIES = frozenset({"UTILITY", "MARKETING", "AUTHENTICATION"})
APPROVAL_STATUSES = frozenset(
    {"unsubmitted", "received", "pending", "approved", "rejected", "paused", "disabled"}
)
#: Content types the API knows (twilio_content_v1.json ``types``).
CONTENT_TYPES = frozenset(
    {
        "twilio/text",
        "twilio/media",
        "twilio/location",
        "twilio/list-picker",
        "twilio/call-to-action",
        "twilio/quick-reply",
        "twilio/card",
        "twilio/catalog",
        "twilio/carousel",
        "twilio/flows",
        "twilio/schedule",
        "whatsapp/card",
        "whatsapp/authentication",
        "whatsapp/flows",
    }
)
# Types whose payload must carry a body (the spec's ``required``).
_BODY_REQUIRED = frozenset(
    {
        "twilio/text",
        "twilio/quick-reply",
        "twilio/call-to-action",
        "twilio/list-picker",
        "whatsapp/card",
    }
)
LANGUAGE = re.compile(r"[a-z]{2,3}([_-][A-Za-z0-9]{2,4})?")
TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


@dataclass
class WhatsAppApproval:
    """The WhatsApp approval request of one template."""

    name: str = ""
    category: str = ""
    status: str = "unsubmitted"
    rejection_reason: str = ""
    allow_category_change: bool = True


@dataclass
class ContentTemplate(Record):
    """One Content API template."""

    friendly_name: str
    language: str
    variables: dict[str, str]
    types: dict[str, dict[str, Any]]
    approval: WhatsAppApproval = field(default_factory=WhatsAppApproval)
    approval_events: list[EventHandle] = field(default_factory=list, repr=False)

    @property
    def content_type(self) -> str:
        """The template's main type: the first one that is not plain ``twilio/text``."""
        for name in self.types:
            if name != "twilio/text":
                return name
        return next(iter(self.types), "")

    @property
    def body(self) -> str:
        """The raw body (with ``{{placeholders}}``): ``twilio/text`` first, else the main type's."""
        for name in ("twilio/text", self.content_type, *self.types):
            body = self.types.get(name, {}).get("body")
            if isinstance(body, str):
                return body
        return ""

    @property
    def media(self) -> list[str]:
        """Media URLs of the main type (``twilio/media``, ``whatsapp/card``), with placeholders."""
        found = self.types.get(self.content_type, {}).get("media") or []
        return [str(url) for url in found]


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace ``{{name}}`` placeholders; unknown ones stay as written (what the user sees)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


class ContentStore:
    """Templates by SID. Messaging calls :meth:`get`, :meth:`whatsapp_approved`, :meth:`render`."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self.templates: dict[str, ContentTemplate] = {}

    def get(self, sid: str) -> ContentTemplate | None:
        """The template with this SID, or None."""
        return self.templates.get(sid)

    def whatsapp_approved(self, sid: str) -> bool:
        """Whether WhatsApp approved this template (so it may open a conversation)."""
        template = self.templates.get(sid)
        return template is not None and template.approval.status == "approved"

    def render(self, sid: str, variables: dict[str, str]) -> str:
        """The template's body with ``variables`` filled in (its defaults for missing ones).

        Raises ``KeyError`` for an unknown SID.
        """
        template = self.templates[sid]
        return substitute(template.body, {**template.variables, **variables})

    def render_media(self, sid: str, variables: dict[str, str]) -> list[str]:
        """The template's media URLs with ``variables`` filled in (``twilio/media`` etc.)."""
        template = self.templates[sid]
        values = {**template.variables, **variables}
        return [substitute(url, values) for url in template.media]

    def create(
        self,
        *,
        account_sid: str,
        friendly_name: str,
        language: str,
        variables: dict[str, str],
        types: dict[str, dict[str, Any]],
    ) -> ContentTemplate:
        template = ContentTemplate(
            **self._state.stamp("HX"),
            account_sid=account_sid,
            friendly_name=friendly_name,
            language=language,
            variables=variables,
            types=types,
        )
        self.templates[template.sid] = template
        return template

    def delete(self, sid: str) -> None:
        template = self.templates.pop(sid)
        self._cancel_events(template)

    def submit(self, template: ContentTemplate, name: str, category: str) -> None:
        """Send the template to WhatsApp: received now, pending soon, approved later."""
        self._cancel_events(template)
        template.approval = WhatsAppApproval(name=name, category=category, status="received")
        template.date_updated = self._state.clock.now()

        async def to_pending(at: datetime) -> None:
            if template.approval.status == "received":
                template.approval.status = "pending"

        async def to_approved(at: datetime) -> None:
            if template.approval.status in {"received", "pending"}:
                template.approval.status = "approved"
                template.date_updated = at

        scheduler = self._state.scheduler
        template.approval_events = [
            scheduler.after(PENDING_SECONDS, to_pending),
            scheduler.after(APPROVAL_SECONDS, to_approved),
        ]

    def set_approval(self, template: ContentTemplate, status: str, reason: str = "") -> None:
        """Decide the approval now (the control API), cancelling the automatic steps."""
        self._cancel_events(template)
        template.approval.status = status
        template.approval.rejection_reason = reason if status == "rejected" else ""
        if status != "unsubmitted" and not template.approval.name:
            template.approval.name = _default_name(template)
        if status != "unsubmitted" and not template.approval.category:
            template.approval.category = "UTILITY"
        template.date_updated = self._state.clock.now()

    @staticmethod
    def _cancel_events(template: ContentTemplate) -> None:
        for handle in template.approval_events:
            handle.cancel()
        template.approval_events = []


def _default_name(template: ContentTemplate) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", template.friendly_name.lower()).strip("_")
    return name or template.sid.lower()


# --- validation --------------------------------------------------------------------------


def _drop_nulls(value: Any) -> Any:
    """Twilio's SDK sends every optional field as ``null``; Twilio stores only what was set."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value if v is not None]
    return value


def parse_types(raw: Any) -> dict[str, dict[str, Any]]:
    """Validate ``types``: at least one known type, each an object with what it requires."""
    if raw is None or raw == {}:
        raise ApiError(400, 92001, "Invalid types. At least one type is required")
    if not isinstance(raw, dict):
        raise ApiError(400, 92001, "Invalid types. 'types' must be an object of content types")
    types: dict[str, dict[str, Any]] = {}
    for name, payload in _drop_nulls(raw).items():
        if name not in CONTENT_TYPES:
            raise ApiError(400, 20001, f"Invalid types. Unknown content type '{name}'")
        if not isinstance(payload, dict):
            raise ApiError(400, 20001, f"Invalid types. '{name}' must be an object")
        if name in _BODY_REQUIRED and not isinstance(payload.get("body"), str):
            raise ApiError(400, 20001, f"Invalid types. '{name}' requires a 'body' string")
        if name == "twilio/media" and not payload.get("media"):
            raise ApiError(400, 20001, "Invalid types. 'twilio/media' requires 'media' URLs")
        if name == "twilio/quick-reply" and not payload.get("actions"):
            raise ApiError(400, 20001, "Invalid types. 'twilio/quick-reply' requires 'actions'")
        types[name] = payload
    if not types:
        raise ApiError(400, 92001, "Invalid types. At least one type is required")
    return types


def parse_language(raw: Any) -> str:
    if raw is None or raw == "":
        raise ApiError(400, 92003, "Invalid language. Language is required")
    if not isinstance(raw, str) or not LANGUAGE.fullmatch(raw):
        raise ApiError(400, 92004, f"Invalid language code: {raw!r}")
    return raw


def parse_variables(raw: Any, *, api: bool = True) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        message = '\'variables\' must be an object of strings, e.g. {"1": "Customer_Name"}'
        if api:
            raise ApiError(400, 20001, f"Invalid variables. {message}")
        raise control.ControlError(message, "variables")
    return {str(k): v for k, v in raw.items()}
