"""With a base_url standing in for Twilio's hosts, each request names the host it meant."""

from __future__ import annotations

from dataclasses import dataclass

from twiliokit.http.policies import RetryPolicy, Timeout
from twiliokit.http.request import RequestSpec, prepare


@dataclass(frozen=True)
class Routing:
    region: str | None = None
    edge: str | None = None
    base_url: str | None = None


def _headers(spec: RequestSpec, routing: Routing) -> dict[str, str]:
    return dict(prepare(spec, routing, timeout=Timeout(), retry=RetryPolicy()).headers)


def test_base_url_requests_carry_the_product_host() -> None:
    """Each product's request says which *.twilio.com host it was for."""
    emulator = Routing(base_url="http://127.0.0.1:8787")
    assert _headers(RequestSpec("POST", "chat", "/v2/Services"), emulator) == {
        "X-Forwarded-Host": "chat.twilio.com"
    }
    assert _headers(RequestSpec("GET", "verify", "/v2/Services"), emulator) == {
        "X-Forwarded-Host": "verify.twilio.com"
    }
    by_url = RequestSpec("GET", "api", "https://lookups.twilio.com/v2/PhoneNumbers/+1")
    assert _headers(by_url, emulator) == {"X-Forwarded-Host": "lookups.twilio.com"}


def test_requests_to_twilio_itself_add_nothing() -> None:
    """Without a base_url the Host header already names the product."""
    assert _headers(RequestSpec("GET", "api", "/x.json"), Routing(region="ie1")) == {}


def test_a_header_the_caller_set_is_kept() -> None:
    """A spec that sets X-Forwarded-Host itself keeps its value, once."""
    spec = RequestSpec("GET", "api", "/x.json", headers=(("x-forwarded-host", "proxy.example"),))
    assert _headers(spec, Routing(base_url="http://127.0.0.1:1")) == {
        "x-forwarded-host": "proxy.example"
    }
