"""/metrics over real HTTP: Prometheus' text format behind the token (or public when asked),
and the figures move when a send, a webhook, a forged webhook and a duplicate happen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.acceptance.surfaces.conftest import service_settings
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.service import create_service_app
from twiliokit.serving import serve_in_thread
from twiliokit.webhooks import compute_signature

TOKEN = "metrics-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TO = "+14155552671"


@pytest.fixture
def serve(emulator: RunningEmulator, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``serve(metrics_public=...)``: the service with its receiver on a free port (SQLite
    ledger); returns its base URL."""
    with ExitStack() as stack:

        def start(**overrides: object) -> str:
            settings = service_settings(emulator, tmp_path / "ledger.db", TOKEN, **overrides)
            url: str = stack.enter_context(serve_in_thread(create_service_app(settings)))
            return url

        yield start


def scrape(url: str, headers: dict[str, str] | None = None) -> dict[tuple[str, str], float]:
    """Every sample of /metrics as {(name, sorted labels): value}."""
    response = httpx.get(f"{url}/metrics", headers=AUTH if headers is None else headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[(sample.name, labels)] = sample.value
    return samples


def test_metrics_need_the_token_unless_public(serve: Callable[..., str]) -> None:
    """/metrics answers 401 without the token; with metrics_public it needs none."""
    private = serve()
    assert httpx.get(f"{private}/metrics").status_code == 401
    assert scrape(private)  # with the token
    public = serve(metrics_public=True)
    assert scrape(public, headers={})


def test_sends_and_webhooks_move_the_metrics(
    serve: Callable[..., str], emulator: RunningEmulator
) -> None:
    """A send counts under its action, sender and outcome; a refused send as refused with
    Twilio's code counted; status callbacks as accepted webhooks with their latency; a forged
    webhook as a signature failure and a replayed one as a duplicate; the ledger's commits."""
    url = serve()
    send = f"{url}/v1/actions/send_sms"
    sent = httpx.post(
        send,
        json={"to": TO, "body": "hi", "status_callback": f"{url}/webhooks/twilio/message-status"},
        headers=AUTH,
    )
    assert sent.status_code == 200
    sender = sent.json()["from"]
    assert httpx.post(send, json={"to": "+15005550001", "body": "x"}, headers=AUTH).status_code == (
        502
    )
    emulator.control.advance(30)  # sending, sent, delivered: three signed callbacks

    path = "/webhooks/twilio/message-status"
    params = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "AccountSid": "AC1"}
    signature = compute_signature(f"{url}{path}", list(params.items()), emulator.auth_token)
    signed = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    body = urlencode(params)
    for _ in range(2):  # the second copy is a duplicate
        assert httpx.post(f"{url}{path}", content=body, headers=signed).status_code == 200
    forged = {**signed, "X-Twilio-Signature": "forged"}
    assert httpx.post(f"{url}{path}", content=body, headers=forged).status_code == 403

    samples = scrape(url)
    ok = ("twiliokit_actions_total", f"action=send_sms,outcome=ok,sender={sender}")
    assert samples[ok] == 1
    invalid_to = ("twiliokit_twilio_errors_total", "action=send_sms,code=21211")
    assert samples[invalid_to] == 1
    assert samples[("twiliokit_actions_total", "action=send_sms,outcome=twilio_error,sender=-")]
    webhooks = "twiliokit_webhooks_total"
    assert samples[(webhooks, "kind=message_status,result=accepted")] == 4  # 3 + the first copy
    assert samples[(webhooks, "kind=message_status,result=duplicate")] == 1
    assert samples[(webhooks, "kind=message_status,result=signature_failure")] == 1
    assert samples[("twiliokit_webhook_seconds_count", "kind=message_status")] == 6
    assert samples[("twiliokit_twilio_call_seconds_count", "action=send_sms")] == 2
    assert samples[("twiliokit_ledger_write_seconds_count", "")] >= 1
    assert samples[("twiliokit_ledger_group_size_sum", "")] >= 5  # the send and the webhooks
