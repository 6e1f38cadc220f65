"""Backup layouts: a SQLite vault's backup is its database file page by page, the epoch
key store left out and the customer data keys' pages sealed again under the backup-epoch
key (format 3); when a reader holds the WAL, a database image made through SQLite; a
PostgreSQL vault's backup is column-wise row chunks. Each restores the same (R-NDS-9-1;
reliability plan B1, S3)."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from piplvault.settings import load_settings
from piplvault.store import dump, sqlite_pages
from piplvault.vault import backup_pages, backups, destruction
from piplvault.vault.backup_restore import _open_records, _unlock
from tests.lifecycle.conftest import example_values, open_home

sqlite_only = pytest.mark.sqlite_only(
    reason="the page and image layouts are a SQLite vault's backup; a PostgreSQL "
    "vault's row layout is test_postgresql_vault_backup_restores_into_sqlite_S2_R_NDS_9_1"
)


def _records(file: Path, home: Path) -> list[tuple[bytes, bytes]]:
    manifest = backups.verify_backup(file)
    _keyring, bkey = _unlock(manifest, load_settings({"home": home}))
    return [
        (kind, bytes(payload))  # each payload is a view of a reused buffer
        for kind, payload in _open_records(file, manifest, bkey, None)
    ]


def _backup(home: Path, tmp_path: Path) -> tuple[backups.BackupInfo, backups.KeyStore]:
    """A backup of the vault at ``home`` and its live key store."""
    vault = open_home(home)
    try:
        info = backups.create_backup(vault, tmp_path / "bk")
        return info, backups.live_key_store(vault)
    finally:
        vault.close()


def _restore(
    info: backups.BackupInfo, store: backups.KeyStore, tmp_path: Path
) -> tuple[Path, dict[str, Any]]:
    """Restore ``info`` with the live key store into a new directory: (it, the result)."""
    into = tmp_path / "r"
    return into, backups.restore_backup(
        info.path, into, load_settings({"home": into}), key_store=store
    )


def _integrity(db: Path) -> list[tuple[str, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchall()


def _live_keys(home: Path) -> tuple[list[tuple[int, bytes]], list[bytes]]:
    with closing(sqlite3.connect(home / "vault.db")) as live:
        deks = [
            (int(i), bytes(w))
            for i, w in live.execute(
                "SELECT customer_id, wrapped FROM customer_keys ORDER BY customer_id"
            )
        ]
        epoch_keys = [
            bytes(k) for (k,) in live.execute("SELECT key_blob FROM backup_epochs")
        ]
    return deks, epoch_keys


@sqlite_only
def test_page_layout_holds_no_data_key_and_no_epoch_key_R_NDS_9_1(
    home: Path, tmp_path: Path
) -> None:
    """A SQLite vault's backup is its database file page by page: the epoch key store's
    pages are left out, the customer data keys' pages travel only sealed again under the
    epoch key, and the restored file is the same database (SQLite's integrity check)."""
    info, store = _backup(home, tmp_path)
    assert info.manifest["layout"] == "pages"
    assert info.manifest["format"] == "piplvault-backup/3"
    deks, epoch_keys = _live_keys(home)
    assert len(deks) == 200 and len(epoch_keys) == 1
    records = _records(info.path, home)
    kinds = [kind for kind, _ in records]
    assert kinds[0] == b"M" and kinds[-1] == b"Z" and b"P" in kinds
    image = b"".join(payload for kind, payload in records if kind == b"I")
    assert image.startswith(b"SQLite format 3\x00")
    sealed_apart = b"".join(payload for kind, payload in records if kind == b"P")
    # not one wrapped DEK or epoch key blob in the pages, nor in the sealed key pages
    assert not [w for _, w in deks if w in image or w in sealed_apart]
    assert not [k for k in epoch_keys if k in image or k in sealed_apart]
    raw = info.path.read_bytes()
    assert not [v for v in example_values(11) if v.encode() in raw]
    into, result = _restore(info, store, tmp_path)
    assert result["customers_in_backup"] == 200
    assert _integrity(into / "vault.db") == [("ok",)]
    restored_deks, restored_epochs = _live_keys(into)
    assert restored_deks == deks and restored_epochs == []


@sqlite_only
def test_page_layout_without_the_epoch_key_rebuilds_an_empty_key_table_S3(
    home: Path, tmp_path: Path
) -> None:
    """Without the epoch key the data keys' pages stay sealed: the restored file is a
    sound database whose key table is empty, and every customer is crypto-erased."""
    vault = open_home(home)
    try:
        info = backups.create_backup(vault, tmp_path / "bk")
        pem = vault.public_key_pem()
    finally:
        vault.close()
    into = tmp_path / "r"
    signer = serialization.load_pem_public_key(pem.encode())
    assert isinstance(signer, Ed25519PublicKey)
    result = backups.restore_backup(
        info.path,
        into,
        load_settings({"home": into}),
        key_store=None,
        without_epoch_key=True,
        public_key=signer,
    )
    assert result["customers_erased_epoch_expired"] == 200
    assert _integrity(into / "vault.db") == [("ok",)]
    assert _live_keys(into) == ([], [])


@sqlite_only
def test_a_reader_holding_the_wal_makes_an_image_backup_that_restores_B1(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a reader's old snapshot keeps the WAL from being checkpointed into the file,
    the backup is made through SQLite instead (``sqlite-image``) and restores the same."""
    monkeypatch.setattr(sqlite_pages, "CHECKPOINT_PATIENCE_S", 0.2)
    vault = open_home(home)
    reader = sqlite3.connect(home / "vault.db", isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM customers").fetchone()  # a snapshot
        destruction.delete_customer(vault, 7, reason="erasure", out_dir=tmp_path / "c")
        info = backups.create_backup(vault, tmp_path / "bk")
        store = backups.live_key_store(vault)
    finally:
        reader.close()
        vault.close()
    assert info.manifest["layout"] == "sqlite-image"
    into, result = _restore(info, store, tmp_path)
    assert result["customers_in_backup"] == 199
    assert _integrity(into / "vault.db") == [("ok",)]
    assert _live_keys(into)[0] == _live_keys(home)[0]


@sqlite_only
def test_without_dbstat_the_backup_is_an_image_B1(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite built without the ``dbstat`` table cannot map pages to tables: the backup
    is made through SQLite instead, and restores."""

    def no_dbstat(conn: object, tables: object) -> None:
        raise sqlite3.OperationalError("no such table: dbstat")

    monkeypatch.setattr(sqlite_pages, "btrees_of", no_dbstat)
    info, store = _backup(home, tmp_path)
    assert info.manifest["layout"] == "sqlite-image"
    into, _result = _restore(info, store, tmp_path)
    assert _integrity(into / "vault.db") == [("ok",)]
    assert _live_keys(into)[0] == _live_keys(home)[0]


def test_row_layout_round_trip_B1(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row layout (what a PostgreSQL vault writes) restores every value."""
    monkeypatch.setattr(backup_pages, "plan_pages", lambda conn, **_: None)
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
    into, result = _restore(info, store, tmp_path)
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
    into, result = _restore(info, store, tmp_path)
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


FORMAT_2 = Path(__file__).parent.parent / "data" / "backup-format-2"


@pytest.mark.sqlite_only(
    reason="the format-2 fixture's live vault is a SQLite file (tests/data/backup-format-2)"
)
def test_a_format_2_backup_still_restores_B1(tmp_path: Path) -> None:
    """A backup written by the previous version (format 2, ``sqlite-image``: 5 example
    customers; customer 2 deleted from the live vault afterwards) verifies and restores
    with this version, and the live vault's deletion is replayed (R-NDS-9-1)."""
    live = tmp_path / "live"
    live.mkdir()
    for name in ("live-vault.db", "audit-head.json"):
        shutil.copy(FORMAT_2 / name, live / name.removeprefix("live-"))
    backup = FORMAT_2 / "backup.pvbak"
    vault = open_home(live)
    try:
        store = backups.live_key_store(vault)
    finally:
        vault.close()
    manifest = backups.verify_backup(backup)
    assert (manifest["format"], manifest["layout"]) == (
        "piplvault-backup/2",
        "sqlite-image",
    )
    into = tmp_path / "r"
    result = backups.restore_backup(
        backup, into, load_settings({"home": into}), key_store=store
    )
    assert result["customers_in_backup"] == 5
    assert result["customers_removed_by_journal"] == 1
    assert _integrity(into / "vault.db") == [("ok",)]
    restored = open_home(into)
    try:
        assert [c.id for c in restored.list_customers(limit=10).customers] == [
            1,
            3,
            4,
            5,
        ]
        shown = restored.show_customer(3, reveal=True, purpose="contract")
        values = {str(f.value) for f in shown.fields.values()}
        assert set(example_values(3)) <= values
    finally:
        restored.close()
