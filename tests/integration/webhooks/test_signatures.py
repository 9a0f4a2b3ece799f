"""Signature checking at the receiver, with requests signed by Twilio's own SDK
(``twilio.request_validator.RequestValidator``): forged, replayed, port-shifted, proxied and
JSON cases, and what a refusal stores and logs (nothing, and no body)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from tests.integration.webhooks.conftest import (
    TOKEN,
    Seen,
    asgi_receiver,
    reading,
    recording_handlers,
)
from twiliokit.webhooks import WebhookSettings, create_receiver_app
from twiliokit.webhooks.receiver import PATHS
from twiliokit.webhooks.signature import body_sha256

pytestmark = pytest.mark.anyio

PUBLIC = "https://agent.example.com"
SECRET_TEXT = "my bank PIN is 4321"


def inbound(sid: str = "SM" + "a" * 32, body: str = SECRET_TEXT) -> list[tuple[str, str]]:
    """Form fields of an inbound SMS, as Twilio sends them."""
    return [
        ("ToCountry", "US"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("SmsSid", sid),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", "+14155550100"),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", "AC" + "0" * 32),
        ("From", "+14155550123"),
        ("ApiVersion", "2010-04-01"),
    ]


def sign(url: str, params: Any, token: str = TOKEN) -> str:
    """The signature Twilio's Python SDK computes for this URL and these params."""
    return str(RequestValidator(token).compute_signature(url, params))


def form_headers(signature: str, idempotency: str = "tok-1") -> dict[str, str]:
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "I-Twilio-Idempotency-Token": idempotency,
    }


def make_app(tmp_path: Path, seen: Seen, **settings: Any) -> tuple[Any, str]:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    app = create_receiver_app(
        WebhookSettings(auth_token=TOKEN, **settings), url, recording_handlers(seen)
    )
    return app, url


