"""Key rotation: master passphrase change and key-encryption-key (KEK) versions.

* **Passphrase**: a fresh Argon2id salt, a new master key, every vault key rewrapped under it
  (the vault keys themselves do not change, so no data is touched).
* **KEK**: a new random version; every customer DEK and every backup-epoch key is rewrapped
  under it in batches; then (``retire``) the old versions are destroyed — refused while any
  row still references them. Ciphertext under a retired version fails with a typed error.

All in one audited transaction: either the whole rotation lands or nothing changes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from piplvault.crypto.aead import new_key
from piplvault.crypto.kdf import (
    KdfParams,
    check_passphrase_strength,
    derive_master_key,
)
from piplvault.crypto.keyring import (
    Keyring,
    WrappedKey,
    open_with_kek,
    rewrap_vault_keys,
    seal_with_kek,
    wrap_vault_key,
)
from piplvault.errors import IntegrityError, WrongPassphraseError
from piplvault.store import keys as key_rows
from piplvault.store.engine import Connection
from piplvault.store.meta import read_meta, write_meta

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

_BATCH = 5000


def rotate(
    vault: Vault,
    *,
    new_passphrase: str | None = None,
    kek: bool = False,
    retire: bool = True,
) -> dict[str, Any]:
    """Rotate what was asked; returns what changed (no key material)."""
    with vault.write() as conn:
        vault.authorize(conn, action="manage-keys")
        master = _current_master(vault, conn)
        rewrapped, retired = 0, []
        if kek:
            keyring = _add_kek_version(vault, conn, master)
            rewrapped = _rewrap_deks(conn, vault.keyring, keyring)
            _rewrap_epochs(conn, vault.keyring, keyring)
            vault.keyring = keyring
            if retire:
                retired = _retire_old_keks(vault, conn, master)
        elif retire and new_passphrase is None:
            retired = _retire_old_keks(vault, conn, master)
        if new_passphrase is not None:
            _change_passphrase(vault, conn, new_passphrase)
        report = {
            "passphrase_changed": new_passphrase is not None,
            "kek_version": vault.keyring.kek_version,
            "deks_rewrapped": rewrapped,
            "retired": retired,
        }
        vault.record(conn, action="keys-rotated", target="vault-keys", details=report)
    return report


def _current_master(vault: Vault, conn: Connection) -> bytes:
    passphrase = vault.settings.passphrase
    if passphrase is None or not passphrase.reveal():
        raise WrongPassphraseError("Key rotation needs the current passphrase")
    params = KdfParams.from_dict(json.loads(read_meta(conn, "kdf") or ""))
    master = derive_master_key(passphrase.reveal(), params)
    Keyring(master, _wrapped(conn))  # raises WrongPassphraseError if it does not unlock
    return master


def _wrapped(conn: Connection) -> list[WrappedKey]:
    return [
        WrappedKey(purpose=purpose, version=version, blob=blob)
        for purpose, version, blob in key_rows.vault_key_rows(conn)
    ]


def _add_kek_version(vault: Vault, conn: Connection, master: bytes) -> Keyring:
    version = vault.keyring.current_version("kek") + 1
    key = wrap_vault_key(master, "kek", version, new_key())
    key_rows.insert_vault_key(
        conn, purpose="kek", version=version, blob=key.blob, created_at=vault.now()
    )
    vault.record(
        conn,
        action="vault-key-created",
        target=f"vault-key:kek:v{version}",
        details={"purpose": "kek", "version": version, "state": "active"},
    )
    return Keyring(master, _wrapped(conn))


def _rewrap_deks(conn: Connection, old: Keyring, new: Keyring) -> int:
    """Unwrap every DEK not yet on the newest KEK and wrap it again, in batches."""
    target, done, last = new.kek_version, 0, -1
    while True:
        rows = key_rows.deks_not_on(conn, target, last, _BATCH)
        if not rows:
            return done
        key_rows.rewrite_deks(
            conn,
            [
                (new.wrap_dek(cid, old.unwrap_dek(cid, wrapped, version)), target, cid)
                for cid, version, wrapped in rows
            ],
        )
        done += len(rows)
        last = rows[-1][0]


def _rewrap_epochs(conn: Connection, old: Keyring, new: Keyring) -> None:
    for r in key_rows.epochs_not_on(conn, new.kek_version):
        aad = f"backup-epoch/{r.epoch_id}".encode()
        raw = open_with_kek(
            old,
            bytes(r.key_blob),
            aad,
            int(r.kek_version),
            what=f"backup epoch {r.epoch_id} key",
        )
        version, blob = seal_with_kek(new, raw, aad)
        key_rows.rewrite_epoch_key(conn, str(r.epoch_id), version, blob)


def _retire_old_keks(vault: Vault, conn: Connection, master: bytes) -> list[str]:
    """Destroy KEK versions no row references any more (refused otherwise)."""
    current = vault.keyring.kek_version
    old = [v for (p, v) in _versions(conn) if p == "kek" and v != current]
    retired = []
    for version in old:
        in_use = key_rows.keys_under_kek(conn, version)
        if in_use:
            raise IntegrityError(
                f"Cannot retire key-encryption key v{version}: {in_use} keys still wrapped "
                "under it; run 'piplvault keys rotate --kek' to rewrap first"
            )
        key_rows.delete_vault_key(conn, "kek", version)
        vault.record(
            conn,
            action="vault-key-destroyed",
            target=f"vault-key:kek:v{version}",
            details={"purpose": "kek", "version": version, "state": "destroyed"},
        )
        retired.append(f"kek:v{version}")
    vault.keyring = Keyring(master, _wrapped(conn))
    return retired


def _versions(conn: Connection) -> list[tuple[str, int]]:
    return [(purpose, version) for purpose, version, _ in key_rows.vault_key_rows(conn)]


def _change_passphrase(vault: Vault, conn: Connection, new_passphrase: str) -> None:
    check_passphrase_strength(new_passphrase)
    params = KdfParams.new(memory_kib=vault.settings.kdf_memory_kib)
    new_master = derive_master_key(new_passphrase, params)
    for key in rewrap_vault_keys(vault.keyring, new_master):
        key_rows.update_vault_key(conn, key.purpose, key.version, key.blob)
    write_meta(conn, "kdf", json.dumps(params.to_dict()))
    Keyring(new_master, _wrapped(conn))  # the new passphrase must unlock what we wrote
    vault.record(
        conn,
        action="master-passphrase-changed",
        target="vault",
        details={"kdf": "argon2id", "memory_kib": params.memory_kib},
    )
