"""X-Twilio-Signature: Twilio's known answers, agreement with the official SDK, and refusals."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from twiliokit.webhooks.signature import (
    body_sha256,
    compute_signature,
    explain_signature_failure,
    hmac_digest,
    url_variants,
    validate_signature,
)

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
JSON_BODY = b'{"property": "value", "boolean": true}'
JSON_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
JSON_URL = f"{URL}&bodySHA256={JSON_HASH}"


class MultiParams:
    """What the SDK expects for repeated names: iterable names plus ``getall`` (aiohttp style)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Iterator[str]:
        return iter({name for name, _ in self.pairs})

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def getall(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]


@pytest.mark.parametrize(
    ("url", "params", "expected"),
    [
        (URL, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w="),
        ("http://mycompany.com:80/myapp.php?foo=1&bar=2", PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4="),
        (
            URL,
            [
                ("Sid", "CA123"),
                ("SidAccount", "AC123"),
                ("Digits", "5678"),
                ("Digits", "1234"),
                ("Digits", "1234"),
            ],
            "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
        ),
        (JSON_URL, [], "a9nBmqA0ju/hNViExpshrM61xv4="),
    ],
)
def test_known_answer_vectors(url: str, params: Any, expected: str) -> None:
    """Signatures match twilio-python's published test vectors exactly."""
    assert compute_signature(url, params, TOKEN) == expected


def test_body_hash_known_answer() -> None:
    """bodySHA256 is the lower-case hex SHA-256 Twilio puts in JSON webhooks' URLs."""
    assert body_sha256(JSON_BODY) == JSON_HASH


def test_repeated_values_as_mapping_equal_pairs() -> None:
    """A mapping of lists signs the same as the equivalent pairs (repeats de-duplicated)."""
    mapping = {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234", "1234"]}
    assert compute_signature(URL, mapping, TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_multidict_getlist_keeps_repeated_values() -> None:
    """A framework multi-dict (getlist) keeps every value of a repeated name, as the SDK does."""

    class FormData(dict[str, str]):
        def getlist(self, name: str) -> list[str]:
            return ["5678", "1234"] if name == "Digits" else [self[name]]

    form = FormData(Sid="CA123", SidAccount="AC123", Digits="5678")
    assert compute_signature(URL, form, TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize(
    "received",
    [URL, "https://mycompany.com:443/myapp.php?foo=1&bar=2"],
)
@pytest.mark.parametrize(
    "signature", ["RSOYDt4T1cUTdK1PDd93/VVr8B8=", "kvajT1Ptam85bY51eRf/AJRuM3w="]
)
def test_port_variants_validate(received: str, signature: str) -> None:
    """A signature made with or without :443 validates whichever form the server saw."""
    assert validate_signature(url=received, params=PARAMS, signature=signature, auth_token=TOKEN)


def test_json_body_validates_with_raw_bytes() -> None:
    """A JSON webhook validates when the raw body hashes to bodySHA256."""
    assert validate_signature(
        url=JSON_URL,
        params=None,
        signature="a9nBmqA0ju/hNViExpshrM61xv4=",
        auth_token=TOKEN,
        body=JSON_BODY,
    )


@pytest.mark.parametrize(
    "body",
    [None, JSON_BODY + b" ", json.dumps(json.loads(JSON_BODY)).encode().replace(b" ", b"")],
)
def test_json_body_missing_or_altered_is_refused(body: bytes | None) -> None:
    """With bodySHA256 in the URL, a missing or re-serialised body fails though the URL matches."""
    assert not validate_signature(
        url=JSON_URL,
        params=None,
        signature="a9nBmqA0ju/hNViExpshrM61xv4=",
        auth_token=TOKEN,
        body=body,
    )


def test_form_body_must_match_params() -> None:
    """A raw form body is accepted only when it is what the signed params say."""
    signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    good = urlencode(PARAMS).encode()
    forged = urlencode({**PARAMS, "Body": "send money"}).encode()
    check: dict[str, Any] = {
        "url": URL,
        "params": PARAMS,
        "signature": signature,
        "auth_token": TOKEN,
    }
    assert validate_signature(**check, body=good)
    assert not validate_signature(**check, body=forged)
    assert not validate_signature(**check, body=b"\xff\xfe")


def test_json_body_without_body_hash_is_refused() -> None:
    """A JSON body on a URL without bodySHA256 is not covered by the signature: refused."""
    signature = compute_signature(URL, [], TOKEN)
    assert validate_signature(url=URL, params=None, signature=signature, auth_token=TOKEN)
    assert not validate_signature(
        url=URL, params=None, signature=signature, auth_token=TOKEN, body=JSON_BODY
    )


def test_sha256_matches_official_sdk() -> None:
    """HMAC-SHA256 signatures (SharedKey webhooks) equal the SDK's and validate only as sha256."""
    sdk = RequestValidator(TOKEN).compute_signature(URL, PARAMS, "HMAC_SHA256")
    assert compute_signature(URL, PARAMS, TOKEN, algorithm="sha256") == sdk
    check: dict[str, Any] = {"url": URL, "params": PARAMS, "signature": sdk, "auth_token": TOKEN}
    assert validate_signature(**check, algorithm="sha256")
    assert not validate_signature(**check)


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"signature": None},
        {"signature": ""},
        {"signature": "not base64 at all é"},
        {"signature": "\ud800"},
        {"signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8"},
        {"auth_token": ""},
        {"auth_token": "54321"},
        {"params": [("CallSid",)]},
        {"params": {"CallSid": 5}},
        {"params": [("Body", "\udcff")]},
        {"params": 42},
        {"url": None},
        {"url": "http://[::1"},
        {"algorithm": "md5"},
        {"body": "a str, not bytes"},
    ],
)
def test_malformed_input_returns_false(kwargs: dict[str, Any]) -> None:
    """Missing, forged or garbage input gives False, never an exception."""
    check: dict[str, Any] = {
        "url": URL,
        "params": PARAMS,
        "signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
        "auth_token": TOKEN,
    }
    assert validate_signature(**{**check, **kwargs}) is False
    assert explain_signature_failure(**{**check, **kwargs})


@given(st.text(max_size=40))
def test_forged_signatures_are_refused(signature: str) -> None:
    """Any signature other than the right one is refused without raising."""
    expected = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    result = validate_signature(url=URL, params=PARAMS, signature=signature, auth_token=TOKEN)
    assert result is (signature in {expected, "kvajT1Ptam85bY51eRf/AJRuM3w="})


texts = st.text(st.characters(codec="utf-8"), max_size=12)
pairs = st.lists(
    st.tuples(st.sampled_from(["Body", "From", "To", "a", "é", "MediaUrl0"]) | texts, texts),
    max_size=8,
)
bases = st.sampled_from(
    [
        "https://example.com/sms",
        "https://example.com:443/sms?x=1&y=%20",
        "http://example.com/voice?Caller=%2B1415",
        "http://Example.COM:8080/a/b",
        "https://example.com:8443/hook",
    ]
)


@given(
    url=bases, params=pairs, token=st.text(st.characters(codec="utf-8"), min_size=1, max_size=20)
)
def test_signature_equals_official_sdk(url: str, params: list[tuple[str, str]], token: str) -> None:
    """For any params (repeated names, unicode) our signature is the official SDK's."""
    sdk = RequestValidator(token).compute_signature(url, MultiParams(params))
    assert compute_signature(url, params, token) == sdk


@given(signed=bases, received_index=st.integers(0, 2), params=pairs)
def test_validation_agrees_with_official_sdk(
    signed: str, received_index: int, params: list[tuple[str, str]]
) -> None:
    """Whichever port variant was signed and whichever was received, our verdict is the SDK's."""
    variants = url_variants(signed)
    received = variants[received_index % len(variants)]
    signature = RequestValidator(TOKEN).compute_signature(signed, MultiParams(params))
    sdk = RequestValidator(TOKEN).validate(received, MultiParams(params), signature)
    ours = validate_signature(url=received, params=params, signature=signature, auth_token=TOKEN)
    assert ours is sdk


@given(body=st.binary(max_size=64), tamper=st.booleans())
def test_json_validation_agrees_with_official_sdk(body: bytes, tamper: bool) -> None:
    """For JSON webhooks our verdict on the raw body is the SDK's (body as text for the SDK)."""
    text = body.decode("utf-8", errors="replace")
    url = f"{URL}&bodySHA256={body_sha256(text.encode())}"
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    sent = text + ("!" if tamper else "")
    sdk = RequestValidator(TOKEN).validate(url, sent, signature)
    ours = validate_signature(
        url=url, params=None, signature=signature, auth_token=TOKEN, body=sent.encode()
    )
    assert ours is sdk is (not tamper)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://example.com/a?b=1",
            ("https://example.com/a?b=1", "https://example.com:443/a?b=1"),
        ),
        ("http://example.com/a", ("http://example.com/a", "http://example.com:80/a")),
        ("https://Example.com:8443/a", ("https://Example.com:8443/a", "https://Example.com/a")),
        (
            "https://u:p@example.com/a",
            ("https://u:p@example.com/a", "https://u:p@example.com:443/a"),
        ),
        ("http://[::1]:8080/a", ("http://[::1]:8080/a", "http://[::1]/a")),
        ("ftp://example.com/a", ("ftp://example.com/a",)),
        ("not a url", ("not a url",)),
    ],
)
def test_url_variants(url: str, expected: tuple[str, ...]) -> None:
    """Variants add the default port or drop the port, keeping host case and credentials."""
    assert url_variants(url) == expected


