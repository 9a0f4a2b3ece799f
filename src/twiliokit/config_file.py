"""The TOML config file: named connection profiles plus free sections other parts read.

::

    default_profile = "dev"

    [profiles.dev]
    account_sid = "AC0123456789abcdef0123456789abcdef"
    auth_token = "vault:twilio-dev"          # "vault:NAME" is looked up in the encrypted vault
    base_url = "http://127.0.0.1:8787"       # send every product to the emulator

    [profiles.prod]
    account_sid = "AC..."
    api_key_sid = "SK..."
    api_key_secret = "vault:twilio-prod-key"
    region = "ie1"
    edge = "dublin"
    default_from = "+14155550100"

    [policy]                                 # any other table is kept in Config.sections
    quiet_hours = "21:00-08:00"

Parsing is pure (``parse_config``); ``load_config`` only adds reading the file. Nothing here
reads the environment: ``default_config_path`` takes the environment as an argument.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self

import platformdirs

from twiliokit.errors import ConfigFileError
from twiliokit.redaction import mask_secret

__all__ = [
    "CONFIG_ENV",
    "DATABASE_URL_ENV",
    "PROFILE_ENV",
    "PROFILE_KEYS",
    "PUBLIC_URL_ENV",
    "SECRET_KEYS",
    "VAULT_PREFIX",
    "Config",
    "Profile",
    "SectionSettings",
    "default_config_path",
    "load_config",
    "parse_config",
    "section_table",
    "unknown_key_error",
    "vault_reference",
]

#: Environment variable naming the config file.
CONFIG_ENV = "TWILIOKIT_CONFIG"
#: Environment variable naming the profile to use.
PROFILE_ENV = "TWILIOKIT_PROFILE"
#: Environment variable naming the ledger database, read by every command that uses the ledger.
DATABASE_URL_ENV = "TWILIOKIT_DATABASE_URL"
#: Environment variable with the public URL Twilio reaches the webhook receiver at.
PUBLIC_URL_ENV = "TWILIOKIT_PUBLIC_URL"
#: A config value starting with this is the name of a vault entry, not the value itself.
VAULT_PREFIX = "vault:"

#: Keys a ``[profiles.NAME]`` table may hold (a typo is an error, not a silently ignored key).
PROFILE_KEYS = frozenset(
    {
        "account_sid",
        "auth_token",
        "api_key_sid",
        "api_key_secret",
        "credentials_base64",
        "region",
        "edge",
        "default_from",
        "messaging_service_sid",
        "base_url",
    }
)
#: Profile keys whose values are secrets.
SECRET_KEYS = frozenset({"auth_token", "api_key_secret", "credentials_base64"})

_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def default_config_path(environ: Mapping[str, str]) -> Path:
    """``$TWILIOKIT_CONFIG``, else ``config.toml`` in the user config directory."""
    explicit = environ.get(CONFIG_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    return platformdirs.user_config_path("twiliokit") / "config.toml"


def unknown_key_error(
    key: str, *, table: str, allowed: Iterable[str], where: str
) -> ConfigFileError:
    """The error for ``key`` in the ``[table]`` table of ``where``, which takes only ``allowed``
    (for the sections other parts read: ``[webhooks]``, ``[compliance]``, ``[guardrails]``)."""
    return ConfigFileError(
        f"unknown key {key!r} in [{table}] of {where}",
        field=f"{table}.{key}",
        hint="Allowed keys: " + ", ".join(sorted(allowed)) + ".",
    )


def section_table(
    section: object, *, table: str, allowed: Iterable[str], where: str
) -> Mapping[str, Any]:
    """``section`` checked as the ``[table]`` table of ``where`` holding only ``allowed`` keys
    (the one reader the ``[outbox]`` and ``[compliance]`` settings share)."""
    if not isinstance(section, Mapping):
        article = "an" if table[:1] in "aeiou" else "a"
        raise ConfigFileError(
            f"'{table}' in {where} must be a table",
            field=table,
            hint=f"Write it as {article} [{table}] table.",
        )
    keys = frozenset(allowed)
    unknown = sorted(set(section) - keys)
    if unknown:
        raise unknown_key_error(unknown[0], table=table, allowed=keys, where=where)
    return section


class SectionSettings(ABC):
    """Base of the settings read from one table of the config file (``[outbox]``,
    ``[compliance]``): a frozen dataclass with a ``source`` field (the table it was read from,
    for error messages) that says which table it reads (``table``, ``table_keys``) and how it
    reads that table once checked (:meth:`_from_table`). A missing table gives the defaults."""

    __slots__ = ()

    #: The config file table the settings come from.
    table: ClassVar[str]
    #: Keys that table may hold (a typo is an error, not a silently ignored key).
    table_keys: ClassVar[frozenset[str]]

    if TYPE_CHECKING:

        def __init__(self, *, source: str) -> None: ...

    @classmethod
    def from_section(cls, section: Mapping[str, Any] | None, *, where: str = "config") -> Self:
        """Settings from the table in ``where`` (``None`` or empty: the defaults)."""
        if section is None:
            return cls(source=where)
        checked = section_table(section, table=cls.table, allowed=cls.table_keys, where=where)
        return cls._from_table(checked, where=where)

    @classmethod
    def from_config(cls, config: Config) -> Self:
        """Settings from a parsed config file (the defaults when it has no such table)."""
        where = str(config.path) if config.path else "config"
        return cls.from_section(config.sections.get(cls.table), where=where)

    @classmethod
    @abstractmethod
    def _from_table(cls, section: Mapping[str, Any], *, where: str) -> Self:
        """The settings of ``section``, the table once checked to hold only ``table_keys``."""


def vault_reference(value: str) -> str | None:
    """The vault entry name if ``value`` is a ``vault:NAME`` reference, else ``None``."""
    if value.startswith(VAULT_PREFIX):
        return value[len(VAULT_PREFIX) :].strip()
    return None


@dataclass(frozen=True, slots=True, repr=False)
class Profile:
    """One ``[profiles.NAME]`` table: raw string values, validated later by ``Connection``."""

    name: str
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __repr__(self) -> str:
        shown = {key: _display(key, value) for key, value in sorted(self.values.items())}
        return f"Profile(name={self.name!r}, values={shown!r})"

    def plaintext_secrets(self) -> list[str]:
        """Secret keys whose value sits in the file itself rather than in the vault."""
        return sorted(
            key
            for key, value in self.values.items()
            if key in SECRET_KEYS and vault_reference(value) is None
        )


@dataclass(frozen=True, slots=True)
class Config:
    """A parsed config file. ``sections`` holds every top-level table other than profiles."""

    path: Path | None = None
    default_profile: str | None = None
    profiles: Mapping[str, Profile] = field(default_factory=lambda: MappingProxyType({}))
    sections: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def profile(self, name: str) -> Profile:
        """The profile called ``name``; a clear error listing the others if there is none."""
        try:
            return self.profiles[name]
        except KeyError:
            where = str(self.path) if self.path else "the config file"
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ConfigFileError(
                f"There is no profile {name!r} in {where}.",
                field="profile",
                hint=f"Use one of the profiles defined there ({known}), or add a "
                f"[profiles.{name}] table.",
            ) from None


def parse_config(text: str, *, path: Path | None = None) -> Config:
    """Parse config file text. Errors name the file, the key and the fix, never a value."""
    where = str(path) if path else "config"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message gives the position only ("... (at line 3, column 7)"), no content.
        raise ConfigFileError(
            f"{where} is not valid TOML: {exc}",
            field="config",
            hint="Fix the TOML syntax at that position (strings need double quotes).",
        ) from exc

    default_profile = data.pop("default_profile", None)
    if default_profile is not None and not isinstance(default_profile, str):
        raise ConfigFileError(
            f"default_profile in {where} must be a string.",
            field="default_profile",
            hint='Write it as default_profile = "NAME".',
        )
    raw_profiles = data.pop("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigFileError(
            f"'profiles' in {where} must be a table of tables.",
            field="profiles",
            hint="Write each profile as a [profiles.NAME] table.",
        )
    profiles = {
        name: _parse_profile(name, table, where) for name, table in sorted(raw_profiles.items())
    }
    if default_profile is not None and default_profile not in profiles:
        known = ", ".join(profiles) or "none"
        raise ConfigFileError(
            f"default_profile {default_profile!r} in {where} has no [profiles.{default_profile}]"
            " table.",
            field="default_profile",
            hint=f"Name one of the defined profiles ({known}).",
        )
    _refuse_misspelt(data, where)
    return Config(
        path=path,
        default_profile=default_profile,
        profiles=MappingProxyType(profiles),
        sections=MappingProxyType(data),
    )


#: The tables twiliokit reads (besides ``[profiles.NAME]``) and its one top-level key.
KNOWN_NAMES: Final = (
    "compliance",
    "default_profile",
    "guardrails",
    "outbox",
    "profiles",
    "webhooks",
)


def _refuse_misspelt(data: Mapping[str, Any], where: str) -> None:
    """Other tables are the user's own (``Config.sections``), but one named like a table
    twiliokit reads is a typo: ignored, it would turn off what it was meant to set (a
    misspelt ``[compliance]`` sends to every country)."""
    for name in set(data) - set(KNOWN_NAMES):
        close = difflib.get_close_matches(name, KNOWN_NAMES, n=1, cutoff=0.75)
        if close:
            raise ConfigFileError(
                f"unknown table or key {name!r} in {where}: did you mean {close[0]!r}?",
                field=name,
                hint=f"Spell it {close[0]}; twiliokit reads only the tables "
                + ", ".join(f"[{known}]" for known in KNOWN_NAMES if known != "default_profile")
                + " and default_profile (other names are left to your own code).",
            )


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and parse the config file at ``path`` (a path or a string)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError(
            f"No config file at {path}.",
            field="config",
            hint="Create it (see docs/connections.md), or point TWILIOKIT_CONFIG / --config at "
            "an existing file.",
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            f"The config file {path} is not UTF-8 text (byte {exc.start + 1} is not UTF-8).",
            field="config",
            hint="Save it as UTF-8 (TOML files are), or point TWILIOKIT_CONFIG / --config at "
            "another file.",
        ) from None
    except OSError as exc:
        raise ConfigFileError(
            f"Cannot read the config file {path}: {exc.strerror or exc}.",
            field="config",
            hint="Check the file's permissions, or point TWILIOKIT_CONFIG / --config at "
            "another file.",
        ) from None
    return parse_config(text, path=path)


def _parse_profile(name: str, table: object, where: str) -> Profile:
    if not _PROFILE_NAME.fullmatch(name):
        raise ConfigFileError(
            f"Profile name {name!r} in {where} is not allowed.",
            field="profile",
            hint="Use letters, digits, '.', '_' or '-' (up to 64 characters).",
        )
    if not isinstance(table, dict):
        raise ConfigFileError(
            f"profiles.{name} in {where} must be a table.",
            field=f"profiles.{name}",
            hint=f'Write it as a [profiles.{name}] table of key = "value" lines.',
        )
    values: dict[str, str] = {}
    for key, value in table.items():
        if key not in PROFILE_KEYS:
            raise ConfigFileError(
                f"Unknown key {key!r} in [profiles.{name}] of {where}.",
                field=f"profiles.{name}.{key}",
                hint="Allowed keys: " + ", ".join(sorted(PROFILE_KEYS)) + ".",
            )
        if not isinstance(value, str):
            raise ConfigFileError(
                f"{key} in [profiles.{name}] of {where} must be a string.",
                field=f"profiles.{name}.{key}",
                hint=f'Quote it: {key} = "...".',
            )
        if vault_reference(value) == "":
            raise ConfigFileError(
                f"{key} in [profiles.{name}] of {where} says 'vault:' without a name.",
                field=f"profiles.{name}.{key}",
                hint=f'Write {key} = "vault:NAME" with the name used in `twiliokit vault set`.',
            )
        values[key] = value
    return Profile(name=name, values=MappingProxyType(values))


def _display(key: str, value: str) -> str:
    if key in SECRET_KEYS and vault_reference(value) is None:
        return mask_secret(value)
    return value
