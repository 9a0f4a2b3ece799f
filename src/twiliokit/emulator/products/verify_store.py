"""Verify v2 state: services, their rate limits, buckets and webhooks, and verifications.

The rules Twilio applies are here as plain methods without I/O (the routers in
``verify.py`` and ``verify_services.py`` only parse, call and answer):

* one active verification per (service, ``To``); starting again while it is pending re-sends
  the same code, and the sixth send is refused (60203);
* five wrong checks make it ``max_attempts_reached``; checking again is refused (60202);
* it expires :data:`EXPIRY_SECONDS` after it started; approved, canceled and expired
  verifications are "soft deleted" (fetch and check answer 404);
* Service Rate Limits count starts per (rate limit, value) inside each bucket's interval.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from twiliokit.emulator.clock import EventHandle
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.sids import new_sid
from twiliokit.emulator.state import EmulatorState, Record, Stamp

#: How long a verification stays checkable (Twilio's default: 10 minutes).
EXPIRY_SECONDS: Final = 600
MAX_SENDS: Final = 5
MAX_CHECKS: Final = 5
#: States in which a verification still exists for fetch and check.
ACTIVE: Final = frozenset({"pending", "max_attempts_reached"})


def invalid(name: str) -> ApiError:
    """Verify's 400 for a bad or missing parameter."""
    return ApiError(400, 60200, f"Invalid parameter: {name}")


class ChildStamp(Stamp):
    """What a new :class:`ServiceChild` starts with (from ``VerifyStore._child_stamp``)."""

    account_sid: str
    service_sid: str


@dataclass
class ServiceChild(Record):
    """A record under a Verify service: a rate limit, a bucket or a webhook."""

    service_sid: str


@dataclass
class Bucket(ServiceChild):
    rate_limit_sid: str
    max: int
    interval: int


@dataclass
class RateLimit(ServiceChild):
    unique_name: str
    description: str | None
    buckets: dict[str, Bucket] = field(default_factory=dict)


@dataclass
class Webhook(ServiceChild):
    friendly_name: str
    event_types: list[str]
    webhook_url: str
    status: str
    version: str
    webhook_method: str = "POST"


@dataclass
class Service(Record):
    friendly_name: str
    code_length: int = 6
    lookup_enabled: bool = False
    psd2_enabled: bool = False
    skip_sms_to_landlines: bool = False
    dtmf_input_required: bool = False
    tts_name: str | None = None
    do_not_share_warning_enabled: bool = False
    custom_code_enabled: bool = False
    default_template_sid: str | None = None
    verify_event_subscription_enabled: bool = False
    push: dict[str, Any] = field(default_factory=dict)
    totp: dict[str, Any] = field(default_factory=dict)
    whatsapp: dict[str, Any] = field(default_factory=dict)
    passkeys: dict[str, Any] = field(default_factory=dict)
    rate_limits: dict[str, RateLimit] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)


@dataclass
class SendAttempt:
    sid: str
    time: datetime
    channel: str


@dataclass
class CheckAttempt:
    time: datetime
    success: bool


@dataclass
class Verification:
    sid: str
    service_sid: str
    account_sid: str
    to: str
    channel: str
    code: str
    date_created: datetime
    date_updated: datetime
    expires_at: datetime
    status: str = "pending"
    locale: str | None = None
    custom_friendly_name: str | None = None
    amount: str | None = None
    payee: str | None = None
    custom_code: bool = False
    verified_at: datetime | None = None
    sends: list[SendAttempt] = field(default_factory=list)
    checks: list[CheckAttempt] = field(default_factory=list)
    expiry: EventHandle | None = field(default=None, repr=False)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def wrong_checks(self) -> int:
        return sum(1 for check in self.checks if not check.success)