def test_explain_is_empty_when_valid() -> None:
    """A request that validates has nothing to explain."""
    assert not explain_signature_failure(
        url=URL, params=PARAMS, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=", auth_token=TOKEN
    )


def test_explain_missing_header() -> None:
    """No signature header is named as such."""
    reasons = explain_signature_failure(url=URL, params=PARAMS, signature=None, auth_token=TOKEN)
    assert reasons[0].startswith("no X-Twilio-Signature header")


def test_explain_proxy_scheme() -> None:
    """An https signature checked against the http URL a proxy forwarded points at the proxy."""
    reasons = explain_signature_failure(
        url=URL.replace("https", "http"),
        params=PARAMS,
        signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=",
        auth_token=TOKEN,
    )
    assert reasons == [
        "it matches https://mycompany.com/myapp.php?…: the request was signed for the public "
        "https URL; set --public-url or trust X-Forwarded-Proto from your proxy"
    ]


def test_explain_candidate_public_url() -> None:
    """A configured public URL that matches names the forwarded-host fix."""
    public = "https://hooks.example.com/sms"
    signature = compute_signature(public, PARAMS, TOKEN)
    reasons = explain_signature_failure(
        url="http://10.0.0.5:8000/sms",
        params=PARAMS,
        signature=signature,
        auth_token=TOKEN,
        candidate_urls=[public],
    )
    assert len(reasons) == 1
    assert "X-Forwarded-Proto and X-Forwarded-Host" in reasons[0]
    assert "https://hooks.example.com" in reasons[0]


