"""Backup format 2 layouts: a SQLite vault's backup is its database image with the epoch
key store and the customer data keys securely deleted from it (those keys travel only
sealed under the backup-epoch key); a PostgreSQL vault's backup is column-wise row chunks,
and restores the same (R-NDS-9-1; reliability plan B1, S3)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from piplvault.settings import load_settings
from piplvault.store import dump
from piplvault.vault import backups
from piplvault.vault.backup_restore import _open_records, _unlock
from tests.lifecycle.conftest import example_values, open_home


def _records(file: Path, home: Path) -> list[tuple[bytes, bytes]]:
    manifest = backups.verify_backup(file)
    _keyring, bkey = _unlock(manifest, load_settings({"home": home}))
    return list(_open_records(file, manifest, bkey, None))


@pytest.mark.sqlite_only(
    reason="the sqlite-image layout is a SQLite vault's backup; a PostgreSQL vault's "
    "row layout is test_postgresql_vault_backup_restores_into_sqlite_S2_R_NDS_9_1"
)
def test_sqlite_image_holds_no_data_key_and_no_epoch_key_R_NDS_9_1(
    home: Path, tmp_path: Path
) -> None:
    vault = open_home(home)
    try:
        info = backups.create_backup(vault, tmp_path / "bk")
    finally:
        vault.close()
    assert info.manifest["layout"] == "sqlite-image"
    with sqlite3.connect(home / "vault.db") as live:
        deks = [bytes(w) for (w,) in live.execute("SELECT wrapped FROM customer_keys")]
        epoch_keys = [
            bytes(k) for (k,) in live.execute("SELECT key_blob FROM backup_epochs")
        ]
    assert len(deks) == 200 and len(epoch_keys) == 1
    records = _records(info.path, home)
    image = b"".join(payload for kind, payload in records if kind == b"I")
    assert image[18:20] == b"\x02\x02"  # the vault's WAL mode; a memory copy cannot be
    copy = sqlite3.connect(":memory:")
    try:
        copy.deserialize(image[:18] + b"\x01\x01" + image[20:])
        assert copy.execute("SELECT count(*) FROM customers").fetchone() == (200,)
        assert copy.execute("SELECT count(*) FROM customer_keys").fetchone() == (0,)
        assert copy.execute("SELECT count(*) FROM backup_epochs").fetchone() == (0,)
    finally:
        copy.close()
    # securely deleted: not one wrapped DEK or epoch key blob left in the image's pages
    assert not [k for k in deks + epoch_keys if k in image]
    sealed = [kind for kind, _ in records if kind == b"E"]
    assert sealed and records[-1][0] == b"Z"
    raw = info.path.read_bytes()
    assert not [v for v in example_values(11) if v.encode() in raw]


def test_row_layout_round_trip_B1(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row layout (what a PostgreSQL vault writes) restores every value."""
    monkeypatch.setattr(dump, "sqlite_image", lambda conn, scrub: None)
    vault = open_home(home)
    try:
        info = backups.create_backup(vault, tmp_path / "bk")
        store = backups.live_key_store(vault)
        before = {
            i: vault.show_customer(i, reveal=True, purpose="contract").fields
            for i in (1, 77, 200)
        }
    finally:
        vault.close()
    assert info.manifest["layout"] == "rows"
    assert not [kind for kind, _ in _records(info.path, home) if kind == b"I"]
    into = tmp_path / "r"
    result = backups.restore_backup(
        info.path, into, load_settings({"home": into}), key_store=store
    )
    assert result["customers_in_backup"] == 200
    assert result["tables"]["customer_keys"] == 200
    restored = open_home(into)
    try:
        for i, fields in before.items():
            view = restored.show_customer(i, reveal=True, purpose="contract")
            assert {k: f.value for k, f in view.fields.items()} == {
                k: f.value for k, f in fields.items()
            }
    finally:
        restored.close()


@pytest.mark.postgres
def test_postgresql_vault_backup_restores_into_sqlite_S2_R_NDS_9_1(
    fresh_postgres_db: str, tmp_path: Path
) -> None:
    """A PostgreSQL vault's backup (row layout) restores into a SQLite vault with the same
    values, and the live journal's deletion is replayed."""
    from piplvault.io.tables import open_table
    from piplvault.vault import Vault, destruction
    from tests.conftest import PASSPHRASE
    from tests.security.conftest import write_rows

    settings = load_settings(
        {"home": tmp_path / "pg", "db": fresh_postgres_db, "passphrase": PASSPHRASE}
    )
    vault = Vault.create(settings)
    try:
        vault.import_table(open_table(write_rows(tmp_path / "a.csv", [1, 2, 3])))
        info = backups.create_backup(vault, tmp_path / "bk")
        before = vault.show_customer(2, reveal=True, purpose="contract").fields
        destruction.delete_customer(vault, 3, reason="erasure", out_dir=tmp_path / "c")
        store = backups.live_key_store(vault)
    finally:
        vault.close()
    assert info.manifest["layout"] == "rows"
    assert info.manifest["tables"]["customers"] == 3
    assert info.manifest["tables"]["audit_head"] == 1
    into = tmp_path / "r"
    result = backups.restore_backup(
        info.path, into, load_settings({"home": into}), key_store=store
    )
    assert result["customers_in_backup"] == 3
    assert result["customers_removed_by_journal"] == 1
    restored = open_home(into)
    try:
        view = restored.show_customer(2, reveal=True, purpose="contract")
        assert {k: f.value for k, f in view.fields.items()} == {
            k: f.value for k, f in before.items()
        }
        assert [c.id for c in restored.list_customers(limit=10).customers] == [1, 2]
    finally:
        restored.close()
