"""The port rule of docs/webhooks.md, over a real socket on a non-default port: a signature
over the URL with that port, or without any port, passes (Twilio has signed both ways, and
its SDK accepts both); one over another port, or over the default port, is refused. Each
verdict is also the official SDK's."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.integration.webhooks.conftest import TOKEN, ServeReceiver
from tests.integration.webhooks.test_signatures import form_headers, inbound
from twiliokit.webhooks.receiver import PATHS


@pytest.mark.parametrize(
    ("signed_port", "accepted"),
    [
        ("same", True),  # http://127.0.0.1:PORT/...
        ("none", True),  # http://127.0.0.1/...: Twilio has signed without the port
        ("other", False),  # http://127.0.0.1:PORT+1/...
        ("default", False),  # http://127.0.0.1:80/...
    ],
)
def test_a_non_default_port_may_be_left_out_but_not_changed(
    serve_receiver: ServeReceiver, signed_port: str, accepted: bool
) -> None:
    """On a non-default port the signed URL may carry that port or none, never another one;
    the receiver's verdict (200 or 403) is the SDK validator's."""
    receiver = serve_receiver(auth_token=TOKEN)
    url = receiver.url("messaging")
    port = int(url.split(":")[2].split("/")[0])
    signed_host = {
        "same": f"127.0.0.1:{port}",
        "none": "127.0.0.1",
        "other": f"127.0.0.1:{port + 1}",
        "default": "127.0.0.1:80",
    }[signed_port]
    signed_url = f"http://{signed_host}{PATHS['messaging']}"
    params = inbound()
    signature = RequestValidator(TOKEN).compute_signature(signed_url, dict(params))
    answer = httpx.post(url, content=urlencode(params), headers=form_headers(signature))
    assert answer.status_code == (200 if accepted else 403), answer.text
    assert RequestValidator(TOKEN).validate(url, dict(params), signature) is accepted
