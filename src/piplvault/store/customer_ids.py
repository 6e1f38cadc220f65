"""Customer ids are never reused (issue 10, attack 2).

Imports allocate ids up front (rows are sealed in worker processes under a key bound to the
id), so the database cannot pick them. The next id is one above the highest id this vault
has *ever* used: the largest of the live ids, the ``customer_id_high_water`` meta row (kept
in the same transaction as every insert, and raised on restore from the shred journal) and,
on SQLite, the ``AUTOINCREMENT`` counter in ``sqlite_sequence``.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, text

from piplvault.store.meta import read_meta, write_meta
from piplvault.store.schema import customers

HIGH_WATER = "customer_id_high_water"


def highest_customer_id(conn: Connection) -> int:
    """The highest customer id ever used here (0 for a vault that never held anyone)."""
    live = conn.execute(select(func.max(customers.c.id))).scalar()
    marks = [int(live or 0), int(read_meta(conn, HIGH_WATER) or 0)]
    if conn.dialect.name == "sqlite":
        has_counter = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
        ).first()
        if has_counter is not None:
            seq = conn.execute(
                text("SELECT seq FROM sqlite_sequence WHERE name = 'customers'")
            ).scalar()
            marks.append(int(seq or 0))
    return max(marks)


def next_customer_id(conn: Connection) -> int:
    """The first id no customer of this vault ever had."""
    return highest_customer_id(conn) + 1


def note_customer_ids(conn: Connection, highest: int) -> None:
    """Record that ids up to ``highest`` are used (never handed out again)."""
    if highest > int(read_meta(conn, HIGH_WATER) or 0):
        write_meta(conn, HIGH_WATER, str(highest))


def all_customer_ids(conn: Connection) -> list[int]:
    """Every live customer's id."""
    return [int(i) for i in conn.execute(select(customers.c.id)).scalars()]
