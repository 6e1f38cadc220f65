"""Read-only questions vault/ asks of the audit tables (``audit_head``, ``audit_log``);
appending and verifying entries live in ``piplvault.audit``."""

from __future__ import annotations

from sqlalchemy import Connection, or_, select

from piplvault.store.schema import audit_log


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
