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

from sqlalchemy import Connection, delete, func, insert, select, update

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
from piplvault.store.schema import backup_epochs, customer_keys, meta, vault_keys

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
    params = KdfParams.from_dict(
        json.loads(
            conn.execute(select(meta.c.value).where(meta.c.key == "kdf")).scalar_one()
        )
    )
    master = derive_master_key(passphrase.reveal(), params)
    Keyring(master, _wrapped(conn))  # raises WrongPassphraseError if it does not unlock
    return master


def _wrapped(conn: Connection) -> list[WrappedKey]:
    return [
        WrappedKey(purpose=r.purpose, version=r.version, blob=bytes(r.blob))
        for r in conn.execute(select(vault_keys))
    ]


def _add_kek_version(vault: Vault, conn: Connection, master: bytes) -> Keyring:
    version = vault.keyring.current_version("kek") + 1
    key = wrap_vault_key(master, "kek", version, new_key())
    conn.execute(
        insert(vault_keys).values(
            purpose="kek", version=version, blob=key.blob, created_at=vault.now()
        )
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
        rows = conn.execute(
            select(
                customer_keys.c.customer_id,
                customer_keys.c.kek_version,
                customer_keys.c.wrapped,
            )
            .where(
                customer_keys.c.kek_version != target,
                customer_keys.c.customer_id > last,
            )
            .order_by(customer_keys.c.customer_id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return done
        params = [
            (
                new.wrap_dek(
                    int(r.customer_id),
                    old.unwrap_dek(int(r.customer_id), bytes(r.wrapped), r.kek_version),
                ),
                target,
                int(r.customer_id),
            )
            for r in rows
        ]
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"UPDATE customer_keys SET wrapped = {mark}, kek_version = {mark} "  # noqa: S608
            f"WHERE customer_id = {mark}",
            params,
        )
        done += len(rows)
        last = int(rows[-1].customer_id)


def _rewrap_epochs(conn: Connection, old: Keyring, new: Keyring) -> None:
    rows = conn.execute(
        select(backup_epochs).where(
            backup_epochs.c.key_blob.is_not(None),
            backup_epochs.c.kek_version != new.kek_version,
        )
    ).all()
    for r in rows:
        aad = f"backup-epoch/{r.epoch_id}".encode()
        raw = open_with_kek(
            old,
            bytes(r.key_blob),
            aad,
            int(r.kek_version),
            what=f"backup epoch {r.epoch_id} key",
        )
        version, blob = seal_with_kek(new, raw, aad)
        conn.execute(
            update(backup_epochs)
            .where(backup_epochs.c.epoch_id == r.epoch_id)
            .values(key_blob=blob, kek_version=version)
        )


def _retire_old_keks(vault: Vault, conn: Connection, master: bytes) -> list[str]:
    """Destroy KEK versions no row references any more (refused otherwise)."""
    current = vault.keyring.kek_version
    old = [v for (p, v) in _versions(conn) if p == "kek" and v != current]
    retired = []
    for version in old:
        in_use = (
            conn.execute(
                select(func.count())
                .select_from(customer_keys)
                .where(customer_keys.c.kek_version == version)
            ).scalar_one()
            + conn.execute(
                select(func.count())
                .select_from(backup_epochs)
                .where(
                    backup_epochs.c.kek_version == version,
                    backup_epochs.c.key_blob.is_not(None),
                )
            ).scalar_one()
        )
        if in_use:
            raise IntegrityError(
                f"Cannot retire key-encryption key v{version}: {in_use} keys still wrapped "
                "under it; run 'piplvault keys rotate --kek' to rewrap first"
            )
        conn.execute(
            delete(vault_keys).where(
                vault_keys.c.purpose == "kek", vault_keys.c.version == version
            )
        )
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
    return [
        (r.purpose, int(r.version))
        for r in conn.execute(select(vault_keys.c.purpose, vault_keys.c.version))
    ]


def _change_passphrase(vault: Vault, conn: Connection, new_passphrase: str) -> None:
    check_passphrase_strength(new_passphrase)
    params = KdfParams.new(memory_kib=vault.settings.kdf_memory_kib)
    new_master = derive_master_key(new_passphrase, params)
    for key in rewrap_vault_keys(vault.keyring, new_master):
        conn.execute(
            update(vault_keys)
            .where(
                vault_keys.c.purpose == key.purpose, vault_keys.c.version == key.version
            )
            .values(blob=key.blob)
        )
    conn.execute(
        update(meta)
        .where(meta.c.key == "kdf")
        .values(value=json.dumps(params.to_dict()))
    )
    Keyring(new_master, _wrapped(conn))  # the new passphrase must unlock what we wrote
    vault.record(
        conn,
        action="master-passphrase-changed",
        target="vault",
        details={"kdf": "argon2id", "memory_kib": params.memory_kib},
    )
