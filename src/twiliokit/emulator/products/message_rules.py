"""What ``POST …/Messages.json`` accepts: Twilio's validation, codes and messages, in Twilio's
order, and the draft of the message to create. No I/O: it reads the stores and the clock.

Magic ``To`` numbers apply to every account (``+15005550001`` 21211, ``…02`` 21612, ``…03``
21408, ``…04`` 21610, ``…09`` 21614). With test credentials the only good ``From`` is
``+15005550006`` (``…01`` 21212, ``…08`` 21611, anything else 21606), nothing is remembered and
opt-outs and queues do not apply.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from twiliokit import phone, segments
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.products.content import ContentStore
from twiliokit.emulator.products.messaging_service_store import (
    MessagingServiceStore,
    pick_sender,
)
from twiliokit.emulator.products.messaging_store import Channel, MessagingStore
from twiliokit.emulator.products.numbers import NumberStore
from twiliokit.emulator.products.throughput import drain_seconds
from twiliokit.emulator.state import Account, EmulatorState
from twiliokit.emulator.web import Form
from twiliokit.errors import ValidationError

MAGIC_FROM = "+15005550006"
#: Twilio's magic ``To`` numbers and the error each one gives.
MAGIC_TO: dict[str, int] = {
    "+15005550001": 21211,
    "+15005550002": 21612,
    "+15005550003": 21408,
    "+15005550004": 21610,
    "+15005550009": 21614,
}
#: Test credentials: ``From`` numbers with their own error.
MAGIC_TEST_FROM: dict[str, int] = {
    "+15005550001": 21212,
    "+15005550007": 21606,
    "+15005550008": 21611,
}
MAX_BODY = 1600
MAX_MEDIA = 10
MAX_VALIDITY = 36_000
SCHEDULE_MIN = timedelta(seconds=300)
SCHEDULE_MAX = timedelta(days=35)
_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
_ANY_SENDER = phone.ALL_KINDS


@dataclass
class Draft:
    """A message that passed validation, ready to be created."""

    to: str
    recipient: str
    channel: Channel
    sender: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    media: list[tuple[str, str]]  # (url, content type)
    segments: int
    status: str
    status_callback: str | None = None
    validity_period: int | None = None
    send_at: datetime | None = None
    template_approved: bool = False
    num_segments: str = field(init=False, default="1")

    def __post_init__(self) -> None:
        self.num_segments = "0" if self.status in {"accepted", "scheduled"} else str(self.segments)


# --- Twilio's errors --------------------------------------------------------------------------


def _error(code: int, message: str) -> ApiError:
    return ApiError(400, code, message)


def _to_error(code: int, to: str, sender: str = "") -> ApiError:
    messages = {
        21211: f"The 'To' number {to} is not a valid phone number.",
        21265: f"'To' number cannot be a Short Code: {to}",
        21408: "Permission to send an SMS has not been enabled for the region indicated by the "
        f"'To' number: {to}.",
        21610: "Attempt to send to unsubscribed recipient",
        21612: f"The 'To' phone number: {to}, is not currently reachable using the 'From' "
        f"phone number: {sender} via SMS.",
        21614: f"'To' number {to} is not a valid mobile number",
    }
    return _error(code, messages[code])


def _from_error(code: int, sender: str) -> ApiError:
    messages = {
        21212: f"The 'From' number {sender} is not a valid phone number, shortcode, or "
        "alphanumeric sender ID.",
        21606: f"The 'From' phone number provided ({sender}) is not a valid message-capable "
        "Twilio phone number for this destination/account.",
        21611: "This 'From' number has exceeded the maximum number of queued messages",
        63007: f"Twilio could not find a Channel with the specified From address: {sender}",
    }
    return _error(code, messages[code])


# --- helpers ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _parse(raw: str, allow: frozenset[str]) -> phone.Address | None:
    """Parse an address once (creates reuse a handful of numbers)."""
    try:
        return phone.parse_address(raw, allow=allow)
    except ValidationError:
        return None


def _one_septet(char: str) -> bool:
    info = segments.analyze(char)
    return info.encoding == "GSM-7" and info.characters == 1 and segments.smart_encode(char) == char


# ASCII characters worth one GSM-7 septet each (smart encoding leaves them alone), taken from
# the calculator itself so the fast path below cannot disagree with it.
_GSM_ASCII = frozenset(c for c in map(chr, range(128)) if _one_septet(c))


def _segments(body: str, smart: bool) -> tuple[int, str]:
    """(segments, body as sent). Plain GSM-7 ASCII, most bodies, skips the full calculator:
    160 characters fit one segment, 153 each when concatenated."""
    if body.isascii() and _GSM_ASCII.issuperset(body):
        return (1 if len(body) <= 160 else -(-len(body) // 153)), body
    info = segments.analyze(body, smart_encoding=smart)
    return info.segments, info.body


def content_type_of(url: str) -> str:
    """Twilio reads the type from the media; the emulator guesses it from the URL's suffix."""
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed or "application/octet-stream"


