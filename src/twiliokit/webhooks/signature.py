"""``X-Twilio-Signature``: compute it, check it, and say why a check failed.

Twilio signs ``url + name1 + value1 + name2 + value2 ...`` (form parameters sorted by name; the
distinct values of a repeated name sorted, as the official SDKs do) with HMAC-SHA1 keyed by the
account's primary auth token, base64-encoded. JSON-bodied webhooks carry
``bodySHA256=<hex SHA-256 of the raw body>`` in the URL, and only the URL is signed.

Everything here is pure: typed input, ``bool`` out, constant-time comparison; the checks never
raise on malformed input and never log (bodies carry phone numbers and message text). The
middleware that reads requests and calls these lives elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final, Literal, TypeAlias
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

__all__ = [
    "Algorithm",
    "SignedParams",
    "body_sha256",
    "compute_signature",
    "explain_signature_failure",
    "hmac_digest",
    "url_variants",
    "validate_signature",
]

if TYPE_CHECKING:
    from hashlib import _Hash

Algorithm = Literal["sha1", "sha256"]
#: Decoded form parameters: ``(name, value)`` pairs (repeats allowed), or a mapping of names to
#: a value or a sequence of values. Multi-dicts (Starlette, Werkzeug, Django, aiohttp) keep
#: their repeated values: their ``getlist``/``getall`` is used, as the official SDK does.
SignedParams: TypeAlias = Iterable[tuple[str, str]] | Mapping[str, str | Sequence[str]]

_DIGEST_SIZES: Final = {"sha1": 20, "sha256": 32}
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_BODY_HASH: Final = "bodySHA256"
# What malformed input (wrong types, bad URLs, lone surrogates) raises; the checks turn these
# into a refusal instead of a traceback.
_MALFORMED: Final = (TypeError, ValueError, UnicodeError, AttributeError)

_Grouped: TypeAlias = dict[str, set[str]]


def compute_signature(
    url: str, params: SignedParams, auth_token: str, *, algorithm: Algorithm = "sha1"
) -> str:
    """The ``X-Twilio-Signature`` Twilio sends for this URL and these form parameters."""
    return _sign(url, _group(params), auth_token, algorithm)


def body_sha256(body: bytes) -> str:
    """Lower-case hex SHA-256 of a raw body: the ``bodySHA256`` value Twilio puts in the URL."""
    return hashlib.sha256(body).hexdigest()


def url_variants(url: str) -> tuple[str, ...]:
    """The URL as given, with the scheme's default port added, and without any port.

    Twilio signs some requests with the port and some without, on default and non-default
    ports alike (twilio-python #392 and #402, twilio-node #411), so the official SDKs accept
    both, and so does twiliokit: a request received on ``:18080`` passes with a signature
    over the URL with ``:18080`` or with no port, never with another port. The port is not
    what a signature protects: it still binds the scheme, host, path, query and parameters.
    A URL that is not http(s) or does not parse is returned alone.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return (url,)
    if not parts.hostname or parts.scheme not in _DEFAULT_PORTS:
        return (url,)
    # Cut the port from the netloc as text: hostname would lower-case the host, and Twilio
    # signs the host as configured (twilio-node#924).
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if port is not None or hostport.endswith(":"):
        hostport = hostport.rpartition(":")[0]
    bare = userinfo + at + hostport
    with_port = f"{bare}:{port or _DEFAULT_PORTS[parts.scheme]}"
    variants = (
        url,
        urlunsplit(parts._replace(netloc=with_port)),
        urlunsplit(parts._replace(netloc=bare)),
    )
    return tuple(dict.fromkeys(variants))


def validate_signature(
    *,
    url: str,
    params: SignedParams | None,
    signature: str | None,
    auth_token: str,
    body: bytes | None = None,
    algorithm: Algorithm = "sha1",
) -> bool:
    """Whether ``signature`` proves Twilio sent this request. Never raises.

    ``url`` is the full URL Twilio requested (scheme, host, path and query as received);
    ``params`` the decoded form fields (none for GET, whose query is in the URL). When the URL
    has ``bodySHA256``, ``body`` (the raw bytes) is required and must hash to it, and ``params``
    are ignored (Twilio signs the URL alone). When ``body`` is given without ``bodySHA256``, it
    must be the form encoding of ``params``: a body the signature does not cover is refused.
    """
    try:
        if _unusable(signature, auth_token, algorithm) or not isinstance(url, str):
            return False
        grouped, body_problem = _signed_params(url, params, body)
        if body_problem is not None:
            return False
        assert signature is not None  # checked by _unusable
        return _matching(url_variants(url), grouped, signature, auth_token, algorithm) is not None
    except _MALFORMED:
        return False


def explain_signature_failure(
    *,
    url: str,
    params: SignedParams | None,
    signature: str | None,
    auth_token: str,
    body: bytes | None = None,
    algorithm: Algorithm = "sha1",
    candidate_urls: Sequence[str] = (),
) -> list[str]:
    """Why :func:`validate_signature` refuses this request, for people; empty when it accepts.

    Besides the URL's port variants it tries the other scheme (http/https), the other
    algorithm and ``candidate_urls`` (such as the configured public URL), to tell a proxy
    problem from a wrong auth token. Reasons never contain the auth token, a computed
    signature or a query string.
    """
    problem = _unusable(signature, auth_token, algorithm)
    if problem is not None:
        return [problem]
    assert signature is not None  # checked by _unusable
    try:
        return _explain(url, params, signature, auth_token, body, algorithm, candidate_urls)
    except _MALFORMED:
        return ["the URL, parameters or signature are malformed (not text, or not UTF-8)"]


def _sign(url: str, grouped: _Grouped, auth_token: str, algorithm: str) -> str:
    payload = url + "".join(
        name + value for name in sorted(grouped) for value in sorted(grouped[name])
    )
    return base64.b64encode(hmac_digest(auth_token, payload, algorithm)).decode("ascii")


def hmac_digest(key: str, payload: str, algorithm: str = "sha1") -> bytes:
    """HMAC of ``payload`` keyed by ``key`` (RFC 2104), from the key's padded hash states.

    By hand on purpose, as the stdlib's own pure-Python path does it: OpenSSL 3's one-shot HMAC
    (behind ``hmac.digest`` and ``hmac.new``) looks the algorithm up on every call and lets go
    of the interpreter lock while it runs, so on a receiver's event loop each webhook handed the
    lock to the ledger's writer thread mid-request. Copying two precomputed states costs half
    the CPU and keeps the lock (measured on the 2-core dev machine: 2.2 against 4.6 µs).
    """
    inner, outer = _pads(key, algorithm)
    inner = inner.copy()
    inner.update(payload.encode())
    outer = outer.copy()
    outer.update(inner.digest())
    digest: bytes = outer.digest()
    return digest


@functools.lru_cache(maxsize=16)
def _pads(key: str, algorithm: str) -> tuple[_Hash, _Hash]:
    """The hash states after absorbing the key XOR ipad and XOR opad (RFC 2104)."""
    raw = key.encode()
    block = hashlib.new(algorithm).block_size
    if len(raw) > block:
        raw = hashlib.new(algorithm, raw).digest()
    raw = raw.ljust(block, b"\0")
    return (
        hashlib.new(algorithm, bytes(b ^ 0x36 for b in raw)),
        hashlib.new(algorithm, bytes(b ^ 0x5C for b in raw)),
    )


def _group(params: SignedParams | None) -> _Grouped:
    """Distinct values per name (the official SDKs de-duplicate repeated values)."""
    grouped: _Grouped = {}
    if params is None:
        return grouped
    pairs: Iterable[tuple[str, str]]
    if isinstance(params, Mapping):
        getall = getattr(params, "getlist", None) or getattr(params, "getall", None)
        pairs = [
            (name, value)
            for name in params
            for value in _values(getall(name) if callable(getall) else params[name])
        ]
    else:
        pairs = params
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("params must be (name, value) pairs of strings or a mapping of them")
        grouped.setdefault(name, set()).add(value)
    return grouped


def _values(value: str | Sequence[str]) -> Sequence[str]:
    return [value] if isinstance(value, str) else value


def _unusable(signature: str | None, auth_token: str, algorithm: str) -> str | None:
    if not isinstance(signature, str) or not signature:
        return (
            "no X-Twilio-Signature header: the request did not come from Twilio, or a proxy "
            "dropped the header"
        )
    if not isinstance(auth_token, str) or not auth_token:
        return "no auth token is configured to check the signature with"
    if algorithm not in _DIGEST_SIZES:
        return f"unsupported signature algorithm {algorithm!r}: use 'sha1' or 'sha256'"
    return None


def _signed_params(
    url: str, params: SignedParams | None, body: bytes | None
) -> tuple[_Grouped, str | None]:
    """The parameters Twilio signed, and why the body is not covered by the signature, if so."""
    expected = parse_qs(urlsplit(url).query, keep_blank_values=True).get(_BODY_HASH)
    if expected is not None:
        if body is None:
            return {}, (
                "the URL has bodySHA256 (a JSON webhook) but no body was given: pass the raw "
                "request bytes, not parsed JSON"
            )
        actual = body_sha256(bytes(body)).encode()
        if not all(hmac.compare_digest(actual, value.encode()) for value in expected):
            return {}, (
                "the body does not hash to the URL's bodySHA256: it was changed or re-serialised "
                "on the way (pass the raw bytes as received)"
            )
        return {}, None
    grouped = _group(params)
    if body is None:
        return grouped, None
    try:
        sent = _group(parse_qsl(bytes(body).decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        sent = None
    if sent is not None and _nonempty(sent) == _nonempty(grouped):
        return grouped, None
    if bytes(body).lstrip()[:1] in (b"{", b"["):
        return grouped, (
            "the body is JSON but the URL has no bodySHA256: Twilio adds bodySHA256 to the URL "
            "of JSON webhooks, so the query string was lost or the request is not from Twilio"
        )
    return grouped, (
        "the body is not the form encoding of params, so the signature does not cover it: pass "
        "the decoded form fields of this body as params"
    )


def _nonempty(grouped: _Grouped) -> _Grouped:
    return {name: values for name, values in grouped.items() if values}


def _matching(
    urls: Iterable[str], grouped: _Grouped, signature: str, auth_token: str, algorithm: str
) -> str | None:
    """The first URL whose signature is ``signature``, compared in constant time."""
    received = signature.encode()
    for url in urls:
        if hmac.compare_digest(_sign(url, grouped, auth_token, algorithm).encode(), received):
            return url
    return None


def _explain(
    url: str,
    params: SignedParams | None,
    signature: str,
    auth_token: str,
    body: bytes | None,
    algorithm: Algorithm,
    candidate_urls: Sequence[str],
) -> list[str]:
    grouped, body_problem = _signed_params(url, params, body)
    reasons = [] if body_problem is None else [body_problem]
    if _matching(url_variants(url), grouped, signature, auth_token, algorithm) is not None:
        return reasons

    def matches(
        urls: Iterable[str], using: str = algorithm, signed: _Grouped | None = None
    ) -> bool:
        chosen = grouped if signed is None else signed
        return _matching(urls, chosen, signature, auth_token, using) is not None

    other: Algorithm = "sha256" if algorithm == "sha1" else "sha1"
    if matches(url_variants(url), using=other):
        return [
            *reasons,
            f"the signature is HMAC-{other.upper()}, not HMAC-{algorithm.upper()}: pass "
            f"algorithm={other!r} (the X-Twilio-Webhooks-Signature-Settings header names it)",
        ]
    if not _is_digest(signature, algorithm):
        return [
            *reasons,
            f"the signature is not a base64 HMAC-{algorithm.upper()} digest: the header is "
            "garbled or the request is not from Twilio",
        ]
    no_fragment = url.partition("#")[0]
    if no_fragment != url and matches(url_variants(no_fragment)):
        return [*reasons, "the URL has a #fragment, which Twilio never sends or signs: drop it"]
    for candidate in (_other_scheme(no_fragment), *candidate_urls):
        variants = url_variants(candidate) if candidate else ()
        found = _matching(variants, grouped, signature, auth_token, algorithm)
        if found is not None:
            return [*reasons, _signed_elsewhere(no_fragment, found)]
    if grouped and matches(url_variants(url), signed={}):
        return [
            *reasons,
            "it matches with no params: Twilio signed the URL alone (for GET the parameters are "
            "in the query string), so pass no params",
        ]
    tried = ", ".join(_shown(variant) for variant in url_variants(url))
    return [
        *reasons,
        f"no URL variant matches ({tried}): the auth token is wrong (Twilio signs with the "
        "account's primary auth token) or the URL or params differ from what Twilio requested",
    ]


def _is_digest(signature: str, algorithm: str) -> bool:
    try:
        return len(base64.b64decode(signature, validate=True)) == _DIGEST_SIZES[algorithm]
    except (binascii.Error, ValueError):
        return False


def _other_scheme(url: str) -> str | None:
    scheme, sep, rest = url.partition("://")
    flipped = {"http": "https", "https": "http"}.get(scheme.lower())
    return flipped + sep + rest if flipped and sep else None


def _signed_elsewhere(received: str, signed: str) -> str:
    got, want = urlsplit(received), urlsplit(signed)
    prefix = f"it matches {_shown(signed)}: the request was signed for "
    if got.scheme != want.scheme and got.hostname != want.hostname:
        return prefix + (
            f"the public URL {want.scheme}://{want.netloc}; set --public-url or trust "
            "X-Forwarded-Proto and X-Forwarded-Host from your proxy"
        )
    if got.scheme != want.scheme:
        return prefix + (
            f"the public {want.scheme} URL; set --public-url or trust X-Forwarded-Proto from "
            "your proxy"
        )
    if got.hostname != want.hostname:
        return prefix + (
            f"host {want.hostname}; set --public-url or trust X-Forwarded-Host from your proxy"
        )
    return prefix + (
        "another path or query string than your server saw; check URL rewriting and that the "
        "query string is passed through unchanged"
    )


def _shown(url: str) -> str:
    """The URL without its query string (which can carry phone numbers) or fragment."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<malformed URL>"
    return urlunsplit(parts._replace(query="…" if parts.query else "", fragment=""))
