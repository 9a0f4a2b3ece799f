"""The handler registry (sync and async, replies, failures logged without message text), the
forwarding signature and retry rules, the media host rule, and the package's public surface."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from twiliokit import twiml, webhooks
from twiliokit.errors import ConfigurationError
from twiliokit.ledger import MessageStatus
from twiliokit.webhooks.events import MessageReceived, MessageStatusChanged
from twiliokit.webhooks.forward import (
    ForwardSettings,
    event_document,
    retry_delay,
    should_retry,
    sign_body,
    verify_forward_signature,
)
from twiliokit.webhooks.handlers import Handlers, call_twiml, message_twiml
from twiliokit.webhooks.media import is_twilio_media_url

pytestmark = pytest.mark.anyio

NOW = datetime(2025, 1, 2, tzinfo=UTC)
SECRET = "0123456789abcdef-secret"


def message(body: str = "my PIN is 4321") -> MessageReceived:
    return MessageReceived(
        sid="SM1",
        account_sid="AC1",
        from_="+14155550123",
        to="+14155550100",
        body=body,
        received_at=NOW,
    )


async def test_sync_and_async_handlers_run_in_order_and_the_first_reply_wins() -> None:
    """Both kinds run; the first non-None reply is the answer."""
    handlers = Handlers()
    order: list[str] = []

    @handlers.on_message
    def quiet(event: MessageReceived) -> None:
        order.append("sync")

    @handlers.on_message
    async def answer(event: MessageReceived) -> str:
        order.append("async")
        return "first"

    handlers.on_message(lambda event: "second")
    assert await handlers.message(message()) == "first"
    assert order == ["sync", "async"]


async def test_a_failing_handler_is_logged_without_the_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A raising handler does not stop the others; the log names it and the exception type,
    never the exception's text (which quotes the message here)."""
    handlers = Handlers()

    @handlers.on_message
    def broken(event: MessageReceived) -> str:
        raise ValueError(f"cannot parse {event.body}")

    handlers.on_message(lambda event: "still answered")
    with caplog.at_level(logging.ERROR, logger="twiliokit.webhooks"):
        reply = await handlers.message(message())
    assert reply == "still answered"
    assert "broken" in caplog.text
    assert "ValueError" in caplog.text
    assert "4321" not in caplog.text


async def test_a_reply_of_the_wrong_type_is_ignored_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Returning something that is neither text nor TwiML is reported, not sent."""
    handlers = Handlers()
    handlers.on_message(lambda event: 42)
    with caplog.at_level(logging.ERROR, logger="twiliokit.webhooks"):
        assert await handlers.message(message()) is None
    assert "return a str or a twiml.Response" in caplog.text


async def test_status_handlers_receive_the_event() -> None:
    """on_status handlers get the status event."""
    handlers = Handlers()
    got: list[Any] = []
    handlers.on_status(got.append)
    event = MessageStatusChanged(sid="SM1", status=MessageStatus.SENT, received_at=NOW)
    await handlers.status(event)
    assert got == [event]


def test_registering_a_non_function_fails_early() -> None:
    """The decorators refuse what cannot be called."""
    with pytest.raises(TypeError, match="on_message takes a function"):
        Handlers().on_message("not a function")


def test_replies_become_escaped_twiml() -> None:
    """Text becomes <Message> (messages) or <Say> (calls), escaped; TwiML passes through."""
    assert "<Message>a &lt;b&gt; &amp; c</Message>" in message_twiml("a <b> & c")
    assert "<Say>hello</Say>" in call_twiml("hello")
    assert message_twiml(None).endswith("<Response />")
    response = twiml.Response()
    response.hangup()
    assert call_twiml(response) == str(response)


def test_forward_signatures_verify_only_the_exact_body() -> None:
    """sha256=<HMAC> of the body checks out; another body, secret or junk does not."""
    body = b'{"id":"1"}'
    signature = sign_body(body, SECRET)
    assert signature.startswith("sha256=")
    assert verify_forward_signature(body, signature, SECRET)
    assert not verify_forward_signature(body + b" ", signature, SECRET)
    assert not verify_forward_signature(body, signature, SECRET + "x")
    assert not verify_forward_signature(body, None, SECRET)
    assert not verify_forward_signature(body, "sha256=\udcff", SECRET)


def test_retry_rules() -> None:
    """Network errors, 408/425/429 and 5xx retry; other answers do not; delays double to a cap."""
    assert all(should_retry(s) for s in (None, 408, 425, 429, 500, 503))
    assert not any(should_retry(s) for s in (200, 400, 401, 404, 410))
    settings = ForwardSettings(urls=("https://x.example",), secret=SECRET, max_delay=3.0)
    assert [retry_delay(n, settings, 1.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert retry_delay(1, settings, 1.1) == pytest.approx(0.55)


def test_forward_settings_refuse_weak_secrets_and_bad_urls() -> None:
    """A short secret or a non-http URL is a configuration error; the secret is not in repr."""
    with pytest.raises(ConfigurationError, match="at least 16"):
        ForwardSettings(urls=("https://x.example",), secret="short")
    with pytest.raises(ConfigurationError, match="http"):
        ForwardSettings(urls=("ftp://x.example",), secret=SECRET)
    assert SECRET not in repr(ForwardSettings(urls=("https://x.example",), secret=SECRET))


def test_forwarded_documents_are_plain_json() -> None:
    """Events serialise with enums as values, datetimes as ISO text and 'from' for from_."""
    document = event_document(message(), delivery_id="d1", created_at=NOW)
    text = json.dumps(document)
    assert document["type"] == "message.received"
    assert document["event"]["from"] == "+14155550123"
    assert document["event"]["channel"] == "sms"
    assert "2025-01-02T00:00:00+00:00" in text


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", True),
        ("https://mcs.us1.twilio.com/v1/Services/IS1/Media/ME1", True),
        ("https://media.twiliocdn.com/AC1/abc", True),
        ("https://API.TWILIO.COM./x", True),
        ("http://api.twilio.com/x", False),
        ("https://api.twilio.com:8443/x", False),
        ("https://api.twilio.com.evil.example/x", False),
        ("https://eviltwilio.com/x", False),
        ("https://api.twilio.com@evil.example/x", False),
        ("https://user:pw@api.twilio.com/x", False),
        ("https://evil.example/api.twilio.com", False),
        ("https://mms.twiliocdn.com/x", False),
        ("file:///etc/passwd", False),
        ("not a url", False),
    ],
)
def test_media_credentials_go_only_to_twilio_over_https(url: str, allowed: bool) -> None:
    """Only https Twilio hosts (api, *.twilio.com, media.twiliocdn.com) get credentials."""
    assert is_twilio_media_url(url) is allowed


def test_the_configured_base_url_is_trusted_like_twilio() -> None:
    """The emulator's base URL (same scheme, host and port) may receive credentials."""
    base = "http://127.0.0.1:8787"
    assert is_twilio_media_url("http://127.0.0.1:8787/2010-04-01/x", base_url=base)
    assert not is_twilio_media_url("http://127.0.0.1:9999/x", base_url=base)


def test_the_public_surface_matches_all() -> None:
    """Every name in __all__ resolves, and dir() lists exactly them."""
    for name in webhooks.__all__:
        assert getattr(webhooks, name) is not None
    assert dir(webhooks) == sorted(webhooks.__all__)


def test_the_signature_module_does_not_pull_in_the_receiver() -> None:
    """The emulator imports the validator; that must not import Starlette or the ledger."""
    code = (
        "import sys, twiliokit.webhooks.signature; "
        "print('starlette' in sys.modules, 'twiliokit.ledger' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
