"""Credentials and where they come from.

CONTRACT (other modules rely on these names):

- ``Connection``: a frozen, validated set of credentials plus routing and defaults.
  ``connection.account_sid``; ``connection.basic_auth() -> tuple[str, str]`` (username,
  password for HTTP Basic: account SID + auth token, or API key SID + secret);
  ``connection.auth_token`` (the auth token if known, needed to validate webhook signatures,
  else ``None``); ``region``/``edge``; ``default_from``; ``messaging_service_sid``;
  ``base_url`` (when set, every product is sent to this one base URL: the emulator).
  ``repr()`` and ``str()`` never show a secret.

Three credential forms, one rule each (checked whichever way a ``Connection`` is built):

- Auth Token: ``account_sid`` (``AC`` + 32 hex) and ``auth_token`` (32 hex).
- API key: ``account_sid``, ``api_key_sid`` (``SK`` + 32 hex) and ``api_key_secret``. Twilio
  does not document the secret's format, so it is only required to be non-empty and free of
  whitespace. An auth token may be added too: webhooks are signed with the auth token, so
  signature validation needs it even when REST calls use the key.
- ``Connection.from_base64``: the base64 ``SID:secret`` string some platforms store (the
  HTTP Basic credential), with or without padding or a ``Basic`` prefix.

Where they come from is decided only at the edges, by ``resolve_connection`` (overrides >
environment > config profile, with ``vault:NAME`` references in the config). Nothing in this
module reads ``os.environ``; the caller passes the environment in.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, TypedDict, Unpack
from urllib.parse import urlsplit, urlunsplit

from twiliokit.errors import ConfigurationError, ValidationError, VaultError
from twiliokit.redaction import mask_secret

if TYPE_CHECKING:
    from twiliokit.vault import Vault

__all__ = [
    "ENV_VARS",
    "KNOWN_EDGES",
    "KNOWN_REGIONS",
    "Connection",
    "ConnectionOptions",
    "ResolveOptions",
    "decode_basic_credentials",
    "resolve_connection",
    "resolve_connection_with_sources",
]

#: Which environment variable feeds each connection field.
ENV_VARS: Mapping[str, str] = MappingProxyType(
    {
        "account_sid": "TWILIO_ACCOUNT_SID",
        "auth_token": "TWILIO_AUTH_TOKEN",
        "api_key_sid": "TWILIO_API_KEY",
        "api_key_secret": "TWILIO_API_SECRET",
        "default_from": "TWILIO_PHONE_NUMBER",
        "messaging_service_sid": "TWILIO_MESSAGING_SERVICE_SID",
        "region": "TWILIO_REGION",
        "edge": "TWILIO_EDGE",
        "base_url": "TWILIOKIT_BASE_URL",
    }
)
#: Twilio regions and edges at the time of writing; only named in hints, since Twilio adds
#: locations and a format check cannot know about new ones.
KNOWN_REGIONS = ("us1", "ie1", "au1")
KNOWN_EDGES = (
    "ashburn",
    "dublin",
    "frankfurt",
    "sao-paulo",
    "singapore",
    "sydney",
    "tokyo",
    "umatilla",
    "roaming",
)

_SECRET_FIELDS = frozenset({"auth_token", "api_key_secret"})
_CREDENTIAL_FIELDS = ("auth_token", "api_key_sid", "api_key_secret", "credentials_base64")
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_ANY_SID = re.compile(r"([A-Z]{2})[0-9a-fA-F]{32}")
_SID_KINDS = {
    "AC": "an account SID",
    "SK": "an API key SID",
    "MG": "a Messaging Service SID",
    "PN": "a phone number SID",
    "SM": "a message SID",
}
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")  # only to recognise a number put in the wrong field
_WHITESPACE = re.compile(r"\s")

_HINTS = {
    "account_sid": "Copy the Account SID from the Twilio Console (Account Info); it starts "
    "with AC.",
    "auth_token": "Copy the Auth Token from the Twilio Console (Account Info); it is 32 "
    "hexadecimal characters.",
    "api_key_sid": "Copy the key's SID from Console > Account > API keys & tokens; it starts "
    "with SK.",
    "api_key_secret": "Use the secret shown once when the API key was created; if it is lost, "
    "create a new key.",
    "messaging_service_sid": "Copy the Messaging Service SID from Console > Messaging > "
    "Services; it starts with MG.",
}


class ConnectionOptions(TypedDict, total=False):
    """The routing and defaults every ``Connection.from_*`` constructor takes by keyword (each
    ``None`` when not given): declared once here, in the order of :class:`Connection`'s fields."""

    region: str | None
    edge: str | None
    default_from: str | None
    messaging_service_sid: str | None
    base_url: str | None


