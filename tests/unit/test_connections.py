"""Connection: the three credential forms, their format checks, masking and routing."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable

import pytest

from twiliokit.connections import Connection, decode_basic_credentials
from twiliokit.errors import ConfigurationError

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"
KEY_SID = "SKfedcba9876543210fedcba9876543210"
KEY_SECRET = "Zq8T3vLmN0pRx5YwKb2HcJd7EaGs4UiO"
OTHER_SID = "AC99999999999999999999999999999999"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _assert_hidden(secret: str, *texts: str) -> None:
    for text in texts:
        assert secret not in text


def test_auth_token_connection_authenticates_with_account_sid_and_token() -> None:
    """An Auth Token connection sends the account SID and token as HTTP Basic credentials."""
    connection = Connection.from_auth_token(ACCOUNT, TOKEN)
    assert connection.basic_auth() == (ACCOUNT, TOKEN)
    assert connection.auth_kind == "auth_token"


def test_api_key_connection_authenticates_with_the_key_and_keeps_the_token() -> None:
    """An API key connection sends the key, and keeps an auth token for webhook signatures."""
    connection = Connection.from_api_key(ACCOUNT, KEY_SID, KEY_SECRET, auth_token=TOKEN)
    assert connection.basic_auth() == (KEY_SID, KEY_SECRET)
    assert connection.auth_kind == "api_key"
    assert connection.auth_token == TOKEN


@pytest.mark.parametrize(
    "encoded",
    [
        _b64(f"{ACCOUNT}:{TOKEN}"),
        _b64(f"{ACCOUNT}:{TOKEN}").rstrip("="),
        "Basic " + _b64(f"{ACCOUNT}:{TOKEN}"),
        "basic  " + _b64(f"{ACCOUNT}:{TOKEN}").rstrip("="),
        base64.urlsafe_b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode(),
        _b64(f"{ACCOUNT}:{TOKEN}\n"),
        "\n".join(_b64(f"{ACCOUNT}:{TOKEN}")[i : i + 20] for i in range(0, 92, 20)) + "\n",
    ],
    ids=[
        "padded",
        "unpadded",
        "basic-prefix",
        "lowercase-prefix",
        "urlsafe",
        "echo-newline",
        "wrapped",
    ],
)
def test_base64_credentials_are_accepted_in_the_forms_platforms_store(encoded: str) -> None:
    """Base64 SID:token decodes with or without padding, a Basic prefix, or line wrapping."""
    assert Connection.from_base64(encoded) == Connection.from_auth_token(ACCOUNT, TOKEN)


def test_base64_api_key_credentials_need_and_use_the_account_sid() -> None:
    """Base64 of SK…:secret becomes an API key connection once the account SID is given."""
    encoded = _b64(f"{KEY_SID}:{KEY_SECRET}")
    with pytest.raises(ConfigurationError) as caught:
        Connection.from_base64(encoded)
    assert caught.value.field == "account_sid"
    connection = Connection.from_base64(encoded, account_sid=ACCOUNT)
    assert connection.basic_auth() == (KEY_SID, KEY_SECRET)


Case = tuple[Callable[[], object], str, str]

BAD_INPUTS: dict[str, Case] = {
    "account-sid-too-short": (
        lambda: Connection.from_auth_token("AC123", TOKEN),
        "account_sid",
        "5 characters",
    ),
    "account-sid-is-key-sid": (
        lambda: Connection.from_auth_token(KEY_SID, TOKEN),
        "account_sid",
        "API key SID",
    ),
    "swapped-sid-and-token": (
        lambda: Connection.from_auth_token(TOKEN, ACCOUNT),
        "account_sid",
        "auth token",
    ),
    "token-31-chars": (
        lambda: Connection.from_auth_token(ACCOUNT, TOKEN[:-1]),
        "auth_token",
        "31 characters",
    ),
    "token-with-newline": (
        lambda: Connection.from_auth_token(ACCOUNT, TOKEN + "\n"),
        "auth_token",
        "line break",
    ),
    "token-not-hex": (
        lambda: Connection.from_auth_token(ACCOUNT, "g" * 32),
        "auth_token",
        "hexadecimal",
    ),
    "token-is-base64-credentials": (
        lambda: Connection.from_auth_token(ACCOUNT, _b64(f"{ACCOUNT}:{TOKEN}")),
        "auth_token",
        "credentials_base64",
    ),
    "empty-token": (lambda: Connection.from_auth_token(ACCOUNT, ""), "auth_token", "empty"),
    "key-sid-is-account-sid": (
        lambda: Connection.from_api_key(ACCOUNT, ACCOUNT, KEY_SECRET),
        "api_key_sid",
        "account SID",
    ),
    "key-secret-is-key-sid": (
        lambda: Connection.from_api_key(ACCOUNT, KEY_SID, KEY_SID),
        "api_key_secret",
        "API key SID",
    ),
    "key-secret-with-space": (
        lambda: Connection.from_api_key(ACCOUNT, KEY_SID, KEY_SECRET[:10] + " " + KEY_SECRET),
        "api_key_secret",
        "whitespace",
    ),
    "key-without-secret": (
        lambda: Connection(account_sid=ACCOUNT, api_key_sid=KEY_SID),
        "api_key_secret",
        "without its secret",
    ),
    "secret-without-key": (
        lambda: Connection(account_sid=ACCOUNT, api_key_secret=KEY_SECRET),
        "api_key_sid",
        "without its API key SID",
    ),
    "no-credentials": (lambda: Connection(account_sid=ACCOUNT), "auth_token", "no credentials"),
    "messaging-service-is-account": (
        lambda: Connection.from_auth_token(ACCOUNT, TOKEN, messaging_service_sid=ACCOUNT),
        "messaging_service_sid",
        "'MG'",
    ),
    "region-uppercase": (
        lambda: Connection.from_auth_token(ACCOUNT, TOKEN, region="IE1"),
        "region",
        "lowercase",
    ),
    "edge-with-dot": (
        lambda: Connection.from_auth_token(ACCOUNT, TOKEN, edge="dublin.evil"),
        "edge",
        "lowercase",
    ),
    "default-from-not-e164": (
        lambda: Connection.from_auth_token(ACCOUNT, TOKEN, default_from="(415) 555-0100"),
        "default_from",
        "E.164",
    ),
    "base-url-with-credentials": (
        lambda: Connection.from_auth_token(
            ACCOUNT, TOKEN, base_url=f"http://{ACCOUNT}:{TOKEN}@127.0.0.1:8787"
        ),
        "base_url",
        "password",
    ),
    "base-url-not-http": (
        lambda: Connection.from_auth_token(ACCOUNT, TOKEN, base_url="ftp://host"),
        "base_url",
        "http",
    ),
    "base64-garbage": (
        lambda: Connection.from_base64("%%%not base64%%%"),
        "credentials_base64",
        "not valid base64",
    ),
    "base64-without-colon": (
        lambda: Connection.from_base64(_b64(TOKEN + TOKEN)),
        "credentials_base64",
        "SID:secret",
    ),
    "base64-other-account": (
        lambda: Connection.from_base64(_b64(f"{ACCOUNT}:{TOKEN}"), account_sid=OTHER_SID),
        "account_sid",
        "differs",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_names_the_field_gives_a_hint_and_hides_the_secrets(case: Case) -> None:
    """Each malformed credential fails with its field, what is wrong, a hint, and no secret."""
    build, field, explanation = case
    with pytest.raises(ConfigurationError) as caught:
        build()
    error = caught.value
    assert error.field == field
    assert field in error.message
    assert explanation in error.message
    assert error.hint
    for secret in (TOKEN, TOKEN[:-1], KEY_SECRET):
        _assert_hidden(secret, error.message, error.hint, str(error), repr(error))
        _assert_hidden(secret, str(error.to_dict()))


@pytest.mark.parametrize(
    "connection",
    [
        Connection.from_auth_token(ACCOUNT, TOKEN),
        Connection.from_api_key(ACCOUNT, KEY_SID, KEY_SECRET, auth_token=TOKEN),
    ],
    ids=["auth-token", "api-key"],
)
def test_repr_and_str_never_show_a_secret(connection: Connection) -> None:
    """repr(), str(), f-strings and containers show masked secrets only."""
    shown = [repr(connection), str(connection), f"{connection}", repr([connection])]
    shown.append(str(connection.describe()))
    for secret in connection.secret_values():
        _assert_hidden(secret, *shown)
    assert ACCOUNT in repr(connection)
    assert "f00d…feed" in repr(connection)


def test_secret_values_include_the_encoded_basic_credential() -> None:
    """The base64 form sent in the Authorization header is listed for log scrubbing."""
    connection = Connection.from_auth_token(ACCOUNT, TOKEN)
    assert _b64(f"{ACCOUNT}:{TOKEN}") in connection.secret_values()


def test_replace_revalidates_and_instances_are_frozen() -> None:
    """dataclasses.replace checks the new values, and fields cannot be reassigned."""
    connection = Connection.from_auth_token(ACCOUNT, TOKEN)
    with pytest.raises(ConfigurationError):
        dataclasses.replace(connection, region="Not A Region")
    with pytest.raises(dataclasses.FrozenInstanceError):
        connection.auth_token = "x"  # type: ignore[misc]


def test_base_url_is_normalised_and_marks_the_emulator() -> None:
    """A trailing slash is dropped from base_url, and the connection says it is the emulator."""
    connection = Connection.from_auth_token(ACCOUNT, TOKEN, base_url="http://127.0.0.1:8787/")
    assert connection.base_url == "http://127.0.0.1:8787"
    assert connection.uses_emulator
    assert not Connection.from_auth_token(ACCOUNT, TOKEN).uses_emulator


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("+1 415-555-0100", "+14155550100"),
        ("whatsapp:+14155238886", "whatsapp:+14155238886"),
        ("12345", "12345"),
        ("MyBrand", "MyBrand"),
    ],
)
def test_default_sender_accepts_every_sender_kind_in_canonical_form(
    given: str, stored: str
) -> None:
    """A default sender may be a number, a WhatsApp address, a short code or a sender ID."""
    connection = Connection.from_auth_token(ACCOUNT, TOKEN, default_from=given)
    assert connection.default_from == stored


def test_decode_basic_credentials_splits_on_the_first_colon() -> None:
    """A password containing ':' survives decoding."""
    assert decode_basic_credentials(_b64("user:pa:ss")) == ("user", "pa:ss")


def test_a_from_constructor_refuses_a_keyword_of_another_kind() -> None:
    """``from_auth_token`` takes routing options, not another credential: a stray
    ``api_key_sid`` is a TypeError, never an API-key connection built by accident."""
    with pytest.raises(TypeError, match="api_key_sid"):
        Connection.from_auth_token(
            "AC" + "0" * 32,
            "0" * 32,
            api_key_sid="SK" + "0" * 32,  # type: ignore[call-arg]
        )