def test_explain_wrong_token_never_leaks_secrets() -> None:
    """A wrong token says so, without the token, a signature or the query string."""
    reasons = explain_signature_failure(
        url=URL, params=PARAMS, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=", auth_token="s3cr3t"
    )
    assert len(reasons) == 1
    assert reasons[0].startswith("no URL variant matches")
    assert "auth token is wrong" in reasons[0]
    for secret in ("s3cr3t", compute_signature(URL, PARAMS, "s3cr3t"), "foo=1"):
        assert secret not in reasons[0]


def test_explain_other_algorithm() -> None:
    """A SHA-256 signature checked as SHA-1 says which algorithm to pass."""
    signature = compute_signature(URL, PARAMS, TOKEN, algorithm="sha256")
    reasons = explain_signature_failure(
        url=URL, params=PARAMS, signature=signature, auth_token=TOKEN
    )
    assert reasons == [
        "the signature is HMAC-SHA256, not HMAC-SHA1: pass algorithm='sha256' (the "
        "X-Twilio-Webhooks-Signature-Settings header names it)"
    ]


def test_explain_get_with_params() -> None:
    """Passing a GET request's query parameters as params is pointed out."""
    signature = compute_signature(URL, [], TOKEN)
    reasons = explain_signature_failure(
        url=URL, params={"foo": "1", "bar": "2"}, signature=signature, auth_token=TOKEN
    )
    assert reasons[0].startswith("it matches with no params")


def test_explain_body_problems() -> None:
    """Body problems are named: missing raw body, hash mismatch, JSON without bodySHA256."""
    signature = "a9nBmqA0ju/hNViExpshrM61xv4="
    missing = explain_signature_failure(
        url=JSON_URL, params=None, signature=signature, auth_token=TOKEN
    )
    assert missing == [
        "the URL has bodySHA256 (a JSON webhook) but no body was given: pass the raw request "
        "bytes, not parsed JSON"
    ]
    altered = explain_signature_failure(
        url=JSON_URL, params=None, signature=signature, auth_token=TOKEN, body=b"{}"
    )
    assert altered[0].startswith("the body does not hash to the URL's bodySHA256")
    stripped = explain_signature_failure(
        url=URL, params=None, signature=signature, auth_token=TOKEN, body=JSON_BODY
    )
    assert stripped[0].startswith("the body is JSON but the URL has no bodySHA256")


def test_explain_garbled_signature_and_fragment() -> None:
    """A header that is not a digest, and a URL #fragment, are each called out."""
    garbled = explain_signature_failure(url=URL, params=PARAMS, signature="%%%", auth_token=TOKEN)
    assert garbled[0].startswith("the signature is not a base64 HMAC-SHA1 digest")
    fragment = explain_signature_failure(
        url=URL + "#rc=2", params=PARAMS, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=", auth_token=TOKEN
    )
    assert fragment == ["the URL has a #fragment, which Twilio never sends or signs: drop it"]


@given(
    key=st.text(max_size=200),
    payload=st.text(max_size=3000),
    algorithm=st.sampled_from(["sha1", "sha256"]),
)
def test_keyed_digest_is_the_standard_hmac(key: str, payload: str, algorithm: str) -> None:
    """The precomputed-pad HMAC equals the stdlib's for any key (longer than a block too)."""
    expected = hmac.new(key.encode(), payload.encode(), algorithm).digest()
    assert hmac_digest(key, payload, algorithm) == expected