def _only_options(options: ConnectionOptions) -> ConnectionOptions:
    """``options`` if every key is one of :class:`ConnectionOptions` (``**options`` takes any
    keyword at run time: a credential passed to the wrong ``from_*`` must not slip through)."""
    unknown = sorted(set(options) - set(ConnectionOptions.__annotations__))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
    return options


@dataclass(frozen=True, slots=True, repr=False)
class Connection:
    """Account credentials, routing and defaults for talking to Twilio.

    Every way of building one (the constructor, ``from_*``, ``dataclasses.replace``) checks
    every field and raises ``ConfigurationError`` naming the field and the fix; the message
    never contains the value.
    """

    account_sid: str
    auth_token: str | None = field(default=None, repr=False)
    api_key_sid: str | None = None
    api_key_secret: str | None = field(default=None, repr=False)
    region: str | None = None
    edge: str | None = None
    default_from: str | None = None
    messaging_service_sid: str | None = None
    base_url: str | None = None

    # -- constructors --------------------------------------------------------------------

    @classmethod
    def from_auth_token(
        cls, account_sid: str, auth_token: str, **options: Unpack[ConnectionOptions]
    ) -> Connection:
        """Account SID + Auth Token."""
        return cls(account_sid=account_sid, auth_token=auth_token, **_only_options(options))

    @classmethod
    def from_api_key(
        cls,
        account_sid: str,
        api_key_sid: str,
        api_key_secret: str,
        *,
        auth_token: str | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> Connection:
        """Account SID + API key SID + secret (``auth_token`` only for webhook signatures)."""
        return cls(
            account_sid=account_sid,
            auth_token=auth_token,
            api_key_sid=api_key_sid,
            api_key_secret=api_key_secret,
            **_only_options(options),
        )

    @classmethod
    def from_base64(
        cls, encoded: str, *, account_sid: str | None = None, **options: Unpack[ConnectionOptions]
    ) -> Connection:
        """From base64 ``ACCOUNT_SID:AUTH_TOKEN`` (or ``API_KEY_SID:SECRET`` plus ``account_sid``).

        Accepts standard or URL-safe base64, with or without ``=`` padding, line breaks, or a
        leading ``Basic``. ``account_sid``, when given with an ``AC…:token`` string, must match.
        """
        options = _only_options(options)
        username, password = decode_basic_credentials(encoded)
        if username.startswith("SK"):
            if account_sid is None:
                raise ConfigurationError(
                    "The base64 credentials hold an API key, which also needs the account SID.",
                    field="account_sid",
                    hint="Give account_sid (TWILIO_ACCOUNT_SID) alongside the base64 string.",
                )
            return cls(
                account_sid=account_sid,
                api_key_sid=username,
                api_key_secret=password,
                **options,
            )
        if account_sid is not None and account_sid != username:
            raise ConfigurationError(
                "account_sid differs from the account SID inside the base64 credentials.",
                field="account_sid",
                hint="Drop account_sid, or use credentials for that account.",
            )
        # An "AC…:token" string is an auth-token credential; anything else fails the checks
        # on account_sid below with a message about what the SID should look like.
        return cls(account_sid=username, auth_token=password, **options)

    # -- validation ----------------------------------------------------------------------

    def __post_init__(self) -> None:
        _check_sid(self.account_sid, "account_sid", "AC")
        if self.api_key_sid is not None or self.api_key_secret is not None:
            if self.api_key_sid is None:
                raise ConfigurationError(
                    "api_key_secret was given without its API key SID (api_key_sid).",
                    field="api_key_sid",
                    hint="Give api_key_sid (TWILIO_API_KEY) too. " + _HINTS["api_key_sid"],
                )
            if self.api_key_secret is None:
                raise ConfigurationError(
                    "api_key_sid was given without its secret (api_key_secret).",
                    field="api_key_secret",
                    hint="Give api_key_secret (TWILIO_API_SECRET) too. " + _HINTS["api_key_secret"],
                )
            _check_sid(self.api_key_sid, "api_key_sid", "SK")
            _check_api_key_secret(self.api_key_secret)
        if self.auth_token is not None:
            _check_auth_token(self.auth_token)
        if self.auth_token is None and self.api_key_sid is None:
            raise ConfigurationError(
                "The connection has no credentials: it needs auth_token, or api_key_sid and "
                "api_key_secret.",
                field="auth_token",
                hint="Give auth_token (TWILIO_AUTH_TOKEN), or api_key_sid and api_key_secret "
                "(TWILIO_API_KEY, TWILIO_API_SECRET).",
            )
        if self.messaging_service_sid is not None:
            _check_sid(self.messaging_service_sid, "messaging_service_sid", "MG")
        if self.region is not None:
            _check_location(self.region, "region", KNOWN_REGIONS)
        if self.edge is not None:
            _check_location(self.edge, "edge", KNOWN_EDGES)
        # Frozen: storing the canonical form of a field needs object.__setattr__.
        if self.default_from is not None:
            object.__setattr__(self, "default_from", _normalise_default_from(self.default_from))
        if self.base_url is not None:
            object.__setattr__(self, "base_url", _normalise_base_url(self.base_url))

    # -- display -------------------------------------------------------------------------

    def __repr__(self) -> str:
        parts = [
            f"{name}={value!r}" for name, value in self.describe().items() if value is not None
        ]
        return f"Connection({', '.join(parts)})"

    def __str__(self) -> str:
        how = f"API key {self.api_key_sid}" if self.auth_kind == "api_key" else "auth token"
        extras = [
            f"{name}={value}"
            for name, value in (
                ("region", self.region),
                ("edge", self.edge),
                ("base_url", self.base_url),
            )
            if value
        ]
        tail = f", {', '.join(extras)}" if extras else ""
        return f"Twilio account {self.account_sid} ({how}{tail})"

    def describe(self) -> dict[str, str | None]:
        """Every field in display form: secrets masked, unset fields ``None``."""
        shown: dict[str, str | None] = {}
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            if value is not None and spec.name in _SECRET_FIELDS:
                value = mask_secret(value)
            shown[spec.name] = value
        return shown

    # -- use -----------------------------------------------------------------------------

    @property
    def auth_kind(self) -> Literal["api_key", "auth_token"]:
        """Which credential ``basic_auth()`` sends."""
        return "api_key" if self.api_key_sid and self.api_key_secret else "auth_token"

    @property
    def uses_emulator(self) -> bool:
        """Whether every request goes to one base URL (the emulator) instead of Twilio."""
        return self.base_url is not None

    def basic_auth(self) -> tuple[str, str]:
        """The HTTP Basic username and password to send (the API key when there is one)."""
        if self.api_key_sid and self.api_key_secret:
            return (self.api_key_sid, self.api_key_secret)
        assert self.auth_token is not None  # __post_init__ guarantees one credential
        return (self.account_sid, self.auth_token)

    def secret_values(self) -> tuple[str, ...]:
        """Every string that must never be shown: secrets and the encoded Basic credential.

        Give these to ``twiliokit.redaction.SecretFilter`` to scrub logs.
        """
        username, password = self.basic_auth()
        encoded = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        found = (self.auth_token, self.api_key_secret, encoded, encoded.rstrip("="))
        return tuple(value for value in found if value)


def decode_basic_credentials(encoded: str) -> tuple[str, str]:
    """Split base64 ``USER:PASSWORD`` (optionally ``Basic …``) into its two parts.

    Errors name the field ``credentials_base64`` and never contain the value.
    """
    text = encoded.strip()
    if text[:6].lower() == "basic ":
        text = text[6:]
    # Wrapped base64 (76-column lines) and URL-safe alphabets are both common in stored values.
    text = _WHITESPACE.sub("", text).translate(str.maketrans("-_", "+/"))
    text += "=" * (-len(text) % 4)
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise ConfigurationError(
            "credentials_base64 is not valid base64 text.",
            field="credentials_base64",
            hint="It must be base64 of 'ACCOUNT_SID:AUTH_TOKEN', e.g. "
            'printf %s "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" | base64',
        ) from None
    # `echo` (without -n) adds a line break before encoding; it is never part of a secret.
    decoded = decoded.rstrip("\r\n")
    username, colon, password = decoded.partition(":")
    if not colon or not username or not password:
        raise ConfigurationError(
            "credentials_base64 does not decode to 'SID:secret'.",
            field="credentials_base64",
            hint="Encode the account SID and auth token joined by a colon, e.g. "
            'printf %s "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" | base64',
        )
    return username, password


# -- field checks (pure) -------------------------------------------------------------------


def _require_text(value: object, field_name: str) -> str:
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{field_name} must be a string, not {type(value).__name__}.",
            field=field_name,
            hint=_HINTS.get(field_name),
        )
    if value != value.strip():
        raise ConfigurationError(
            f"{field_name} has spaces or a line break around it.",
            field=field_name,
            hint="Remove the whitespace copied along with the value.",
        )
    if not value:
        raise ConfigurationError(
            f"{field_name} is empty.", field=field_name, hint=_HINTS.get(field_name)
        )
    return value


