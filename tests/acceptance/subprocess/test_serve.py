"""`twiliokit serve` configured only by environment variables (TWILIOKIT_PUBLIC_URL,
TWILIOKIT_DATABASE_URL, TWILIOKIT_API_TOKEN), on a free port, over real sockets; and the CLI
refusing a recipient whose STOP that server recorded in the shared ledger."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.acceptance.subprocess.conftest import User, emulator_messages
from tests.helpers.ledger import read_ledger
from tests.helpers.worker_apps import stop
from twiliokit.cli.output import EXIT_REFUSED
from twiliokit.emulator.products.messaging_store import MessagingStore

# Several cold starts of the command each: generous on a loaded two-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PUBLIC_URL = "https://agent.invalid"
API_TOKEN = "subprocess-layer-token-0123456789"
CUSTOMER = "+14155552671"
LEAVER = "+14155552672"
_SERVICE_URL = re.compile(r"(http://127\.0\.0\.1:\d+)/v1/actions")


@contextlib.contextmanager
def serving(user: User) -> Iterator[str]:
    """`twiliokit serve --port 0` with the user's environment; yields its URL once it is ready
    (the URL read from what it prints, as a user reads it)."""
    env = {**user.env, "TWILIOKIT_PUBLIC_URL": PUBLIC_URL, "TWILIOKIT_API_TOKEN": API_TOKEN}
    with (user.home / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [str(user.executable), "serve", "--port", "0"],
            env=env,
            cwd=user.home,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            assert process.stdout is not None
            url = None
            for line in process.stdout:  # ends when serve exits
                found = _SERVICE_URL.search(line)
                if found:
                    url = found.group(1)
                    break
            assert url is not None, (user.home / "serve.log").read_text()
            yield url
        finally:
            stop(process)


def _signed_stop(user: User) -> tuple[dict[str, str], str]:
    """An inbound STOP from LEAVER as Twilio posts it to the public URL, and its signature."""
    form = {
        "MessageSid": "SM" + "5" * 32,
        "AccountSid": user.emulator.account_sid,
        "From": LEAVER,
        "To": user.emulator.phone_number,
        "Body": "STOP",
        "NumMedia": "0",
    }
    validator = RequestValidator(user.emulator.auth_token)
    signature = validator.compute_signature(f"{PUBLIC_URL}/webhooks/twilio/messaging", form)
    return form, signature


def test_serve_from_environment_variables(user: User) -> None:
    """Token guards the API, sends get the public URL's callback, a signed STOP stops CLI sends."""
    with serving(user) as url, httpx.Client(base_url=url, timeout=30) as http:
        body: dict[str, Any] = {"to": CUSTOMER, "body": "Your order shipped"}
        assert http.post("/v1/actions/send_sms", json=body).status_code == 401
        wrong = {"Authorization": "Bearer not-the-token-at-all"}
        assert http.post("/v1/actions/send_sms", json=body, headers=wrong).status_code == 401
        auth = {"Authorization": f"Bearer {API_TOKEN}"}
        answer = http.post("/v1/actions/send_sms", json=body, headers=auth)
        assert answer.status_code == 200, answer.text
        sid = answer.json()["sid"]

        form, signature = _signed_stop(user)
        webhook = "/webhooks/twilio/messaging"
        forged = http.post(webhook, data=form, headers={"X-Twilio-Signature": "bm90IGl0"})
        assert forged.status_code == 403
        stopped = http.post(webhook, data=form, headers={"X-Twilio-Signature": signature})
        assert stopped.status_code == 200, stopped.text

        refused = user("sms", "send", LEAVER, "Come back!", "--json")
    assert refused.returncode == EXIT_REFUSED, refused.stderr
    assert json.loads(refused.stdout)["error"]["type"] == "opted_out"
    assert [m["to"] for m in emulator_messages(user.emulator)] == [CUSTOMER]
    [message] = user.emulator.state.store(MessagingStore).newest_first(user.emulator.account_sid)
    assert message.status_callback == f"{PUBLIC_URL}/webhooks/twilio/message-status"
    record = read_ledger(user.ledger_url, lambda ledger: ledger.get_message(sid))
    assert record is not None
    assert record.body == "Your order shipped"
