"""Emulator settings: a small frozen object with named, documented defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

#: Development credentials the emulator serves when none are given. Documented, not secret.
DEV_ACCOUNT_SID = "AC00000000000000000000000000000000"
DEV_AUTH_TOKEN = "00000000000000000000000000000000"  # noqa: S105 - documented dev credential
#: Twilio-style test credentials: magic numbers apply, no callbacks, only 2010 create endpoints.
TEST_ACCOUNT_SID = "AC11111111111111111111111111111111"
TEST_AUTH_TOKEN = "11111111111111111111111111111111"  # noqa: S105 - documented test credential

#: Twilio's valid test From number, owned by the development account.
MAGIC_FROM = "+15005550006"
#: Numbers the development account owns on a fresh emulator.
DEFAULT_NUMBERS: tuple[str, ...] = (MAGIC_FROM, "+14155550100", "+14155550101")
#: The WhatsApp sender the development account owns (Twilio's sandbox number).
DEFAULT_WHATSAPP_SENDER = "+14155238886"


@dataclass(frozen=True, slots=True)
class Throughput:
    """Segments per second one sender hands to carriers, by kind: Twilio's documented defaults
    (shared/reference/twilio-behaviour.md section 6). WhatsApp's 80 is Meta's default for a
    business phone number."""

    #: US and Canadian 10-digit numbers (10DLC unregistered / P2P): 1 MPS.
    long_code: float = 1.0
    #: US and Canadian toll-free numbers: 3 MPS.
    toll_free: float = 3.0
    #: Short codes: 100 MPS.
    short_code: float = 100.0
    #: Alphanumeric sender IDs: 10 MPS, like international long codes.
    alphanumeric: float = 10.0
    #: Numbers outside the US and Canada: 10 MPS.
    international: float = 10.0
    whatsapp: float = 80.0


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """How the emulator behaves. Every field has a documented default.

    ``time_rate`` is virtual seconds per real second: 1.0 runs like the real service, 0.0
    freezes time so that only ``POST /_emulator/clock/advance`` moves it (what tests use).
    """

    account_sid: str = DEV_ACCOUNT_SID
    auth_token: str = DEV_AUTH_TOKEN
    test_account_sid: str = TEST_ACCOUNT_SID
    test_auth_token: str = TEST_AUTH_TOKEN
    numbers: tuple[str, ...] = DEFAULT_NUMBERS
    whatsapp_senders: tuple[str, ...] = (DEFAULT_WHATSAPP_SENDER,)
    #: Added to every REST API response (not the control API), for realistic benchmarks.
    latency_ms: float = 0.0
    time_rate: float = 1.0
    #: Segments per second one sender hands to carriers, by kind of sender (Twilio's defaults).
    throughput: Throughput = Throughput()
    #: When set, every sender's rate whatever its kind (the control API still overrides it).
    sender_mps: float | None = None
    #: Longest backlog a sender's queue holds, in seconds of its throughput (Twilio: 10 hours);
    #: beyond it a create is 21611, or a Messaging Service message fails 30001.
    queue_limit_seconds: float = 36_000.0
    #: A well-formed ``MG`` SID that names no Messaging Service acts as one whose pool is the
    #: account's numbers (what the emulator did before Services were resources). ``False``
    #: answers Twilio's 21701 instead.
    implicit_messaging_services: bool = True
    #: Countries (ISO codes) messages and calls may go to: Messaging Geo Permissions.
    geo_permissions: frozenset[str] = frozenset({"US", "CA", "GB", "DE", "FR", "ES", "AU"})
    #: Virtual seconds between status steps (queued -> sending -> sent -> delivered).
    delivery_step_seconds: float = 1.0
    #: Timeout for each webhook or callback the emulator makes (Twilio: 15 s in total).
    webhook_timeout: float = 15.0
    #: Transport for outgoing webhooks; tests route them to an in-process ASGI app with it.
    webhook_transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)