def _looks_like(value: str) -> str | None:
    """What ``value`` appears to be, to explain a mix-up without showing the value."""
    sid = _ANY_SID.fullmatch(value)
    if sid:
        return _SID_KINDS.get(sid.group(1), f"a {sid.group(1)} SID")
    if _HEX32.fullmatch(value):
        return "an auth token"
    if _E164.fullmatch(value):
        return "a phone number"
    try:
        username, _ = decode_basic_credentials(value)
    except ConfigurationError:
        return None
    if _ANY_SID.fullmatch(username):
        return "base64 'SID:secret' credentials (use credentials_base64 / Connection.from_base64)"
    return None


def _check_sid(value: object, field_name: str, prefix: str) -> None:
    text = _require_text(value, field_name)
    if re.fullmatch(prefix + r"[0-9a-fA-F]{32}", text):
        return
    what = _looks_like(text)
    detail = f"the value given is {what}" if what else f"the value given has {len(text)} characters"
    raise ConfigurationError(
        f"{field_name} must be '{prefix}' followed by 32 hexadecimal characters; {detail}.",
        field=field_name,
        hint=_HINTS[field_name],
    )


def _check_auth_token(value: object) -> None:
    text = _require_text(value, "auth_token")
    if _HEX32.fullmatch(text):
        return
    what = _looks_like(text)
    detail = f"the value given is {what}" if what else f"the value given has {len(text)} characters"
    hint = _HINTS["auth_token"]
    if what == "an API key SID":
        hint = "An API key needs api_key_sid and api_key_secret, not auth_token. " + hint
    raise ConfigurationError(
        f"auth_token must be 32 hexadecimal characters; {detail}.", field="auth_token", hint=hint
    )


