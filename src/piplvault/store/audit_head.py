"""Read the audit chain's head (table ``audit_head``): the last sequence number and hash.

Reports and certificates quote it so a reader can check them against ``audit verify``.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from piplvault.store.schema import audit_head


def read_audit_head(conn: Connection) -> tuple[int, str]:
    """``(seq, hash)`` of the newest audit entry (the row always exists)."""
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    return int(row.seq), str(row.hash)
