"""The encrypted vault on a real file system: round trips, wrong keys, modes, atomic writes."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from twiliokit.errors import VaultError
from twiliokit.vault import Vault

SECRET = "f00dfeedf00dfeedf00dfeedf00dfeed"
PASSPHRASE = "correct horse battery staple"
# The lowest cost the vault accepts keeps these tests fast; the default is twice this.
FAST_N = 2**14

MakeVault = Callable[..., Vault]


@pytest.fixture
def make_vault(tmp_path: Path) -> MakeVault:
    """Factory: a new passphrase vault (or key-file vault) in tmp_path."""

    def make(name: str = "vault.json", *, key_file: Path | None = None) -> Vault:
        path = tmp_path / "data" / name
        if key_file is not None:
            return Vault.create(path, key_file=key_file)
        return Vault.create(path, passphrase=PASSPHRASE, scrypt_n=FAST_N)

    return make


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """A private key file holding 32 random bytes."""
    path = tmp_path / "vault.key"
    path.write_bytes(os.urandom(32))
    path.chmod(0o600)
    return path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_passphrase_round_trip_survives_reopening(make_vault: MakeVault) -> None:
    """A secret stored with a passphrase reads back from a freshly opened vault."""
    vault = make_vault()
    vault.set("twilio-prod", SECRET)
    reopened = Vault.open(vault.path, passphrase=PASSPHRASE)
    assert reopened.get("twilio-prod") == SECRET
    assert reopened.names() == ["twilio-prod"]


def test_key_file_round_trip(make_vault: MakeVault, key_file: Path) -> None:
    """A vault locked with a key file opens with the same key file."""
    vault = make_vault(key_file=key_file)
    vault.set("token", SECRET)
    assert Vault.open(vault.path, key_file=key_file).get("token") == SECRET


def test_wrong_passphrase_is_a_clear_error_without_secrets(make_vault: MakeVault) -> None:
    """A wrong passphrase fails with 'wrong passphrase', naming the field, showing nothing."""
    vault = make_vault()
    vault.set("token", SECRET)
    with pytest.raises(VaultError) as caught:
        Vault.open(vault.path, passphrase="wrong horse")
    assert caught.value.field == "passphrase"
    assert "wrong passphrase" in caught.value.message
    assert SECRET not in str(caught.value.to_dict())


def test_wrong_key_file_and_wrong_unlock_kind_are_clear_errors(
    make_vault: MakeVault, key_file: Path, tmp_path: Path
) -> None:
    """Another key file fails as 'wrong key file'; a passphrase on a key-file vault says so."""
    vault = make_vault(key_file=key_file)
    other = tmp_path / "other.key"
    other.write_bytes(os.urandom(32))
    other.chmod(0o600)
    with pytest.raises(VaultError, match="wrong key file"):
        Vault.open(vault.path, key_file=other)
    with pytest.raises(VaultError, match="locked with a key file") as caught:
        Vault.open(vault.path, passphrase=PASSPHRASE)
    assert caught.value.field == "key_file"


def test_key_file_readable_by_others_is_refused(make_vault: MakeVault, key_file: Path) -> None:
    """Like ssh, a key file other users can read is refused with the chmod fix."""
    key_file.chmod(0o644)
    with pytest.raises(VaultError) as caught:
        make_vault(key_file=key_file)
    assert caught.value.hint == f"Restrict it: chmod 600 {key_file}"


def test_vault_file_is_mode_0600_even_after_loosening(make_vault: MakeVault) -> None:
    """The vault is created 0600 and every write restores 0600."""
    vault = make_vault()
    assert _mode(vault.path) == 0o600
    vault.path.chmod(0o644)
    vault.set("token", SECRET)
    assert _mode(vault.path) == 0o600


def test_the_file_reveals_neither_secrets_nor_names(make_vault: MakeVault) -> None:
    """On disk, neither the secret nor its entry name appears."""
    vault = make_vault()
    vault.set("twilio-prod-token", SECRET)
    raw = vault.path.read_text()
    assert SECRET not in raw
    assert "twilio-prod-token" not in raw
    assert SECRET not in repr(vault)


def test_writes_replace_the_file_and_leave_no_temporary_files(make_vault: MakeVault) -> None:
    """Each write renames a complete new file into place (new inode), leaving nothing behind."""
    vault = make_vault()
    before = vault.path.stat().st_ino
    vault.set("token", SECRET)
    assert vault.path.stat().st_ino != before
    leftovers = [p.name for p in vault.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_failed_write_keeps_the_previous_vault(
    make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If writing fails part-way (disk error at fsync), the old vault is intact and readable."""
    vault = make_vault()
    vault.set("token", SECRET)
    before = vault.path.read_bytes()

    def disk_error(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_error)
    with pytest.raises(OSError, match="Input/output"):
        vault.set("other", "x" * 32)
    monkeypatch.undo()
    assert vault.path.read_bytes() == before
    assert [p.name for p in vault.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert Vault.open(vault.path, passphrase=PASSPHRASE).names() == ["token"]


def test_writers_keep_each_others_entries(make_vault: MakeVault) -> None:
    """Two open handles writing in turn do not drop each other's entries."""
    first = make_vault()
    second = Vault.open(first.path, passphrase=PASSPHRASE)
    first.set("a", SECRET)
    second.set("b", SECRET)
    first.delete("a")
    assert Vault.open(first.path, passphrase=PASSPHRASE).names() == ["b"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda doc: doc["kdf"].update(n=2**16),
        lambda doc: doc["kdf"].update(n=2**10),
        lambda doc: doc.update(ciphertext="AAAA" + doc["ciphertext"][4:]),
        lambda doc: doc.update(version=99),
        lambda doc: doc.pop("nonce"),
    ],
    ids=["header-edit", "weakened-kdf", "ciphertext-edit", "future-version", "truncated"],
)
def test_a_tampered_file_does_not_open(
    make_vault: MakeVault, tamper: Callable[[dict[str, object]], object]
) -> None:
    """Any change to the header or ciphertext is detected and reported as a VaultError."""
    vault = make_vault()
    vault.set("token", SECRET)
    document = json.loads(vault.path.read_text())
    tamper(document)
    vault.path.write_text(json.dumps(document))
    with pytest.raises(VaultError):
        Vault.open(vault.path, passphrase=PASSPHRASE)


def test_missing_entries_names_and_vaults_are_clear_errors(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    """Unknown names, invalid names and a missing file each get their own error and fix."""
    vault = make_vault()
    with pytest.raises(VaultError, match="no entry named 'nope'"):
        vault.get("nope")
    with pytest.raises(VaultError, match="no entry named 'nope'"):
        vault.delete("nope")
    with pytest.raises(VaultError) as caught:
        vault.set("bad name", SECRET)
    assert caught.value.field == "name"
    with pytest.raises(VaultError, match="no vault"):
        Vault.open(tmp_path / "missing.json", passphrase=PASSPHRASE)
    with pytest.raises(VaultError, match="already exists"):
        Vault.create(vault.path, passphrase=PASSPHRASE)