def _check_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def parse_send_at(raw: str) -> datetime | None:
    """ISO 8601 (``2024-05-01T12:00:00Z``, offsets allowed); naive times are UTC."""
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _content(
    state: EmulatorState, account: Account, sid: str, raw_variables: str | None
) -> tuple[str, list[str], bool]:
    """Body, media and WhatsApp approval of a Content template."""
    store = state.store(ContentStore)
    template = store.get(sid)
    if template is None or template.account_sid != account.sid:
        raise _error(21655, f"The ContentSid is Invalid: {sid}")
    variables: dict[str, str] = {}
    if raw_variables:
        try:
            decoded: Any = json.loads(raw_variables)
        except json.JSONDecodeError as exc:
            raise _error(21656, "The ContentVariables Parameter is invalid") from exc
        if not isinstance(decoded, dict) or any(
            v is None or v == "" or isinstance(v, dict | list) for v in decoded.values()
        ):
            raise _error(21656, "The ContentVariables Parameter is invalid")
        variables = {str(k): str(v) for k, v in decoded.items()}
    body = store.render(sid, variables)
    media = store.render_media(sid, variables)
    return body, media, store.whatsapp_approved(sid)


# --- the rules --------------------------------------------------------------------------------


def validate_create(state: EmulatorState, account: Account, form: Form) -> Draft:
    """Twilio's checks for a new outbound message, in Twilio's order; raises ``ApiError``."""
    now = state.clock.now()
    to_raw = (form.get("To") or "").strip()
    if not to_raw:
        raise _error(21604, "A 'To' phone number is required.")
    from_raw = (form.get("From") or "").strip()
    service = (form.get("MessagingServiceSid") or "").strip() or None
    if service is None and from_raw.startswith("MG"):
        service, from_raw = from_raw, ""  # Twilio accepts a service SID as From
    if not from_raw and service is None:
        raise _error(21603, "A 'From' phone number is required.")
    body = form.get("Body") or ""
    media_urls = form.getlist("MediaUrl")
    content_sid = (form.get("ContentSid") or "").strip() or None
    content_variables = form.get("ContentVariables")
    if content_variables and content_sid is None:
        raise _error(21654, "A ContentSid must be specified if ContentVariables are provided.")
    if not body and not media_urls and content_sid is None:
        raise _error(21602, "Message body is required.")
    if len(body) > MAX_BODY:
        raise _error(21617, "The concatenated message body exceeds the 1600 character limit.")
    if len(media_urls) > MAX_MEDIA:
        raise _error(21623, "Number of media files exceeds allowed limit")
    if not all(_check_url(url) for url in media_urls):
        raise _error(21620, "Invalid media URL(s)")
    status_callback = (form.get("StatusCallback") or "").strip() or None
    if status_callback is not None and not _check_url(status_callback):
        raise _error(21609, f"Invalid StatusCallback URL: {status_callback}")
    validity = _validity(form.get("ValidityPeriod"))
    if service is not None and not _SERVICE_SID.fullmatch(service):
        raise _error(21705, f"The Messaging Service is invalid: {service}")
    send_at = _schedule(form, service, now)

    # To: magic numbers first (they apply to every account), then a real parse.
    to_code = MAGIC_TO.get(to_raw)
    if to_code == 21211:
        raise _to_error(21211, to_raw)
    to = _parse(to_raw, phone.RECIPIENT_KINDS)
    if to is None:
        raise _to_error(21211, to_raw)
    if to.kind == "short_code":
        # Twilio numbers cannot message short codes, Twilio's or external (docs: error 21265).
        raise _to_error(21265, to.value)
    channel: Channel = "whatsapp" if to.kind == "whatsapp" else ("mms" if media_urls else "sms")

    if account.is_test:
        if service is not None:
            raise _from_error(21606, service)
        code = MAGIC_TEST_FROM.get(from_raw)
        if code is not None:
            raise _from_error(code, from_raw)
        if from_raw != MAGIC_FROM:
            raise _from_error(21606, from_raw)
        sender = from_raw
    else:
        sender = _sender(state, account, from_raw, service, to, channel)
    if to_code is not None:
        raise _to_error(to_code, to.value, sender)
    if not account.is_test and to.value == sender:
        raise _error(21266, f"'To' and 'From' number cannot be the same: {to.value}")
    if channel != "whatsapp" and to.region is not None:
        if to.region not in state.config.geo_permissions:
            raise _to_error(21408, to.value)
        parsed_sender = _parse(sender, _ANY_SENDER)
        if to.region in {"US", "CA"} and parsed_sender and parsed_sender.kind == "alphanumeric":
            raise _to_error(21612, to.value, sender)  # no alphanumeric sender IDs in the US/CA

    if content_sid is not None:
        body, template_media, approved = _content(state, account, content_sid, content_variables)
        media_urls = media_urls or template_media
        if channel == "sms" and media_urls:
            channel = "mms"
    else:
        approved = False
    # A Messaging Service's settings apply where the request does not set its own.
    record = state.store(MessagingServiceStore).get(account.sid, service) if service else None
    if record is not None:
        status_callback = status_callback or record.status_callback
        validity = record.validity_period if validity is None else validity
    smart = form.bool("SmartEncoded", record.smart_encoding if record is not None else False)
    sms_segments, body = _segments(body, smart)
    segment_count = 1 if channel != "sms" else sms_segments
    recipient = to.e164 or to.value

    store = state.store(MessagingStore)
    if not account.is_test:
        if channel != "whatsapp" and store.opted_out(recipient, sender, service):
            raise _to_error(21610, to.value)
        # With a service Twilio accepts the message and fails it 30001 once queued.
        drain = drain_seconds(state, sender, segment_count)
        limit = state.config.queue_limit_seconds
        if service is None and store.backlog_seconds(sender, now) + drain > limit:
            raise _from_error(21611, sender)
    if service is not None:
        status = "scheduled" if send_at is not None else "accepted"
    else:
        status = "queued"
    return Draft(
        to=to.value,
        recipient=recipient,
        channel=channel,
        sender=sender,
        # With a service, Twilio picks the pool's number later, unless the request named one.
        from_=sender if service is None or from_raw else None,
        messaging_service_sid=service,
        body=body,
        media=[(url, content_type_of(url)) for url in media_urls],
        segments=segment_count,
        status=status,
        status_callback=status_callback,
        validity_period=validity,
        send_at=send_at,
        template_approved=approved,
    )


