"""Routing: the base URL of each product, and which URLs may receive credentials."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from twiliokit.errors import ValidationError
from twiliokit.http.products import base_url, path_segment, resolve_url


@dataclass(frozen=True)
class Routing:
    region: str | None = None
    edge: str | None = None
    base_url: str | None = None


def test_each_product_has_its_own_host() -> None:
    """Without region or edge, each product is served from {product}.twilio.com."""
    assert base_url("api", Routing()) == "https://api.twilio.com"
    assert base_url("verify", Routing()) == "https://verify.twilio.com"
    assert base_url("content", Routing()) == "https://content.twilio.com"


def test_edge_and_region_shape_the_host_like_twilios_sdks() -> None:
    """Edge and region give {product}.{edge}.{region}.twilio.com; an edge alone implies us1."""
    assert base_url("api", Routing(region="ie1", edge="dublin")) == (
        "https://api.dublin.ie1.twilio.com"
    )
    assert base_url("lookups", Routing(edge="sydney")) == "https://lookups.sydney.us1.twilio.com"
    assert base_url("api", Routing(region="au1")) == "https://api.au1.twilio.com"


def test_base_url_replaces_every_product_host() -> None:
    """A connection base_url (the emulator) serves every product, whatever edge is set."""
    routing = Routing(base_url="http://127.0.0.1:8123/", edge="sydney")
    assert base_url("verify", routing) == "http://127.0.0.1:8123"
    assert resolve_url("api", "/2010-04-01/Accounts.json", routing)[0] == (
        "http://127.0.0.1:8123/2010-04-01/Accounts.json"
    )


def test_full_twilio_urls_are_rerouted_to_the_emulator() -> None:
    """An absolute *.twilio.com URL keeps its path and query but goes to the base URL."""
    routing = Routing(base_url="http://127.0.0.1:9")
    url, product = resolve_url("api", "https://verify.twilio.com/v2/Services?PageSize=5", routing)
    assert (url, product) == ("http://127.0.0.1:9/v2/Services?PageSize=5", "verify")


def test_full_twilio_urls_follow_the_connection_region() -> None:
    """An absolute next-page URL from Twilio goes through the connection's region and edge."""
    routing = Routing(region="ie1", edge="dublin")
    url, product = resolve_url("api", "https://verify.twilio.com/v2/Services", routing)
    assert (url, product) == ("https://verify.dublin.ie1.twilio.com/v2/Services", "verify")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/2010-04-01/Accounts.json",
        "https://api.twilio.com.evil.example/x",
        "https://eviltwilio.com/x",
        "https://user:pass@api.twilio.com/x",
        "ftp://api.twilio.com/x",
        "//api.twilio.com/x",
        "api.twilio.com/x",
    ],
)
def test_other_hosts_are_refused(url: str) -> None:
    """Credentials are never sent to a host outside twilio.com (or the configured base URL)."""
    with pytest.raises(ValidationError) as caught:
        resolve_url("api", url, Routing())
    assert caught.value.field == "path"


def test_urls_under_the_base_url_are_accepted_as_is() -> None:
    """An emulator's own absolute next-page URL is followed unchanged."""
    routing = Routing(base_url="http://127.0.0.1:8000")
    url = "http://127.0.0.1:8000/v2/Services?PageToken=PAx"
    assert resolve_url("verify", url, routing)[0] == url
    with pytest.raises(ValidationError):
        resolve_url("verify", "http://127.0.0.1:80001/v2/Services", routing)


def test_path_segments_cannot_escape_their_resource() -> None:
    """A SID with slashes is escaped, and '..' is refused, so no other resource is reached."""
    assert path_segment("sid", "SM1/../Calls") == "SM1%2F..%2FCalls"
    assert path_segment("phone_number", "+14155550100") == "%2B14155550100"
    with pytest.raises(ValidationError):
        path_segment("sid", "..")
    with pytest.raises(ValidationError) as caught:
        path_segment("sid", " ")
    assert caught.value.field == "sid"
