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

from piplvault.core.policy import BUILTIN_ROLES
from piplvault.store import blind_index
from piplvault.store import customers as stored
from piplvault.store.audit_queries import has_audit_mark
from piplvault.store.engine import Connection
from piplvault.store.meta import read_meta, write_meta
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
        for cid, data in stored.records_without_mac(conn):
            stored.set_record_mac(conn, cid, keys.record_mac(cid, data))
            records += 1
        rows = 0
        for kind, tag, cid in blind_index.rows_without_mac(conn):
            blind_index.set_mac(conn, kind, tag, cid, keys.index_mac(kind, tag, cid))
            rows += 1
        write_meta(conn, MARK, VERSION)
        done = {"customers": records, "index_rows": rows}
        vault.record(conn, action=SEALED_ACTION, target="customers", details=done)
    return done


def _sealed_before(conn: Connection) -> bool:
    return has_audit_mark(conn, action=SEALED_ACTION, first_entry_text=f'"{MARK}"')
