"""Checks run when a vault is opened (issue 10): record MACs for vaults made before they
existed (attack 4), and ``policy.toml`` changes hashed into the audit log (attack 16).

Record and blind-index MACs:
Migration 0006 adds the ``mac`` columns but cannot compute MACs (it has no key). The first
open after the upgrade fills them, audits ``record-macs-sealed`` and sets the
``record_macs`` meta row. From then on a missing MAC is tampering, never "legacy": if the
meta row is removed, the audit log (entry 1 of a new vault, or the ``record-macs-sealed``
entry) still proves the vault was sealed, and nothing is re-sealed.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import Connection, or_, select, update

from piplvault.core.policy import BUILTIN_ROLES
from piplvault.store.meta import read_meta, write_meta
from piplvault.store.schema import audit_log, blind_index, customers
from piplvault.vault.policy import POLICY_FILE

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

POLICY_HASH = "policy_file_sha256"
POLICY_ACTION = "policy-file-changed"
MARK = "record_macs"
VERSION = "v1"
SEALED_ACTION = "record-macs-sealed"


def check_on_open(vault: Vault) -> None:
    """Everything ``Vault.open`` runs once the user is known."""
    seal_legacy_records(vault)
    note_policy_file(vault)


def note_policy_file(vault: Vault) -> str | None:
    """Audit a change of ``HOME/policy.toml`` (its SHA-256 and role names, before and
    after): custom roles decide who reads what, so an edit never goes unrecorded."""
    path = vault.settings.home / POLICY_FILE
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    except OSError:
        digest = "unreadable"
    with vault.read() as conn:
        known = read_meta(conn, POLICY_HASH)
    if known == digest or (known is None and not digest):
        return None
    with vault.write() as conn:
        write_meta(conn, POLICY_HASH, digest)
        vault.record(
            conn,
            action=POLICY_ACTION,
            target=f"file:{POLICY_FILE}",
            details={
                "sha256_before": known or "",
                "sha256_after": digest,
                "custom_roles": sorted(
                    name for name in vault.roles if name not in BUILTIN_ROLES
                ),
            },
        )
    return digest


def seal_legacy_records(vault: Vault) -> dict[str, int]:
    """Give every customer row and blind-index row without a MAC its MAC (once)."""
    with vault.read() as conn:
        if read_meta(conn, MARK) == VERSION:
            return {"customers": 0, "index_rows": 0}
    keys = vault.keyring.sealing
    with vault.write() as conn:
        if read_meta(conn, MARK) == VERSION:
            return {"customers": 0, "index_rows": 0}
        if _sealed_before(conn):  # the mark was deleted: bless nothing
            write_meta(conn, MARK, VERSION)
            return {"customers": 0, "index_rows": 0}
        records = 0
        for cid, data in conn.execute(
            select(customers.c.id, customers.c.data).where(customers.c.mac.is_(None))
        ).all():
            conn.execute(
                update(customers)
                .where(customers.c.id == cid)
                .values(mac=keys.record_mac(int(cid), bytes(data)))
            )
            records += 1
        rows = 0
        for kind, tag, cid in conn.execute(
            select(
                blind_index.c.kind, blind_index.c.tag, blind_index.c.customer_id
            ).where(blind_index.c.mac.is_(None))
        ).all():
            conn.execute(
                update(blind_index)
                .where(
                    blind_index.c.kind == kind,
                    blind_index.c.tag == tag,
                    blind_index.c.customer_id == cid,
                )
                .values(mac=keys.index_mac(str(kind), bytes(tag), int(cid)))
            )
            rows += 1
        write_meta(conn, MARK, VERSION)
        done = {"customers": records, "index_rows": rows}
        vault.record(conn, action=SEALED_ACTION, target="customers", details=done)
    return done


def _sealed_before(conn: Connection) -> bool:
    found = conn.execute(
        select(audit_log.c.seq)
        .where(
            or_(
                audit_log.c.action == SEALED_ACTION,
                (audit_log.c.seq == 1) & audit_log.c.details.contains(f'"{MARK}"'),
            )
        )
        .limit(1)
    ).first()
    return found is not None