def _validity(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_VALIDITY:
        raise _error(21624, "Invalid validity period value: use whole seconds from 1 to 36000")
    return value


def _schedule(form: Form, service: str | None, now: datetime) -> datetime | None:
    schedule_type = form.get("ScheduleType")
    if schedule_type is None or schedule_type == "":
        return None  # SendAt alone is ignored, as on Twilio
    if schedule_type != "fixed":
        raise _error(35126, "The ScheduleType value provided is not supported for this channel")
    if service is None:
        raise _error(35118, "MessagingServiceSid is required to schedule a message")
    raw = form.get("SendAt")
    if not raw:
        raise _error(35111, "SendAt timestamp is missing")
    send_at = parse_send_at(raw)
    if send_at is None:
        raise _error(35115, f"Scheduling does not support this timestamp: {raw}")
    window = "SendAt time must be between 300 seconds and 35 days (3024000 seconds) in the future"
    if send_at - now < SCHEDULE_MIN:
        raise _error(35114, f"Scheduling does not support this timestamp: {window}")
    if send_at - now > SCHEDULE_MAX:
        raise _error(35117, f"Scheduling does not support this timestamp: {window}")
    return send_at


def _sender(
    state: EmulatorState,
    account: Account,
    from_raw: str,
    service: str | None,
    to: phone.Address,
    channel: Channel,
) -> str:
    """The address the message goes out from, owned by the account and able to send it."""
    numbers = state.store(NumberStore)
    if service is not None and not from_raw:  # with both, the message leaves from From
        known = state.store(MessagingServiceStore).get(account.sid, service) is not None
        if not known and not state.config.implicit_messaging_services:
            raise _error(21701, f"The Messaging Service {service} does not exist")
        if channel == "whatsapp":
            senders = numbers.whatsapp_senders(account.sid)
            if senders:
                return "whatsapp:" + senders[0].number
            raise _error(21704, "The Messaging Service contains no phone numbers")
        return _pool_sender(state, account, service, to.e164 or to.value, channel)
    sender = _parse(from_raw, _ANY_SENDER)
    if sender is None:
        raise _from_error(21212, from_raw)
    if (sender.kind == "whatsapp") != (channel == "whatsapp"):
        raise _error(
            21910,
            "Invalid From and To pair. From and To should be of the same channel",
        )
    if sender.kind == "whatsapp":
        assert sender.e164 is not None
        if numbers.whatsapp_sender(account.sid, sender.e164) is None:
            raise _from_error(63007, sender.value)
        return sender.value
    if sender.kind == "alphanumeric":
        return sender.value
    owned = numbers.owned(account.sid, sender.e164 or sender.value)
    capability = "mms" if channel == "mms" else "sms"
    if owned is None or not owned.capabilities.get(capability, False):
        raise _from_error(21606, sender.value)
    return sender.value


def _pool_sender(
    state: EmulatorState, account: Account, service_sid: str, recipient: str, channel: Channel
) -> str:
    """The number of the service's pool a message leaves from (see messaging_service_store)."""
    services = state.store(MessagingServiceStore)
    service = services.get(account.sid, service_sid)
    numbers = state.store(NumberStore)
    if service is None:
        # An implicit service: the account's first SMS-capable number (docs/emulator.md).
        for number in numbers.of_account(account.sid):
            if number.sms_capable:
                return number.phone_number
        raise _error(21704, "The Messaging Service contains no phone numbers")
    has_numbers, chosen = pick_sender(
        state, service, recipient, channel, state.clock.now(), remember=False
    )
    if not has_numbers:
        raise _error(21704, "The Messaging Service contains no phone numbers")
    if chosen is None:
        raise _error(
            21703, "The Messaging Service does not have a phone number available to send a message"
        )
    return chosen
