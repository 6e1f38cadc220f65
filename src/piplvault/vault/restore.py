"""The second half of a restore: replay the shred journal into the staged database, destroy
customers whose backup-epoch key is gone, and audit the restore — all before the restored
vault is renamed into place and can be opened (R-NDS-9-1, reliability plan S2/S3)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from piplvault.core.retention import CustomerPlan, Outcome
from piplvault.crypto.keyring import Keyring
from piplvault.store import restore_replay as rows
from piplvault.store.customer_ids import all_customer_ids, note_customer_ids
from piplvault.store.engine import Connection
from piplvault.store.records import unpack
from piplvault.store.shred import delete_customer_rows
from piplvault.vault import integrity, retention, shred_run
from piplvault.vault.records import seal_record

if TYPE_CHECKING:
    from piplvault.settings import Settings
    from piplvault.store.engine import Engine
    from piplvault.vault.backup_restore import KeyStore


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
        # the rows loaded, or the counts the signed manifest took with the database
        # image: counting again would read a whole cold table of a restored file
        before = (
            loaded["customers"] if "customers" in loaded else rows.count_customers(conn)
        )
        replayed = _replay(conn, keyring, journal)
        erased = 0
        if epoch_expired:
            ids = all_customer_ids(conn)
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
                run = shred_run.destroy(
                    vault,
                    conn,
                    retention.load_schedule(vault),
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
        written = shred_run.write_run(vault, certificate, None)
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
    conn: Connection, keyring: Keyring, journal: list[dict[str, Any]]
) -> dict[str, int]:
    """Apply every journal entry (idempotent) and copy the entries the backup lacks."""
    if not journal:
        return {"customers": 0, "restricted": 0}
    known = rows.journal_seqs(conn)
    # the live vault used these ids: the restored one never hands them out
    note_customer_ids(conn, max(int(e["customer_id"]) for e in journal))
    created = rows.created_by_id(conn)
    whole = sorted(
        {
            int(e["customer_id"])
            for e in journal
            if e["scope"] == "customer" and _same_customer(e, created)
        }
    )
    present = len(whole)  # only customers still here, and the same ones
    if whole:
        delete_customer_rows(conn, whole)
    restricted = 0
    for entry in journal:
        if entry["scope"] != "fields" or not _same_customer(entry, created):
            continue
        if _drop_fields(conn, keyring, entry):
            restricted += 1
    missing = [e for e in journal if int(e["seq"]) not in known]
    if missing:
        rows.insert_journal(conn, missing)
    return {"customers": present, "restricted": restricted}


def _same_customer(entry: dict[str, Any], created: dict[int, str]) -> bool:
    """A journal entry applies to the customer it names: same id and, when the entry
    records it, same created_at (never to someone who later got a reused id)."""
    cid = int(entry["customer_id"])
    if cid not in created:
        return False
    recorded = str(entry.get("customer_created") or "")
    return not recorded or recorded == created[cid]


def _drop_fields(conn: Connection, keyring: Keyring, entry: dict[str, Any]) -> bool:
    cid = int(entry["customer_id"])
    found = rows.customer_record(conn, cid)
    if found is None:
        return False
    data, status = found
    drop = [f for f in str(entry["fields"]).split(",") if f]
    sealed = unpack(data, customer_id=cid)
    kept = {n: s for n, s in sealed.items() if n not in drop}
    rows.restrict_customer(conn, cid, seal_record(keyring.sealing, cid, kept), drop)
    return status != "restricted" or len(kept) != len(sealed)
