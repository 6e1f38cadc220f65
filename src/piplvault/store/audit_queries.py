"""Read-only questions vault/ asks of the audit tables (``audit_head``, ``audit_log``);
appending and verifying entries live in ``piplvault.audit``."""

from __future__ import annotations

from sqlalchemy import Connection, or_, select

from piplvault.errors import AuditUnavailableError
from piplvault.store.schema import audit_head, audit_log


def audit_head_row(conn: Connection) -> tuple[int, str]:
    """(seq, hash) of the audit log's head."""
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if row is None:
        raise AuditUnavailableError(
            "The audit head row is missing (table audit_head was emptied); run "
            "'piplvault audit verify' and restore from a backup"
        )
    return int(row.seq), str(row.hash)


def has_audit_mark(conn: Connection, *, action: str, first_entry_text: str) -> bool:
    """Whether an entry with ``action`` exists, or entry 1's details contain
    ``first_entry_text``."""
    query = (
        select(audit_log.c.seq)
        .where(
            or_(
                audit_log.c.action == action,
                (audit_log.c.seq == 1) & audit_log.c.details.contains(first_entry_text),
            )
        )
        .limit(1)
    )
    return conn.execute(query).first() is not None