def _check_api_key_secret(value: object) -> None:
    text = _require_text(value, "api_key_secret")
    if _WHITESPACE.search(text):
        raise ConfigurationError(
            "api_key_secret contains whitespace.",
            field="api_key_secret",
            hint=_HINTS["api_key_secret"],
        )
    what = _looks_like(text)
    if what and what.endswith("SID"):
        # chatwoot#15745: a key SID paired with the wrong secret makes every request 401.
        raise ConfigurationError(
            f"api_key_secret is {what}, not a secret.",
            field="api_key_secret",
            hint=_HINTS["api_key_secret"],
        )


def _check_location(value: object, field_name: str, known: tuple[str, ...]) -> None:
    text = _require_text(value, field_name)
    if _DNS_LABEL.fullmatch(text):
        return
    raise ConfigurationError(
        f"{field_name} must be a lowercase Twilio location name such as {known[1]!r}.",
        field=field_name,
        hint=f"Known {field_name}s: {', '.join(known)}. Leave it unset for the default (us1).",
    )


def _normalise_default_from(value: object) -> str:
    from twiliokit.phone import ALL_KINDS, parse_address

    text = _require_text(value, "default_from")
    try:
        return parse_address(text, field="default_from", allow=ALL_KINDS).value
    except ValidationError as exc:
        # phone's message quotes the value; ours does not, in case a secret was put here.
        raise ConfigurationError(
            "default_from must be a sender Twilio accepts: an E.164 phone number, "
            "whatsapp:+E.164, a short code or an alphanumeric sender ID.",
            field="default_from",
            hint=exc.hint,
        ) from None


