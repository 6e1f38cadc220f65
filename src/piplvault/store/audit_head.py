"""Read the audit chain's head (table ``audit_head``): the last sequence number and hash.

Reports, certificates and backups quote it so a reader can check them against
``audit verify``.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from piplvault.errors import AuditUnavailableError
from piplvault.store.schema import audit_head


def read_audit_head(conn: Connection) -> tuple[int, str]:
    """``(seq, hash)`` of the newest audit entry; a typed error if the row was removed."""
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if row is None:
        raise AuditUnavailableError(
            "The audit head row is missing (table audit_head was emptied); run "
            "'piplvault audit verify' and restore from a backup"
        )
    return int(row.seq), str(row.hash)
