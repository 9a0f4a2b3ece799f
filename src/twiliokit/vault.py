"""An encrypted local vault for secrets: one JSON file, AES-256-GCM, mode 0600.

File layout (version 1)::

    {
      "format": "twiliokit-vault", "version": 1, "cipher": "aes-256-gcm",
      "kdf": {"name": "scrypt", "salt": "<b64>", "n": 32768, "r": 8, "p": 1}
          or {"name": "key-file", "salt": "<b64>"},
      "nonce": "<b64>", "ciphertext": "<b64>"
    }

The key is derived from a passphrase with scrypt, or from the bytes of a key file with
HKDF-SHA256, in both cases with a random per-file salt. The plaintext is a JSON object of entries
(``{"entries": {NAME: {"secret": ..., "updated": ISO-8601}}}``), so entry names are encrypted
too. The header (format, version, cipher, kdf) is bound to the ciphertext as associated data:
editing it makes the file fail to open rather than weakening it. Every write uses a fresh nonce
and replaces the file atomically (temporary file, fsync, rename), so a crash never leaves half a
vault. Writers take an advisory lock (POSIX ``flock``) around read-modify-write.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from twiliokit.errors import VaultError
from twiliokit.private_files import DIRECTORY_MODE, FILE_MODE, readable_by_others, write_private

__all__ = ["KEY_FILE_ENV", "PASSPHRASE_ENV", "VAULT_ENV", "Vault", "default_vault_path"]

#: Environment variables the CLI reads (the library itself never reads the environment).
VAULT_ENV = "TWILIOKIT_VAULT"
PASSPHRASE_ENV = "TWILIOKIT_VAULT_PASSPHRASE"  # noqa: S105 (a variable name, not a password)
KEY_FILE_ENV = "TWILIOKIT_VAULT_KEY_FILE"

_FORMAT = "twiliokit-vault"
_VERSION = 1
_CIPHER = "aes-256-gcm"
_KEY_FILE_INFO = b"twiliokit vault v1 key-file"
#: scrypt cost: N=2**15, r=8, p=1 uses 32 MiB and ~0.1 s, the interactive-login setting the
#: scrypt paper and OWASP suggest. Stored in the file, so it can be raised later.
_SCRYPT_N = 2**15
_SCRYPT_R = 8
#: Refuse files asking for less work than this (a lower cost could only come from tampering)
#: or for more memory than a laptop has (a denial of service planted in the file).
_SCRYPT_MIN_N = 2**14
_SCRYPT_MAX_N = 2**20
_MIN_KEY_FILE_BYTES = 32
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def default_vault_path() -> Path:
    """``vault.json`` in the user data directory (the CLI lets TWILIOKIT_VAULT override it)."""
    import platformdirs

    return platformdirs.user_data_path("twiliokit") / "vault.json"


class Vault:
    """An unlocked vault. Create one with ``Vault.open`` or ``Vault.create``.

    Exactly one of ``passphrase`` and ``key_file`` unlocks a vault, and it must be the kind the
    vault was created with.
    """

    __slots__ = ("_entries", "_header", "_key", "_path")

    def __init__(
        self, path: Path, key: bytes, header: dict[str, Any], entries: dict[str, dict[str, str]]
    ) -> None:
        self._path = path
        self._key = key
        self._header = header
        self._entries = entries

    def __repr__(self) -> str:
        return f"Vault(path={str(self._path)!r}, entries={len(self._entries)})"

    @property
    def path(self) -> Path:
        """Where the vault file lives."""
        return self._path

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        passphrase: str | None = None,
        key_file: Path | None = None,
        create: bool = False,
    ) -> Vault:
        """Unlock the vault at ``path``; with ``create=True`` make an empty one if there is none."""
        _check_unlock(passphrase, key_file)
        if create and not path.exists():
            return cls.create(path, passphrase=passphrase, key_file=key_file)
        header, nonce, ciphertext = _read_file(path)
        key = _derive_key(header, passphrase=passphrase, key_file=key_file, path=path)
        entries = _decrypt(key, header, nonce, ciphertext, path=path)
        return cls(path, key, header, entries)

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        passphrase: str | None = None,
        key_file: Path | None = None,
        scrypt_n: int = _SCRYPT_N,
    ) -> Vault:
        """Create an empty vault at ``path`` (refuses to overwrite an existing file)."""
        _check_unlock(passphrase, key_file)
        if path.exists():
            raise VaultError(
                f"A vault already exists at {path}.",
                field="vault",
                hint="Open it instead, or choose another path with TWILIOKIT_VAULT / --vault.",
            )
        salt = secrets.token_bytes(16)
        kdf: dict[str, Any]
        if passphrase is not None:
            if not _SCRYPT_MIN_N <= scrypt_n <= _SCRYPT_MAX_N or scrypt_n & (scrypt_n - 1):
                raise ValueError("scrypt_n must be a power of two from 2**14 to 2**20")
            kdf = {"name": "scrypt", "salt": _b64(salt), "n": scrypt_n, "r": _SCRYPT_R, "p": 1}
        else:
            kdf = {"name": "key-file", "salt": _b64(salt)}
        header = {"format": _FORMAT, "version": _VERSION, "cipher": _CIPHER, "kdf": kdf}
        key = _derive_key(header, passphrase=passphrase, key_file=key_file, path=path)
        vault = cls(path, key, header, {})
        with _locked(path):
            vault._write()
        return vault

    # -- reading -------------------------------------------------------------------------

    def names(self) -> list[str]:
        """The entry names, sorted."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def get(self, name: str) -> str:
        """The secret stored as ``name``."""
        _check_name(name)
        try:
            return self._entries[name]["secret"]
        except KeyError:
            raise VaultError(
                f"The vault {self._path} has no entry named {name!r}.",
                field="name",
                hint=f"Store it with `twiliokit vault set {name}`, or see `twiliokit vault list`.",
            ) from None

    # -- writing -------------------------------------------------------------------------

    def set(self, name: str, secret: str) -> None:
        """Store ``secret`` as ``name``, replacing any earlier value."""
        _check_name(name)
        if not secret:
            raise VaultError("The secret is empty.", field="secret", hint="Give a non-empty value.")
        with _locked(self._path):
            self._reload()
            self._entries[name] = {"secret": secret, "updated": _now()}
            self._write()

    def delete(self, name: str) -> None:
        """Remove the entry ``name`` (an error if there is none)."""
        _check_name(name)
        with _locked(self._path):
            self._reload()
            if name not in self._entries:
                raise VaultError(
                    f"The vault {self._path} has no entry named {name!r}.",
                    field="name",
                    hint="See the stored names with `twiliokit vault list`.",
                )
            del self._entries[name]
            self._write()

    def _reload(self) -> None:
        # Pick up entries another process wrote since we opened, so a write never drops them.
        header, nonce, ciphertext = _read_file(self._path)
        if header != self._header:
            raise VaultError(
                f"The vault file {self._path} was replaced by a different vault while open.",
                field="vault",
                hint="Run the command again.",
            )
        self._entries = _decrypt(self._key, header, nonce, ciphertext, path=self._path)

    def _write(self) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = secrets.token_bytes(12)
        plaintext = json.dumps({"entries": self._entries}, sort_keys=True).encode()
        ciphertext = AESGCM(self._key).encrypt(nonce, plaintext, _aad(self._header))
        document = {**self._header, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}
        write_private(self._path, json.dumps(document, indent=2).encode() + b"\n")