def new_code(length: int) -> str:
    """A random numeric code of ``length`` digits (leading zeros allowed, as Twilio sends)."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


class VerifyStore:
    """Every Verify resource of the emulator, by SID."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self.services: dict[str, Service] = {}
        self.verifications: dict[str, Verification] = {}
        #: (rate limit SID, limited value) -> times of the starts counted against it.
        self.rate_hits: dict[tuple[str, str], list[datetime]] = {}

    # --- services and their children -----------------------------------------------------

    def service(self, account_sid: str, sid: str) -> Service | None:
        found = self.services.get(sid)
        return found if found is not None and found.account_sid == account_sid else None

    def add_service(self, account_sid: str, friendly_name: str) -> Service:
        service = Service(
            **self._state.stamp("VA"),
            account_sid=account_sid,
            friendly_name=friendly_name,
            push={"include_date": False, "apn_credential_sid": None, "fcm_credential_sid": None},
            totp={"issuer": friendly_name, "time_step": 30, "code_length": 6, "skew": 1},
            whatsapp={"msg_service_sid": None, "from": None},
            passkeys={
                "relying_party": {"id": None, "name": None, "origins": []},
                "authenticator_attachment": None,
                "discoverable_credentials": None,
                "user_verification": None,
            },
        )
        self.services[service.sid] = service
        return service

    def delete_service(self, service: Service) -> None:
        del self.services[service.sid]
        for verification in list(self.verifications.values()):
            if verification.service_sid == service.sid:
                self._forget(verification)

    def _child_stamp(self, prefix: str, service_sid: str, account_sid: str) -> ChildStamp:
        """A new :class:`ServiceChild`'s stamp: :class:`Record`'s fields and its service."""
        return ChildStamp(
            **self._state.stamp(prefix), service_sid=service_sid, account_sid=account_sid
        )

    def add_rate_limit(
        self, service: Service, unique_name: str, description: str | None
    ) -> RateLimit:
        if any(rl.unique_name == unique_name for rl in service.rate_limits.values()):
            raise ApiError(400, 60208, f"Rate limit with UniqueName '{unique_name}' already exists")
        rate_limit = RateLimit(
            **self._child_stamp("RK", service.sid, service.account_sid),
            unique_name=unique_name,
            description=description,
        )
        service.rate_limits[rate_limit.sid] = rate_limit
        return rate_limit

    def add_bucket(self, rate_limit: RateLimit, maximum: int, interval: int) -> Bucket:
        self.check_interval_free(rate_limit, interval)
        bucket = Bucket(
            **self._child_stamp("BL", rate_limit.service_sid, rate_limit.account_sid),
            rate_limit_sid=rate_limit.sid,
            max=maximum,
            interval=interval,
        )
        rate_limit.buckets[bucket.sid] = bucket
        return bucket

    @staticmethod
    def check_interval_free(rate_limit: RateLimit, interval: int, but: str | None = None) -> None:
        if any(b.interval == interval and b.sid != but for b in rate_limit.buckets.values()):
            raise ApiError(
                400, 60211, f"A Bucket with Interval {interval} already exists for this Rate Limit"
            )

    def add_webhook(
        self,
        service: Service,
        *,
        friendly_name: str,
        event_types: list[str],
        webhook_url: str,
        status: str,
        version: str,
    ) -> Webhook:
        webhook = Webhook(
            **self._child_stamp("YW", service.sid, service.account_sid),
            friendly_name=friendly_name,
            event_types=event_types,
            webhook_url=webhook_url,
            status=status,
            version=version,
        )
        service.webhooks[webhook.sid] = webhook
        return webhook

    # --- rate limits ----------------------------------------------------------------------

    def check_rate_limits(
        self, service: Service, values: dict[str, str], now: datetime
    ) -> list[tuple[str, str]]:
        """The (rate limit, value) keys this start counts against, or 429 / 20429 if any bucket
        is full. Names that match no rate limit of the service are ignored."""
        keys: list[tuple[str, str]] = []
        by_name = {rl.unique_name: rl for rl in service.rate_limits.values()}
        for name, value in values.items():
            rate_limit = by_name.get(name)
            if rate_limit is None:
                continue
            key = (rate_limit.sid, value)
            hits = self.rate_hits.get(key, [])
            for bucket in rate_limit.buckets.values():
                since = now - timedelta(seconds=bucket.interval)
                recent = sorted(t for t in hits if t > since)
                if len(recent) >= bucket.max:
                    # A place frees once the bucket's max-th most recent start leaves it.
                    frees = recent[-bucket.max] + timedelta(seconds=bucket.interval)
                    wait = math.ceil((frees - now).total_seconds())
                    raise ApiError(429, 20429, "Too many requests", retry_after=max(1, wait))
            keys.append(key)
        return keys

    def count_hits(self, keys: Iterable[tuple[str, str]], now: datetime) -> None:
        longest = max(
            (
                b.interval
                for s in self.services.values()
                for rl in s.rate_limits.values()
                for b in rl.buckets.values()
            ),
            default=0,
        )
        for key in keys:
            hits = [t for t in self.rate_hits.get(key, []) if t > now - timedelta(seconds=longest)]
            hits.append(now)
            self.rate_hits[key] = hits

    # --- verifications --------------------------------------------------------------------

    def active_for(self, service_sid: str, to: str) -> Verification | None:
        """The pending (or max-attempts) verification of ``to`` in this service."""
        for verification in self.verifications.values():
            if verification.service_sid == service_sid and verification.to == to:
                return verification
        return None

    def start(
        self, service: Service, *, to: str, channel: str, code: str | None, now: datetime
    ) -> Verification:
        """A new pending verification (the caller schedules its expiry)."""
        verification = Verification(
            sid=new_sid("VE"),
            service_sid=service.sid,
            account_sid=service.account_sid,
            to=to,
            channel=channel,
            code=code or new_code(service.code_length),
            custom_code=code is not None,
            date_created=now,
            date_updated=now,
            expires_at=now + timedelta(seconds=EXPIRY_SECONDS),
        )
        self.verifications[verification.sid] = verification
        return verification

    @staticmethod
    def record_send(verification: Verification, channel: str, now: datetime) -> SendAttempt:
        if len(verification.sends) >= MAX_SENDS:
            # A new verification (and its sends) may start once this one expires.
            wait = math.ceil((verification.expires_at - now).total_seconds())
            raise ApiError(429, 60203, "Max send attempts reached", retry_after=max(1, wait))
        attempt = SendAttempt(new_sid("VL"), now, channel)
        verification.sends.append(attempt)
        verification.channel = channel
        verification.date_updated = now
        return attempt

    def check(self, verification: Verification, code: str, now: datetime) -> None:
        """Record a check: approve on the right code; the fifth wrong one ends the attempts."""
        if verification.status == "max_attempts_reached":
            raise ApiError(429, 60202, "Max check attempts reached")
        success = secrets.compare_digest(code.encode(), verification.code.encode())
        verification.checks.append(CheckAttempt(now, success))
        verification.date_updated = now
        if success:
            self.finish(verification, "approved", now)
        elif verification.wrong_checks >= MAX_CHECKS:
            verification.status = "max_attempts_reached"

    def finish(self, verification: Verification, status: str, now: datetime) -> None:
        """approved, canceled or expired: the verification is soft-deleted."""
        verification.status = status
        verification.date_updated = now
        if status == "approved":
            verification.verified_at = now
        self._forget(verification)

    def _forget(self, verification: Verification) -> None:
        if verification.expiry is not None:
            verification.expiry.cancel()
        self.verifications.pop(verification.sid, None)

    def pending(self) -> list[Verification]:
        return [v for v in self.verifications.values() if v.status == "pending"]
