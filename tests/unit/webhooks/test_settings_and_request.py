"""WebhookSettings' secure defaults, and the pure request normalisation: the URL Twilio
signed (public URL, trusted proxies only), form parsing, and signature checks."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from twiliokit.errors import ConfigurationError, ValidationError
from twiliokit.redaction import shown_url
from twiliokit.webhooks.request import (
    RawRequest,
    check_signature,
    parse_form,
    signed_url,
)
from twiliokit.webhooks.settings import WebhookSettings, settings_from_section

TOKEN = "12345678901234567890123456789012"
PATH = "/webhooks/twilio/messaging"


def request(
    *,
    peer: str | None = "10.0.0.7",
    headers: dict[str, str] | None = None,
    scheme: str = "http",
    query: str = "",
    body: bytes = b"",
) -> RawRequest:
    base = {"host": "internal:8080"}
    return RawRequest(
        method="POST",
        scheme=scheme,
        path=PATH,
        query=query,
        headers={**base, **(headers or {})},
        peer=peer,
        body=body,
    )


def test_signature_checking_needs_an_auth_token_by_default() -> None:
    """Settings that would check signatures without a token cannot be built; the error says
    Twilio signs with the auth token even when REST uses an API key."""
    with pytest.raises(ConfigurationError) as caught:
        WebhookSettings()
    assert caught.value.field == "auth_token"
    assert "API key" in (caught.value.hint or "")
    assert WebhookSettings(validate_signatures=False).validate_signatures is False


def test_the_auth_token_never_shows_in_repr() -> None:
    """repr(settings) leaves the token out."""
    assert TOKEN not in repr(WebhookSettings(auth_token=TOKEN))


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://abc.ngrok.app/", "https://abc.ngrok.app"),
        ("https://Example.com:8443/twilio/", "https://Example.com:8443/twilio"),
    ],
)
def test_public_urls_are_normalised_but_keep_their_host_case(given: str, stored: str) -> None:
    """A trailing slash is dropped; the host keeps its case (Twilio signs it as configured)."""
    assert WebhookSettings(auth_token=TOKEN, public_url=given).public_url == stored


@pytest.mark.parametrize(
    "bad", ["ftp://x.example", "https://x.example/?a=1", "https://u:p@x.example", "not a url"]
)
def test_unusable_public_urls_are_refused(bad: str) -> None:
    """Non-http(s), query strings, credentials and junk are refused, naming public_url."""
    with pytest.raises(ConfigurationError) as caught:
        WebhookSettings(auth_token=TOKEN, public_url=bad)
    assert caught.value.field == "public_url"


def test_trusted_proxies_take_addresses_and_networks() -> None:
    """IPs and CIDRs are accepted (a lone string is one proxy); junk is refused."""
    settings = WebhookSettings(auth_token=TOKEN, trusted_proxies=("10.0.0.0/8", "::1"))
    assert settings.is_trusted_proxy("10.9.8.7")
    assert settings.is_trusted_proxy("::1")
    assert not settings.is_trusted_proxy("11.0.0.1")
    assert not settings.is_trusted_proxy(None)
    assert WebhookSettings(auth_token=TOKEN, trusted_proxies="127.0.0.1").is_trusted_proxy(
        "127.0.0.1"
    )
    with pytest.raises(ConfigurationError, match="not an IP address"):
        WebhookSettings(auth_token=TOKEN, trusted_proxies=("localhost",))


def test_the_config_table_is_checked_key_by_key() -> None:
    """Known keys come back (lists as tuples); unknown or mistyped keys name themselves."""
    assert settings_from_section({"trusted_proxies": ["10.0.0.1"], "reply_timeout": 5}) == {
        "trusted_proxies": ("10.0.0.1",),
        "reply_timeout": 5,
    }
    with pytest.raises(ConfigurationError) as unknown:
        settings_from_section({"public_ur": "https://x"})
    assert unknown.value.field == "webhooks.public_ur"
    with pytest.raises(ConfigurationError) as mistyped:
        settings_from_section({"validate_signatures": "no"})
    assert mistyped.value.field == "webhooks.validate_signatures"


def test_the_public_url_wins_over_everything() -> None:
    """With public_url, the signed URL is it plus the path and query as received."""
    settings = WebhookSettings(auth_token=TOKEN, public_url="https://a.example/tw")
    raw = request(query="x=1%202", headers={"x-forwarded-host": "evil.example"})
    assert signed_url(raw, settings) == "https://a.example/tw" + PATH + "?x=1%202"


def test_forwarded_headers_count_only_from_trusted_proxies() -> None:
    """X-Forwarded-Proto/Host/Port rebuild the URL for a trusted peer and are ignored for any
    other."""
    headers = {
        "x-forwarded-proto": "https",
        "x-forwarded-host": "a.example",
        "x-forwarded-port": "8443",
    }
    trusted = WebhookSettings(auth_token=TOKEN, trusted_proxies=("10.0.0.0/8",))
    assert signed_url(request(headers=headers), trusted) == "https://a.example:8443" + PATH
    assert signed_url(request(headers=headers, peer="192.0.2.1"), trusted) == (
        "http://internal:8080" + PATH
    )


def test_a_forwarded_proto_alone_drops_the_internal_port() -> None:
    """Only X-Forwarded-Proto: the Host's internal port is not part of the public URL."""
    trusted = WebhookSettings(auth_token=TOKEN, trusted_proxies=("10.0.0.7",))
    raw = request(headers={"x-forwarded-proto": "https"})
    assert signed_url(raw, trusted) == "https://internal" + PATH


