"""SQL for crypto-shredding customers: the shred journal, the set-based deletion of every
row a customer owns (data key first), and the WAL checkpoint that leaves no residue.

Deletion goes through a temporary id table (``shred_ids``) so 100,000 customers are removed
by a handful of statements. Everything is SQLAlchemy Core, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.schema import CreateTable, DropTable

from piplvault.store.engine import is_sqlite
from piplvault.store.schema import customers, metadata, shred_journal

#: Every table holding a customer's rows, data key first (crypto-erase), the record last.
CUSTOMER_TABLES = (
    ("customer_keys", "customer_id"),
    ("blind_index", "customer_id"),
    ("field_history", "customer_id"),
    ("customer_lifecycle", "customer_id"),
    ("customer_purposes", "customer_id"),
    ("consents", "customer_id"),
    ("customers", "id"),
)

#: The per-transaction id list a deletion works through (never part of the schema).
shred_ids = Table(
    "shred_ids",
    MetaData(),
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    prefixes=["TEMPORARY"],
)


def create_id_table(conn: Connection) -> None:
    """A fresh, empty ``shred_ids`` temporary table."""
    conn.execute(DropTable(shred_ids, if_exists=True))
    conn.execute(CreateTable(shred_ids))


def drop_id_table(conn: Connection) -> None:
    conn.execute(DropTable(shred_ids))


def insert_many_ids(conn: Connection, ids: Sequence[int]) -> None:
    """Fill ``shred_ids`` (created by :func:`create_id_table`) with these ids."""
    conn.execute(insert(shred_ids), [{"id": i} for i in ids])


def delete_listed_customers(conn: Connection) -> None:
    """Delete every row of the customers in ``shred_ids``: the data key first, so from
    then on every ciphertext of theirs is noise, the record last."""
    listed = select(shred_ids.c.id)
    for name, column in CUSTOMER_TABLES:
        table = metadata.tables[name]
        conn.execute(delete(table).where(table.c[column].in_(listed)))


def delete_customer_rows(conn: Connection, ids: Sequence[int]) -> None:
    """Delete every row of these customers (no journal entry: a replay of one)."""
    if not ids:
        return
    create_id_table(conn)
    insert_many_ids(conn, ids)
    delete_listed_customers(conn)
    drop_id_table(conn)


def shred_customers(
    conn: Connection, ids: Sequence[int], *, run_id: str, at: str, reason: str
) -> None:
    """Journal these customers, then destroy their data keys and every row they own."""
    if not ids:
        return
    create_id_table(conn)
    insert_many_ids(conn, ids)
    # Journal first (same transaction), naming each customer by id and created_at so a
    # replay never deletes someone else (issue 10, attack 2).
    conn.execute(
        insert(shred_journal).from_select(
            [
                "customer_id",
                "at",
                "run_id",
                "scope",
                "fields",
                "reason",
                "customer_created",
            ],
            select(
                customers.c.id,
                literal(at),
                literal(run_id),
                literal("customer"),
                literal(""),
                literal(reason),
                customers.c.created_at,
            )
            .where(customers.c.id.in_(select(shred_ids.c.id)))
            .order_by(customers.c.id),
        )
    )
    delete_listed_customers(conn)
    drop_id_table(conn)


def journal_fields(
    conn: Connection,
    *,
    customer_id: int,
    at: str,
    run_id: str,
    fields: Sequence[str],
    reason: str,
    customer_created: str,
) -> None:
    """Journal the fields destroyed of a customer who is kept (restricted)."""
    conn.execute(
        insert(shred_journal).values(
            customer_id=customer_id,
            at=at,
            run_id=run_id,
            scope="fields",
            fields=",".join(fields),
            reason=reason,
            customer_created=customer_created,
        )
    )


def shredded_at(conn: Connection, customer_id: int) -> str | None:
    """When this customer id was shredded as a whole, if it was."""
    at = conn.execute(
        select(shred_journal.c.at).where(
            shred_journal.c.customer_id == customer_id,
            shred_journal.c.scope == "customer",
        )
    ).first()
    return None if at is None else str(at[0])


def journal_count(conn: Connection) -> int:
    return int(
        conn.execute(select(func.count()).select_from(shred_journal)).scalar_one()
    )


def packed_records(
    conn: Connection, ids: Sequence[int], *, chunk: int
) -> Iterator[bytes]:
    """The packed records (field names and ciphertexts) of these customers."""
    for start in range(0, len(ids), chunk):
        part = list(ids[start : start + chunk])
        for data in conn.execute(
            select(customers.c.data).where(customers.c.id.in_(part))
        ).scalars():
            yield bytes(data)


def checkpoint_wal(engine: Engine) -> None:
    """Fold the WAL into the database and truncate it, so freed pages leave no residue
    (SQLite only; PostgreSQL has no WAL file of ours to fold)."""
    if not is_sqlite(engine):
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()