def _normalise_base_url(value: object) -> str:
    text = _require_text(value, "base_url")
    parts = urlsplit(text)
    problem = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "must be an http:// or https:// URL with a host"
    elif parts.username is not None or parts.password is not None:
        problem = "must not contain a user name or password"
    elif parts.query or parts.fragment:
        problem = "must not have a query string or fragment"
    if problem:
        raise ConfigurationError(
            f"base_url {problem}.",
            field="base_url",
            hint="Give the emulator's address, e.g. http://127.0.0.1:8787 (TWILIOKIT_BASE_URL "
            "or --base-url).",
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


# -- resolution (the edge: environment, config file, vault) ---------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class _Value:
    value: str
    source: str
    vault_name: str | None = None


class ResolveOptions(TypedDict, total=False):
    """Where :func:`resolve_connection` looks besides the environment (each ``None`` when not
    given); :func:`resolve_connection_with_sources` says what each one is."""

    config_path: Path | None
    profile: str | None
    vault: Vault | Callable[[], Vault] | None
    overrides: Mapping[str, str | None] | None


def resolve_connection(
    *, environ: Mapping[str, str], **options: Unpack[ResolveOptions]
) -> Connection:
    """The connection the caller's settings describe; see ``resolve_connection_with_sources``."""
    connection, _ = resolve_connection_with_sources(environ=environ, **options)
    return connection


def resolve_connection_with_sources(
    *,
    environ: Mapping[str, str],
    config_path: Path | None = None,
    profile: str | None = None,
    vault: Vault | Callable[[], Vault] | None = None,
    overrides: Mapping[str, str | None] | None = None,
    overrides_source: str = "override",
) -> tuple[Connection, dict[str, str]]:
    """Build a ``Connection`` from overrides, the environment and a config profile.

    Precedence, field by field: ``overrides`` (``None`` values ignored) > ``environ``
    (``ENV_VARS``; empty values ignored) > the config profile. The credentials themselves
    (auth token, API key SID and secret, base64 credentials) are taken together from the
    first source that has any of them, so a token from one place is never paired with a key
    from another; an account SID that contradicts the one stored beside the credentials is an
    error. Config values of the form ``vault:NAME`` are read from ``vault`` (a ``Vault`` or a
    function opening one, called only if a reference is used).

    The config file is ``config_path``, else ``$TWILIOKIT_CONFIG``, else the user config
    directory's ``twiliokit/config.toml`` (skipped if it does not exist). The profile is
    ``profile``, else ``$TWILIOKIT_PROFILE``, else the file's ``default_profile``, else a
    profile named ``default``.

    Returns the connection and, for each field that is set, a description of its source.
    Errors say which source held the bad value; they never contain a secret.
    """
    profile_layer, searched = _profile_layer(environ, config_path, profile)
    layers = [
        _override_layer(overrides or {}, overrides_source),
        _environment_layer(environ),
        profile_layer,
    ]
    chosen: dict[str, _Value] = {}
    for layer in layers:
        for name, value in layer.items():
            if name not in _CREDENTIAL_FIELDS:
                chosen.setdefault(name, value)
    credential_layer = next(
        (layer for layer in layers if any(name in layer for name in _CREDENTIAL_FIELDS)), None
    )
    if credential_layer is None and "account_sid" in chosen:
        raise ConfigurationError(
            f"The account SID is set ({chosen['account_sid'].source}), but no credentials "
            "are: neither an auth token nor an API key.",
            field="auth_token",
            hint="Set TWILIO_AUTH_TOKEN beside it (or TWILIO_API_KEY and TWILIO_API_SECRET), "
            f"or give the profile in {searched} its auth_token; see docs/connections.md.",
        )
    if credential_layer is None:
        raise ConfigurationError(
            "No Twilio credentials were found.",
            field="auth_token",
            hint="Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and "
            f"TWILIO_API_SECRET), or add a profile to the config file {searched}; see "
            "docs/connections.md.",
        )
    for name in _CREDENTIAL_FIELDS:
        if name in credential_layer:
            chosen[name] = credential_layer[name]
    paired_sid = credential_layer.get("account_sid")
    if paired_sid is not None and chosen["account_sid"].value != paired_sid.value:
        raise ConfigurationError(
            f"account_sid from {chosen['account_sid'].source} differs from the account SID "
            f"stored with the credentials ({paired_sid.source}).",
            field="account_sid",
            hint="Credentials only work for their own account: remove one of the two, or keep "
            "the account SID and its credentials in the same place.",
        )
    chosen = _read_vault_references(chosen, vault)
    return _build(chosen)


def _override_layer(overrides: Mapping[str, str | None], source: str) -> dict[str, _Value]:
    from twiliokit.config_file import PROFILE_KEYS

    layer = {}
    for name, value in overrides.items():
        if name not in PROFILE_KEYS:
            raise ConfigurationError(
                f"Unknown connection field {name!r} in overrides.",
                field=name,
                hint="Use one of: " + ", ".join(sorted(PROFILE_KEYS)) + ".",
            )
        if value is not None and value.strip():
            layer[name] = _Value(value.strip(), source)
    return layer


def _environment_layer(environ: Mapping[str, str]) -> dict[str, _Value]:
    layer = {}
    for name, variable in ENV_VARS.items():
        # Whitespace is stripped here, at the edge: `export X=$(cat file)` keeps a newline.
        value = environ.get(variable, "").strip()
        if value:
            layer[name] = _Value(value, f"env {variable}")
    return layer


def _profile_layer(
    environ: Mapping[str, str], config_path: Path | None, profile: str | None
) -> tuple[dict[str, _Value], Path]:
    """The chosen profile's values, and the config file path that was looked at."""
    from twiliokit.config_file import (
        CONFIG_ENV,
        PROFILE_ENV,
        default_config_path,
        load_config,
        vault_reference,
    )

    explicit = config_path is not None or bool(environ.get(CONFIG_ENV, "").strip())
    path = config_path if config_path is not None else default_config_path(environ)
    wanted = profile or environ.get(PROFILE_ENV, "").strip() or None
    if not explicit and not path.exists():
        if wanted:
            raise ConfigurationError(
                f"Profile {wanted!r} was asked for, but there is no config file at {path}.",
                field="profile",
                hint="Create the file with a [profiles.NAME] table, or point TWILIOKIT_CONFIG "
                "/ --config at yours.",
            )
        return {}, path
    config = load_config(path)
    name = wanted or config.default_profile
    if name is None and "default" in config.profiles:
        name = "default"
    if name is None:
        return {}, path
    source = f"config {path} [profiles.{name}]"
    layer = {}
    for key, raw in config.profile(name).values.items():
        value = raw.strip()
        if value:
            layer[key] = _Value(value, source, vault_reference(value))
    return layer, path


def _read_vault_references(
    chosen: dict[str, _Value], vault: Vault | Callable[[], Vault] | None
) -> dict[str, _Value]:
    if not any(value.vault_name for value in chosen.values()):
        return chosen
    resolved = dict(chosen)
    opened: Vault | None = None
    for name, value in chosen.items():
        if value.vault_name is None:
            continue
        if vault is None:
            raise ConfigurationError(
                f"{name} in {value.source} refers to the vault (vault:{value.vault_name}), but "
                "no vault was given.",
                field=name,
                hint="Unlock the vault: set TWILIOKIT_VAULT_PASSPHRASE or "
                "TWILIOKIT_VAULT_KEY_FILE (the CLI also prompts in a terminal).",
            )
        if opened is None:
            opened = vault() if callable(vault) else vault
        try:
            secret = opened.get(value.vault_name).strip()
        except VaultError as exc:
            raise _from_source(exc, f"{name} in {value.source}") from exc
        resolved[name] = _Value(secret, f"vault {value.vault_name!r} via {value.source}")
    return resolved


def _build(chosen: dict[str, _Value]) -> tuple[Connection, dict[str, str]]:
    values = {name: item.value for name, item in chosen.items()}
    sources = {name: item.source for name, item in chosen.items()}
    encoded = values.pop("credentials_base64", None)
    encoded_source = sources.pop("credentials_base64", None)
    if encoded is not None and encoded_source is not None:
        if any(name in values for name in ("auth_token", "api_key_sid", "api_key_secret")):
            raise ConfigurationError(
                f"{encoded_source} gives both credentials_base64 and separate credentials.",
                field="credentials_base64",
                hint="Keep one form: credentials_base64, or auth_token / api_key_sid + "
                "api_key_secret.",
            )
        try:
            username, password = decode_basic_credentials(encoded)
        except ConfigurationError as exc:
            raise _from_source(exc, encoded_source) from None
        derived = f"{encoded_source} (credentials_base64)"
        if username.startswith("SK"):
            values.update(api_key_sid=username, api_key_secret=password)
            sources.update(api_key_sid=derived, api_key_secret=derived)
        else:
            values["auth_token"] = password
            sources["auth_token"] = derived
            if "account_sid" not in values:
                values["account_sid"] = username
                sources["account_sid"] = derived
            elif values["account_sid"] != username:
                raise ConfigurationError(
                    f"account_sid from {sources['account_sid']} differs from the account SID "
                    f"inside credentials_base64 ({encoded_source}).",
                    field="account_sid",
                    hint="Credentials only work for their own account: remove one of the two.",
                )
    if "account_sid" not in values:
        raise ConfigurationError(
            "No Twilio account SID was found.",
            field="account_sid",
            hint="Set TWILIO_ACCOUNT_SID, or add account_sid to the config profile. "
            + _HINTS["account_sid"],
        )
    try:
        connection = Connection(**values)
    except ConfigurationError as exc:
        source = sources.get(exc.field or "")
        raise (_from_source(exc, source) if source else exc) from None
    return connection, sources


def _from_source(exc: ConfigurationError, source: str) -> ConfigurationError:
    """The same error, its message prefixed with where the offending value came from."""
    return type(exc)(f"{source}: {exc.message}", hint=exc.hint, field=exc.field)