def test_junk_forwarded_values_are_ignored() -> None:
    """A forwarded host with a path or a bad scheme is not used."""
    trusted = WebhookSettings(auth_token=TOKEN, trusted_proxies=("10.0.0.7",))
    for headers in ({"x-forwarded-host": "a.example/evil"}, {"x-forwarded-proto": "gopher"}):
        assert signed_url(request(headers=headers), trusted) == "http://internal:8080" + PATH


def test_form_bodies_keep_repeats_and_decode_values() -> None:
    """Repeated names stay, + and %XX decode, empty values stay."""
    assert parse_form(b"Digits=1&Digits=2&To=%2B1415&Body=a+b&Empty=") == (
        ("Digits", "1"),
        ("Digits", "2"),
        ("To", "+1415"),
        ("Body", "a b"),
        ("Empty", ""),
    )
    assert parse_form(b"") == ()


_FORM_PIECES = st.sampled_from(
    ["a", "Z", "0", "é", "€", "+", "%", "%2B", "%2b", "%zz", "%e2%82%ac", "%C3", "%4", "="]
)


@given(st.lists(st.tuples(st.lists(_FORM_PIECES), st.lists(_FORM_PIECES)), max_size=5))
def test_form_bodies_decode_exactly_as_the_standard_library_does(
    fields: list[tuple[list[str], list[str]]],
) -> None:
    """Escapes, "+", invalid escapes and UTF-8 decode as parse_qsl decodes them (or are
    refused as not form data where parse_qsl's strict decoding fails)."""
    body = "&".join(
        "".join(name) + "=" + "".join(value).replace("=", "%3D") for name, value in fields
    )
    try:
        expected = tuple(parse_qsl(body, keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        with pytest.raises(ValidationError):
            parse_form(body.encode())
        return
    assert parse_form(body.encode()) == expected


@pytest.mark.parametrize("junk", [b"\xff\xfe", b"just words", b"a=%ff"])
def test_non_form_bodies_are_a_validation_error(junk: bytes) -> None:
    """Non-UTF-8, non-form and badly escaped bodies raise ValidationError naming the body."""
    with pytest.raises(ValidationError) as caught:
        parse_form(junk)
    assert caught.value.field == "body"


def test_check_signature_accepts_the_sdk_and_explains_a_refusal() -> None:
    """A signature from the SDK passes; a proxy mistake is explained, naming the public URL."""
    params = (("Body", "hi"), ("MessageSid", "SM1"))
    public = "https://a.example" + PATH
    signature = RequestValidator(TOKEN).compute_signature(public, dict(params))
    body = urlencode(params).encode()
    raw = request(headers={"x-twilio-signature": signature}, body=body)
    good = WebhookSettings(auth_token=TOKEN, public_url="https://a.example")
    assert check_signature(raw, good, params=params).valid
    naive = WebhookSettings(auth_token=TOKEN)
    refused = check_signature(
        request(
            headers={
                "x-twilio-signature": signature,
                "x-forwarded-proto": "https",
                "x-forwarded-host": "a.example",
            },
            body=body,
        ),
        naive,
        params=params,
    )
    assert not refused.valid
    assert refused.url == "http://internal:8080" + PATH
    text = " ".join(refused.reasons)
    assert "https://a.example" in text
    assert "not a trusted proxy" in text
    assert "hi" not in text.split()


def test_shown_urls_hide_the_query_and_credentials() -> None:
    """Logged URLs never carry the query string (phone numbers) or user:password."""
    assert shown_url("https://u:p@a.example/x?From=%2B1415") == "https://a.example/x?…"
