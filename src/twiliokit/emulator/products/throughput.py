"""How fast each sender hands segments to carriers, and the control API that changes it.

A sender's rate (segments per second, Twilio's "MPS") comes from, first to last: a rate set
for that sender with ``POST /_emulator/throughput {"sender", "mps"}``; a rate set for its kind
with ``{"kind", "mps"}``; ``EmulatorConfig.sender_mps`` when set; ``EmulatorConfig.throughput``
for its kind. Kinds: ``long_code`` (US/CA 10-digit numbers), ``toll_free``, ``short_code``,
``alphanumeric``, ``international`` (numbers outside the US and Canada) and ``whatsapp``.
Rates set through the control API are dropped on reset.

:func:`sender_kind` is pure; the queue itself (each sender's next free slot) is in
``lifecycle``.
"""

from __future__ import annotations

import functools
from typing import Any, Final, Literal, cast, get_args

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from twiliokit import phone
from twiliokit.emulator import control
from twiliokit.emulator.state import EmulatorState
from twiliokit.emulator.web import routes_for, state_of
from twiliokit.errors import ValidationError

SenderKind = Literal[
    "long_code", "toll_free", "short_code", "alphanumeric", "international", "whatsapp"
]
KINDS: Final[tuple[str, ...]] = get_args(SenderKind)
#: The highest rate the control API accepts (Twilio's account-wide cap is 2,000 MPS).
MAX_MPS: Final = 100_000.0
_NORTH_AMERICA: Final = frozenset({"US", "CA"})


@functools.lru_cache(maxsize=4096)
def sender_kind(sender: str) -> SenderKind:
    """The kind of sender ``sender`` is (a number, short code, alphanumeric ID or
    ``whatsapp:`` address); anything unreadable counts as a long code. Pure."""
    try:
        address = phone.parse_address(sender, allow=phone.ALL_KINDS)
    except ValidationError:
        return "long_code"
    if address.kind in {"whatsapp", "short_code", "alphanumeric"}:
        return cast(SenderKind, address.kind)
    try:
        toll_free = phone.number_type(address.e164 or address.value) == "toll_free"
    except ValidationError:  # Twilio's magic numbers (+1500555...) parse but are not valid
        toll_free = False
    if toll_free:
        return "toll_free"
    outside = address.region is not None and address.region not in _NORTH_AMERICA
    return "international" if outside else "long_code"


class ThroughputStore:
    """Rates set through the control API: per sender address and per kind."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self.by_sender: dict[str, float] = {}
        self.by_kind: dict[str, float] = {}

    def kind_rate(self, kind: SenderKind) -> float:
        """The rate of a sender of ``kind`` that has no rate of its own."""
        found = self.by_kind.get(kind)
        if found is not None:
            return found
        config = self._state.config
        if config.sender_mps is not None:
            return config.sender_mps
        rate: float = getattr(config.throughput, kind)
        return rate

    def rate(self, sender: str) -> float:
        """Segments per second ``sender`` hands to carriers."""
        found = self.by_sender.get(sender)
        return found if found is not None else self.kind_rate(sender_kind(sender))


def drain_seconds(state: EmulatorState, sender: str, segments: int) -> float:
    """How long ``sender`` takes to hand ``segments`` to carriers."""
    return segments / max(state.store(ThroughputStore).rate(sender), 1e-9)


# --- control ----------------------------------------------------------------------------------


def _snapshot(store: ThroughputStore) -> dict[str, Any]:
    return {
        "kinds": {kind: store.kind_rate(cast(SenderKind, kind)) for kind in KINDS},
        "senders": [
            {"sender": sender, "kind": sender_kind(sender), "mps": mps}
            for sender, mps in store.by_sender.items()
        ],
    }


def _sender_field(data: dict[str, Any]) -> str:
    raw = control.field_of(data, "sender", str, required=True)
    try:
        address = phone.parse_address(raw, field="sender", allow=phone.ALL_KINDS)
    except ValidationError as exc:
        raise control.ControlError(
            "'sender' must be a phone number (+14155550100), short code, alphanumeric sender "
            f"ID or whatsapp: address: {raw!r}",
            "sender",
        ) from exc
    return address.value


async def set_throughput(request: Request) -> Response:
    """``POST /_emulator/throughput`` {"sender" or "kind", "mps"}: a sender's (or every
    sender of a kind's) rate from now on; messages already queued keep their slots."""
    store = state_of(request).store(ThroughputStore)
    data = await control.read_json(request)
    mps = control.field_of(data, "mps", (int, float), required=True)
    if not 0 < mps <= MAX_MPS:
        raise control.ControlError(f"'mps' must be above 0 and at most {MAX_MPS:g}", "mps")
    if ("sender" in data) == ("kind" in data):
        raise control.ControlError("give either 'sender' or 'kind', not both", "sender")
    if "kind" in data:
        kind = control.field_of(data, "kind", str, required=True)
        if kind not in KINDS:
            raise control.ControlError(f"'kind' must be one of {', '.join(KINDS)}", "kind")
        store.by_kind[kind] = float(mps)
    else:
        store.by_sender[_sender_field(data)] = float(mps)
    return JSONResponse(_snapshot(store), status_code=201)


async def get_throughput(request: Request) -> Response:
    """``GET /_emulator/throughput``: the rate of each kind and of each sender given one."""
    return JSONResponse(_snapshot(state_of(request).store(ThroughputStore)))


async def clear_throughput(request: Request) -> Response:
    """``DELETE /_emulator/throughput``: back to the configured rates."""
    store = state_of(request).store(ThroughputStore)
    store.by_sender.clear()
    store.by_kind.clear()
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return routes_for(
        "/_emulator/throughput", get=get_throughput, post=set_throughput, delete=clear_throughput
    )