# -- helpers (pure unless named otherwise) --------------------------------------------------


def _check_unlock(passphrase: str | None, key_file: Path | None) -> None:
    if (passphrase is None) == (key_file is None):
        raise VaultError(
            "Give exactly one of a passphrase and a key file to unlock the vault.",
            field="passphrase",
            hint="Set TWILIOKIT_VAULT_PASSPHRASE (or answer the prompt), or set "
            "TWILIOKIT_VAULT_KEY_FILE, not both.",
        )
    if passphrase is not None and not passphrase:
        raise VaultError(
            "The vault passphrase is empty.",
            field="passphrase",
            hint="Use a non-empty passphrase (a long random phrase is best).",
        )


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise VaultError(
            "The vault entry name is not allowed.",
            field="name",
            hint="Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        )


def _derive_key(
    header: dict[str, Any], *, passphrase: str | None, key_file: Path | None, path: Path
) -> bytes:
    # cryptography is imported where it is used: the CLI loads this module for every command,
    # and most commands never touch the vault.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    kdf = header["kdf"]
    salt = _unb64(kdf["salt"], path)
    if kdf["name"] == "scrypt":
        if passphrase is None:
            raise VaultError(
                f"The vault {path} is locked with a passphrase, not a key file.",
                field="passphrase",
                hint="Unset TWILIOKIT_VAULT_KEY_FILE and give the passphrase "
                "(TWILIOKIT_VAULT_PASSPHRASE or the prompt).",
            )
        try:
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        except (KeyError, TypeError, ValueError):
            raise _corrupt(path, "its scrypt parameters are missing") from None
        if not (_SCRYPT_MIN_N <= n <= _SCRYPT_MAX_N and 1 <= r <= 32 and 1 <= p <= 16):
            raise _corrupt(path, "its scrypt parameters are out of range")
        secret = unicodedata.normalize("NFC", passphrase).encode()
        return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(secret)
    if kdf["name"] == "key-file":
        if key_file is None:
            raise VaultError(
                f"The vault {path} is locked with a key file, not a passphrase.",
                field="key_file",
                hint="Set TWILIOKIT_VAULT_KEY_FILE to the key file's path.",
            )
        material = _read_key_file(key_file)
        return HKDF(hashes.SHA256(), length=32, salt=salt, info=_KEY_FILE_INFO).derive(material)
    raise _corrupt(path, f"it uses an unknown key derivation {kdf['name']!r}")


def _read_key_file(key_file: Path) -> bytes:
    """Read a key file (I/O), refusing one other users can read, as ssh does for keys."""
    try:
        info = key_file.stat()
        material = key_file.read_bytes()
    except OSError as exc:
        raise VaultError(
            f"Cannot read the vault key file {key_file}: {exc.strerror or exc.__class__.__name__}.",
            field="key_file",
            hint="Check the key file's path and its permissions.",
        ) from exc
    if readable_by_others(info.st_mode):
        raise VaultError(
            f"The vault key file {key_file} can be read by other users.",
            field="key_file",
            hint=f"Restrict it: chmod 600 {key_file}",
        )
    if len(material) < _MIN_KEY_FILE_BYTES:
        raise VaultError(
            f"The vault key file {key_file} is too short to be a key.",
            field="key_file",
            hint="Fill it with at least 32 random bytes, e.g. "
            "`openssl rand -base64 32 > FILE && chmod 600 FILE`.",
        )
    return material


def _read_file(path: Path) -> tuple[dict[str, Any], bytes, bytes]:
    """Read and check the vault file's envelope (I/O); returns header, nonce, ciphertext."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise VaultError(
            f"There is no vault at {path}.",
            field="vault",
            hint="Create one by storing a secret: `twiliokit vault set NAME`.",
        ) from None
    except OSError as exc:
        raise VaultError(
            f"Cannot read the vault {path}: {exc.strerror or exc.__class__.__name__}.",
            field="vault",
            hint="Check the file's permissions (it should be yours, mode 0600).",
        ) from exc
    try:
        document = json.loads(raw)
    except ValueError:
        raise _corrupt(path, "it is not JSON") from None
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        raise _corrupt(path, "it is not a twiliokit vault")
    if document.get("version") != _VERSION:
        raise VaultError(
            f"The vault {path} has format version {document.get('version')!r}; this twiliokit "
            f"reads version {_VERSION}.",
            field="vault",
            hint="Use the twiliokit version that wrote it.",
        )
    kdf = document.get("kdf")
    if (
        document.get("cipher") != _CIPHER
        or not isinstance(kdf, dict)
        or not isinstance(kdf.get("salt"), str)
    ):
        raise _corrupt(path, "its header is incomplete")
    header = {key: document[key] for key in ("format", "version", "cipher", "kdf")}
    nonce, ciphertext = document.get("nonce"), document.get("ciphertext")
    if not isinstance(nonce, str) or not isinstance(ciphertext, str):
        raise _corrupt(path, "it has no ciphertext")
    return header, _unb64(nonce, path), _unb64(ciphertext, path)


def _decrypt(
    key: bytes, header: dict[str, Any], nonce: bytes, ciphertext: bytes, *, path: Path
) -> dict[str, dict[str, str]]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, _aad(header))
    except InvalidTag:
        kind = "passphrase" if header["kdf"]["name"] == "scrypt" else "key file"
        raise VaultError(
            f"Cannot open the vault {path}: wrong {kind}, or the file was modified.",
            field="passphrase" if kind == "passphrase" else "key_file",
            hint=f"Check the {kind} (TWILIOKIT_VAULT_PASSPHRASE / TWILIOKIT_VAULT_KEY_FILE); "
            "if it is right, restore the file from a backup.",
        ) from None
    entries = json.loads(plaintext)["entries"]
    assert isinstance(entries, dict)
    return entries


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an advisory lock on ``PATH.lock`` (I/O); a no-op where fcntl does not exist."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; last writer wins.
        yield
        return
    path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _corrupt(path: Path, why: str) -> VaultError:
    return VaultError(
        f"The vault file {path} is damaged: {why}.",
        field="vault",
        hint="Restore it from a backup, or move it away and store the secrets again.",
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, path: Path) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _corrupt(path, "it holds invalid base64") from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
