"""SQL for purposes of processing (table ``purposes``) and the purposes each customer is
held for (table ``customer_purposes``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, insert, or_, select

from piplvault.store import reference
from piplvault.store.engine import insert_many
from piplvault.store.prepared import Prepared
from piplvault.store.schema import customer_purposes, purposes


@dataclass(frozen=True, slots=True, kw_only=True)
class PurposeRow:
    key: str
    name_zh: str
    basis: str
    necessity: str


def list_purposes(conn: Connection, *, by_creation: bool = False) -> list[PurposeRow]:
    """Every purpose (in creation order, then key, when ``by_creation``)."""
    if not by_creation:
        return list(
            reference.kept(
                conn, "purposes", lambda: [_purpose(r) for r in _ALL_PURPOSES.all(conn)]
            )
        )
    query = select(purposes).order_by(purposes.c.created_at, purposes.c.key)
    return [_purpose(r) for r in conn.execute(query)]


_ALL_PURPOSES = Prepared(select(purposes))


def has_purpose(conn: Connection, key: str) -> bool:
    query = select(purposes.c.key).where(purposes.c.key == key)
    return conn.execute(query).first() is not None


def insert_purpose(
    conn: Connection,
    *,
    key: str,
    name_zh: str,
    basis: str,
    necessity: str,
    created_at: str,
) -> None:
    conn.execute(
        insert(purposes).values(
            key=key,
            name_zh=name_zh,
            basis=basis,
            necessity=necessity,
            created_at=created_at,
        )
    )


def is_held_for(conn: Connection, customer_id: int, purpose: str) -> bool:
    """Whether the customer is recorded as held for ``purpose``."""
    query = select(customer_purposes.c.purpose).where(
        customer_purposes.c.customer_id == customer_id,
        customer_purposes.c.purpose == purpose,
    )
    return conn.execute(query).first() is not None


def add_held_for(
    conn: Connection, customer_id: int, purpose: str, *, source: str, at: str
) -> None:
    conn.execute(
        insert(customer_purposes).values(
            customer_id=customer_id, purpose=purpose, source=source, at=at
        )
    )


def is_held_for_or_first_hand(
    conn: Connection, customer_id: int, *, purpose: str, basis: str, not_source: str
) -> bool:
    """Whether the customer is held for ``purpose``, or for another purpose of legal
    basis ``basis`` from a source not LIKE ``not_source`` (a plain read's policy asks
    this for a contract purpose: `Prepared`)."""
    found = _HELD_OR_FIRST_HAND.scalars(
        conn,
        customer_id=customer_id,
        purpose=purpose,
        basis=basis,
        not_source=not_source,
    )
    return bool(found and found[0])


_HELD_OR_FIRST_HAND = Prepared(
    select(
        exists().where(
            customer_purposes.c.customer_id == bindparam("customer_id"),
            customer_purposes.c.purpose == purposes.c.key,
            or_(
                customer_purposes.c.purpose == bindparam("purpose"),
                and_(
                    purposes.c.basis == bindparam("basis"),
                    customer_purposes.c.source.not_like(bindparam("not_source")),
                ),
            ),
        )
    )
)


def _purpose(row: Any) -> PurposeRow:
    return PurposeRow(
        key=str(row.key),
        name_zh=str(row.name_zh),
        basis=str(row.basis),
        necessity=str(row.necessity),
    )


def insert_held_for(conn: Connection, rows: list[tuple[int, str, str, str]]) -> None:
    """Bulk-record (customer_id, purpose, source, at) rows (driver executemany)."""
    insert_many(conn, customer_purposes, list(rows))
