"""SB Agent Hub's Twilio integration (seed ``004_871d376b3b903cf9.txt``).

``sendSMS`` answers ``messageSid``, ``status`` and ``dateCreated`` (ISO 8601, UTC, ``Z``);
``makeCall`` and ``getCallStatus`` the call's ``callSid`` and ``status`` in the same style.
Other actions: the default answer in camelCase.
"""

from __future__ import annotations

from twiliokit.actions.shapes.engine import Get, Obj, Spec
from twiliokit.actions.shapes.model import Shape

__all__ = ["SB_AGENT_HUB"]

_CALL: Spec = Obj({"callSid": Get("sid"), "status": Get("status")})

SB_AGENT_HUB = Shape(
    name="sb-agent-hub",
    platform="SB Agent Hub",
    source="seeds/004_871d376b3b903cf9.txt",
    style="camelCase",
    actions={
        "send_sms": Obj(
            {
                "messageSid": Get("sid"),
                "status": Get("status"),
                "dateCreated": Get("date_created"),
            }
        ),
        "make_call": _CALL,
        "get_call": _CALL,
    },
    notes={
        "send_sms": "sendSMS.",
        "make_call": "makeCall.",
        "get_call": "getCallStatus.",
    },
)