async def test_a_request_signed_by_the_sdk_is_accepted(tmp_path: Path) -> None:
    """The SDK's signature for the URL as requested is accepted and the message recorded."""
    seen = Seen()
    app, ledger_url = make_app(tmp_path, seen, public_url=PUBLIC)
    params = inbound()
    async with asgi_receiver(app) as client:
        response = await client.post(
            PATHS["messaging"],
            content=urlencode(params),
            headers=form_headers(sign(PUBLIC + PATHS["messaging"], dict(params))),
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert len(seen.of("message.received")) == 1
    async with reading(ledger_url) as ledger:
        assert await ledger.get_message(params[1][1]) is not None


async def test_forged_requests_get_403_store_nothing_and_log_no_body(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A signature made with another token is refused; nothing is recorded, no handler runs,
    and the log names the URL checked but never the message text."""
    seen = Seen()
    app, ledger_url = make_app(tmp_path, seen, public_url=PUBLIC)
    params = inbound()
    forged = sign(PUBLIC + PATHS["messaging"], dict(params), token="f" * 32)
    with caplog.at_level(logging.WARNING, logger="twiliokit.webhooks"):
        async with asgi_receiver(app) as client:
            response = await client.post(
                PATHS["messaging"], content=urlencode(params), headers=form_headers(forged)
            )
            unsigned = await client.post(
                PATHS["messaging"],
                content=urlencode(params),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
    assert (response.status_code, unsigned.status_code) == (403, 403)
    assert response.json()["error"]["type"] == "signature_invalid"
    assert seen.events == []
    async with reading(ledger_url) as ledger:
        assert await ledger.webhook_deliveries() == []
        assert await ledger.get_message(params[1][1]) is None
    logged = caplog.text
    assert PUBLIC + PATHS["messaging"] in logged
    assert "no X-Twilio-Signature header" in logged
    assert "4321" not in logged
    assert "bank" not in logged


@pytest.mark.parametrize(
    ("public_url", "signed_for"),
    [
        ("https://agent.example.com", "https://agent.example.com:443"),
        ("https://agent.example.com:443", "https://agent.example.com"),
        ("https://agent.example.com:8443", "https://agent.example.com:8443"),
    ],
)
async def test_the_port_may_be_in_the_signed_url_or_not(
    tmp_path: Path, public_url: str, signed_for: str
) -> None:
    """Twilio signs some URLs with the default port and some without: both are accepted."""
    seen = Seen()
    app, _ = make_app(tmp_path, seen, public_url=public_url)
    params = inbound()
    signature = sign(signed_for + PATHS["messaging"], dict(params))
    async with asgi_receiver(app) as client:
        response = await client.post(
            PATHS["messaging"], content=urlencode(params), headers=form_headers(signature)
        )
    assert response.status_code == 200


async def test_a_non_default_port_is_not_interchangeable(tmp_path: Path) -> None:
    """A signature for :8443 does not pass for the URL without that port."""
    seen = Seen()
    app, _ = make_app(tmp_path, seen, public_url=PUBLIC)
    params = inbound()
    signature = sign(PUBLIC + ":8443" + PATHS["messaging"], dict(params))
    async with asgi_receiver(app) as client:
        response = await client.post(
            PATHS["messaging"], content=urlencode(params), headers=form_headers(signature)
        )
    assert response.status_code == 403


async def test_forwarded_headers_are_believed_only_from_a_trusted_proxy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Behind a TLS-terminating proxy the public https URL is rebuilt from X-Forwarded-* when
    the peer is trusted; the same headers from another peer are ignored (403, and the log says
    why)."""
    seen = Seen()
    app, _ = make_app(tmp_path, seen, trusted_proxies=("10.0.0.0/8",))
    params = inbound()
    signature = sign(PUBLIC + PATHS["messaging"], dict(params))
    headers = {
        **form_headers(signature),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "agent.example.com",
    }
    body = urlencode(params)
    async with asgi_receiver(app, peer="10.1.2.3", base_url="http://internal:8080") as client:
        trusted = await client.post(PATHS["messaging"], content=body, headers=headers)
    with caplog.at_level(logging.WARNING, logger="twiliokit.webhooks"):
        async with asgi_receiver(
            app, peer="203.0.113.9", base_url="http://internal:8080"
        ) as client:
            untrusted = await client.post(
                PATHS["messaging"],
                content=body,
                headers={**headers, "I-Twilio-Idempotency-Token": "tok-2"},
            )
    assert trusted.status_code == 200
    assert untrusted.status_code == 403
    assert "203.0.113.9, which is not a trusted proxy" in caplog.text


async def test_the_proxy_value_nearest_us_wins(tmp_path: Path) -> None:
    """With a list in X-Forwarded-Proto, the value our trusted proxy appended counts: a client
    cannot prepend its own."""
    seen = Seen()
    app, _ = make_app(tmp_path, seen, trusted_proxies=("10.1.2.3",))
    params = inbound()
    signature = sign("https://agent.example.com" + PATHS["messaging"], dict(params))
    headers = {
        **form_headers(signature),
        "X-Forwarded-Proto": "https, http",
        "X-Forwarded-Host": "agent.example.com",
    }
    async with asgi_receiver(app, peer="10.1.2.3", base_url="http://internal:8080") as client:
        response = await client.post(PATHS["messaging"], content=urlencode(params), headers=headers)
    assert response.status_code == 403


async def test_repeated_parameters_are_signed_as_the_sdk_does(tmp_path: Path) -> None:
    """A repeated form field (e.g. StatusCallbackEvent) verifies against the SDK's signature
    over the multi-dict."""
    seen = Seen()
    app, _ = make_app(tmp_path, seen, public_url=PUBLIC)
    params = [
        ("CallSid", "CA" + "b" * 32),
        ("AccountSid", "AC" + "0" * 32),
        ("From", "+14155550123"),
        ("To", "+14155550100"),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
        ("Digits", "5678"),
        ("Digits", "1234"),
    ]

    class MultiDict(dict[str, list[str]]):
        def getall(self, name: str) -> list[str]:
            return self[name]

    multi = MultiDict()
    for name, value in params:
        multi.setdefault(name, []).append(value)
    signature = sign(PUBLIC + PATHS["voice"], multi)
    async with asgi_receiver(app) as client:
        response = await client.post(
            PATHS["voice"], content=urlencode(params), headers=form_headers(signature)
        )
    assert response.status_code == 200


async def test_json_bodies_are_checked_against_body_sha256(tmp_path: Path) -> None:
    """A Verify JSON webhook passes with its bodySHA256; the same signature over a changed body
    is refused, and so is JSON without bodySHA256."""
    seen = Seen()
    app, _ = make_app(tmp_path, seen, public_url=PUBLIC)
    event = [
        {
            "id": "ev1",
            "type": "com.twilio.accountsecurity.verify.verification.approved",
            "data": {"verification_sid": "VE" + "c" * 32},
        }
    ]
    body = json.dumps(event).encode()
    path = PATHS["verify"] + "?bodySHA256=" + body_sha256(body)
    signature = sign(PUBLIC + path, {})
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": signature}
    async with asgi_receiver(app) as client:
        good = await client.post(path, content=body, headers=headers)
        tampered = await client.post(
            path, content=body.replace(b"approved", b"canceled"), headers=headers
        )
        no_hash = await client.post(
            PATHS["verify"],
            content=body,
            headers={**headers, "X-Twilio-Signature": sign(PUBLIC + PATHS["verify"], {})},
        )
    assert (good.status_code, tampered.status_code, no_hash.status_code) == (200, 403, 403)
    [received] = seen.wait_for("verify.event")
    assert received.status == "approved"


async def test_get_webhooks_are_signed_over_the_query_string(tmp_path: Path) -> None:
    """A number configured with SmsMethod=GET: the parameters are in the signed URL."""
    seen = Seen()
    app, _ = make_app(tmp_path, seen, public_url=PUBLIC)
    path = PATHS["messaging"] + "?" + urlencode(inbound())
    async with asgi_receiver(app) as client:
        response = await client.get(path, headers={"X-Twilio-Signature": sign(PUBLIC + path, {})})
    assert response.status_code == 200
    assert seen.of("message.received")[0].body == SECRET_TEXT


async def test_bad_input_after_a_valid_signature_is_400_never_500(tmp_path: Path) -> None:
    """Signed but unusable requests get 400 naming the problem: no MessageSid, a JSON body on
    a form route, a bad status; an oversized body gets 413."""
    seen = Seen()
    app, ledger_url = make_app(tmp_path, seen, public_url=PUBLIC)
    no_sid = [p for p in inbound() if p[0] not in {"MessageSid", "SmsSid", "SmsMessageSid"}]
    bad_status = [("MessageSid", "SM" + "d" * 32), ("MessageStatus", "exploded")]
    json_body = b'{"MessageSid": "SM1"}'
    json_path = PATHS["messaging"] + "?bodySHA256=" + body_sha256(json_body)
    async with asgi_receiver(app) as client:
        missing = await client.post(
            PATHS["messaging"],
            content=urlencode(no_sid),
            headers=form_headers(sign(PUBLIC + PATHS["messaging"], dict(no_sid))),
        )
        as_json = await client.post(
            json_path,
            content=json_body,
            headers={
                "Content-Type": "application/json",
                "X-Twilio-Signature": sign(PUBLIC + json_path, {}),
            },
        )
        status = await client.post(
            PATHS["message_status"],
            content=urlencode(bad_status),
            headers=form_headers(sign(PUBLIC + PATHS["message_status"], dict(bad_status))),
        )
        huge = await client.post(
            PATHS["messaging"], content=b"Body=" + b"x" * 300_000, headers=form_headers("x")
        )
    assert (missing.status_code, as_json.status_code, status.status_code) == (400, 400, 400)
    assert missing.json()["error"]["field"] == "MessageSid"
    assert as_json.json()["error"]["field"] == "content-type"
    assert status.json()["error"]["field"] == "status"
    assert huge.status_code == 413
    assert seen.events == []
    await app.state.receiver.drain()
    async with reading(ledger_url) as ledger:
        codes = sorted(d.status_code or 0 for d in await ledger.webhook_deliveries())
    assert codes == [400, 400, 400]


async def test_without_validation_garbage_is_400_and_unsigned_requests_pass(
    tmp_path: Path,
) -> None:
    """With validation off (the emulator, a private network) an unsigned request is handled
    and recorded as unsigned; garbage still gets a 400, not a 500."""
    seen = Seen()
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    app = create_receiver_app(
        WebhookSettings(validate_signatures=False), url, recording_handlers(seen)
    )
    async with asgi_receiver(app) as client:
        ok = await client.post(
            PATHS["messaging"],
            content=urlencode(inbound()),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        garbage = await client.post(
            PATHS["messaging"],
            content=b"\xff\xfe not a form",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert (ok.status_code, garbage.status_code) == (200, 400)
    async with reading(url) as ledger:
        [delivery] = await ledger.webhook_deliveries(sid=inbound()[1][1])
    assert delivery.signature_valid is False


async def test_values_the_ledger_cannot_hold_are_400_not_500(tmp_path: Path) -> None:
    """A signed callback whose SID or error code does not fit the ledger is refused with 400."""
    seen = Seen()
    app, _ = make_app(tmp_path, seen, public_url=PUBLIC)
    long_sid = inbound(sid="SM" + "f" * 100)
    huge_code = [
        ("MessageSid", "SM" + "d" * 32),
        ("MessageStatus", "failed"),
        ("ErrorCode", "99999999999"),
    ]
    async with asgi_receiver(app) as client:
        answers = [
            await client.post(
                PATHS[path],
                content=urlencode(params),
                headers=form_headers(sign(PUBLIC + PATHS[path], dict(params))),
            )
            for path, params in (("messaging", long_sid), ("message_status", huge_code))
        ]
    assert [a.status_code for a in answers] == [400, 400]
    assert [a.json()["error"]["field"] for a in answers] == ["sid", "error_code"]
