"""The second half of a restore: replay the shred journal into the staged database, destroy
customers whose backup-epoch key is gone, and audit the restore — all before the restored
vault is renamed into place and can be opened (R-NDS-9-1, reliability plan S2/S3)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, delete, func, insert, select, text, update

from piplvault.core.retention import CustomerPlan, Outcome
from piplvault.crypto.keyring import Keyring
from piplvault.store.customer_ids import note_customer_ids
from piplvault.store.records import unpack
from piplvault.store.schema import (
    blind_index,
    customers,
    field_history,
    shred_journal,
)
from piplvault.vault import integrity, lifecycle
from piplvault.vault.records import seal_record

if TYPE_CHECKING:
    from piplvault.settings import Settings
    from piplvault.vault.backups import KeyStore


def finish_restore(
    engine: Engine,
    settings: Settings,
    keyring: Keyring,
    manifest: dict[str, Any],
    *,
    key_store: KeyStore | None,
    epoch_expired: bool,
    loaded: dict[str, int],
) -> dict[str, Any]:
    from piplvault.vault.service import SystemClock, Vault

    staged = dataclasses.replace(settings, home=settings.home, db=None)
    vault = Vault(staged, engine, keyring, clock=SystemClock())
    integrity.seal_legacy_records(vault)  # a backup from before record MACs
    journal = key_store.journal if key_store is not None else []
    certificate = None
    with vault.write() as conn:
        before = int(
            conn.execute(select(func.count()).select_from(customers)).scalar_one()
        )
        replayed = _replay(conn, keyring, journal)
        erased = 0
        if epoch_expired:
            ids = [int(i) for i in conn.execute(select(customers.c.id)).scalars()]
            erased = len(ids)
            if ids:
                plans = [
                    CustomerPlan(
                        customer_id=i,
                        outcome=Outcome.DESTROY,
                        reason="backup epoch key destroyed",
                    )
                    for i in ids
                ]
                run = lifecycle._destroy(
                    vault,
                    conn,
                    lifecycle.load_schedule(vault),
                    plans,
                    reason=f"backup epoch {manifest['epoch']['id']} key destroyed "
                    "(backup retention window ended)",
                    kind="backup-epoch-expired",
                    approved_by=None,
                )
                certificate = run
        vault.record(
            conn,
            action="vault-restored",
            target=f"backup:{manifest['backup_id']}",
            details={
                "customers_in_backup": before,
                "journal_entries": len(journal),
                "customers_replayed": replayed["customers"],
                "restricted_replayed": replayed["restricted"],
                "epoch_expired": epoch_expired,
                "erased_for_epoch": erased,
            },
        )
    written = None
    if certificate is not None:
        written = lifecycle._write_run(vault, certificate, None)
    return {
        "customers_in_backup": before,
        "journal_entries_replayed": len(journal),
        "customers_removed_by_journal": replayed["customers"],
        "customers_restricted_by_journal": replayed["restricted"],
        "customers_erased_epoch_expired": erased,
        "certificate": str(written.certificate) if written else None,
        "tables": loaded,
    }


def _replay(
    conn: Any, keyring: Keyring, journal: list[dict[str, Any]]
) -> dict[str, int]:
    """Apply every journal entry (idempotent) and copy the entries the backup lacks."""
    known = set(conn.execute(select(shred_journal.c.seq)).scalars())
    if journal:  # the live vault used these ids: the restored one never hands them out
        note_customer_ids(conn, max(int(e["customer_id"]) for e in journal))
    created = _created_by_id(conn)
    whole = sorted(
        {
            int(e["customer_id"])
            for e in journal
            if e["scope"] == "customer" and _same_customer(e, created)
        }
    )
    present = len(whole)  # only customers still here, and the same ones
    if whole:
        _delete_customers(conn, whole)
    restricted = 0
    for entry in journal:
        if entry["scope"] != "fields" or not _same_customer(entry, created):
            continue
        if _drop_fields(conn, keyring, entry):
            restricted += 1
    missing = [e for e in journal if int(e["seq"]) not in known]
    if missing:
        conn.execute(insert(shred_journal), missing)
    return {"customers": present, "restricted": restricted}


def _created_by_id(conn: Any) -> dict[int, str]:
    rows = conn.execute(select(customers.c.id, customers.c.created_at))
    return {int(i): str(at) for i, at in rows}


def _same_customer(entry: dict[str, Any], created: dict[int, str]) -> bool:
    """A journal entry applies to the customer it names: same id and, when the entry
    records it, same created_at (never to someone who later got a reused id)."""
    cid = int(entry["customer_id"])
    if cid not in created:
        return False
    recorded = str(entry.get("customer_created") or "")
    return not recorded or recorded == created[cid]


def _delete_customers(conn: Any, ids: list[int]) -> None:
    conn.exec_driver_sql("DROP TABLE IF EXISTS shred_ids")
    conn.exec_driver_sql("CREATE TEMPORARY TABLE shred_ids (id BIGINT PRIMARY KEY)")
    lifecycle.insert_many_ids(conn, ids)
    for table, column in lifecycle.CUSTOMER_TABLES:
        sql = f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM shred_ids)"  # noqa: S608  our identifiers
        conn.execute(text(sql))
    conn.exec_driver_sql("DROP TABLE shred_ids")


def _drop_fields(conn: Any, keyring: Keyring, entry: dict[str, Any]) -> bool:
    cid = int(entry["customer_id"])
    row = conn.execute(
        select(customers.c.data, customers.c.status).where(customers.c.id == cid)
    ).first()
    if row is None:
        return False
    drop = [f for f in str(entry["fields"]).split(",") if f]
    sealed = unpack(bytes(row.data), customer_id=cid)
    kept = {n: s for n, s in sealed.items() if n not in drop}
    conn.execute(
        update(customers)
        .where(customers.c.id == cid)
        .values(**seal_record(keyring.sealing, cid, kept), status="restricted")
    )
    if drop:
        conn.execute(
            delete(field_history).where(
                field_history.c.customer_id == cid, field_history.c.field.in_(drop)
            )
        )
    conn.execute(delete(blind_index).where(blind_index.c.customer_id == cid))
    return row.status != "restricted" or len(kept) != len(sealed)
