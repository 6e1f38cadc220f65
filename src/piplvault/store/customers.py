"""SQL for a customer's stored record: the ``customers`` row (sealed fields and their MAC),
its data key (``customer_keys``) and the superseded field versions (``field_history``).

Everything here is ciphertext or bookkeeping; sealing, MACs and decryption are vault/'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, insert, select, update

from piplvault.store.engine import insert_many
from piplvault.store.prepared import Prepared
from piplvault.store.records import field_keys_of
from piplvault.store.schema import (
    customer_keys,
    customer_lifecycle,
    customers,
    field_history,
)

#: A new ``customers`` row: (id, kind, status, created_at, updated_at, data, flags, mac);
#: ``insert_customers`` adds its ``field_keys``.
NewCustomer = tuple[int, str, str, str, str, bytes, str, bytes]
#: A new ``customer_keys`` row: (customer_id, kek_version, dek_version, wrapped).
NewCustomerKey = tuple[int, int, int, bytes]


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerRow:
    id: int
    kind: str
    status: str
    created_at: str
    updated_at: str
    data: bytes
    flags: str
    mac: bytes | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerKeyRow:
    """A customer's data key, wrapped under the vault key of ``kek_version``."""

    wrapped: bytes
    kek_version: int
    dek_version: int


def load_customer(conn: Connection, customer_id: int) -> CustomerRow | None:
    row = _CUSTOMER.first(conn, customer_id=customer_id)
    if row is None:
        return None
    return CustomerRow(
        id=int(row.id),
        kind=str(row.kind),
        status=str(row.status),
        created_at=str(row.created_at),
        updated_at=str(row.updated_at),
        data=bytes(row.data),
        flags=str(row.flags or ""),
        mac=None if row.mac is None else bytes(row.mac),
    )


def load_sealed(
    conn: Connection, customer_id: int
) -> tuple[bytes, str, bytes | None] | None:
    """(data, flags, mac) of the customer's record: what an update needs, nothing more."""
    query = select(customers.c.data, customers.c.flags, customers.c.mac).where(
        customers.c.id == customer_id
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return (
        bytes(row.data),
        str(row.flags or ""),
        None if row.mac is None else bytes(row.mac),
    )


def has_customer(conn: Connection, customer_id: int) -> bool:
    query = select(customers.c.id).where(customers.c.id == customer_id)
    return conn.execute(query).first() is not None


def customer_ids(conn: Connection, *, limit: int, offset: int) -> list[int]:
    """A page of customer ids, in id order."""
    query = select(customers.c.id).order_by(customers.c.id).limit(limit).offset(offset)
    return [int(v) for v in conn.execute(query).scalars()]


def last_customer_id(conn: Connection) -> int | None:
    """The highest live customer id (None for an empty vault)."""
    value = conn.execute(select(func.max(customers.c.id))).scalar()
    return None if value is None else int(value)


def count_by_kind(conn: Connection) -> dict[str, int]:
    query = select(customers.c.kind, func.count()).group_by(customers.c.kind)
    return {str(kind): int(count) for kind, count in conn.execute(query).all()}


def record_data(conn: Connection) -> Iterator[bytes]:
    """Every customer's packed record (ciphertexts), streamed."""
    for data in conn.execute(select(customers.c.data)).scalars():
        yield bytes(data)


def save_record(
    conn: Connection,
    customer_id: int,
    *,
    data: bytes,
    mac: bytes,
    updated_at: str,
    flags: str,
) -> None:
    """Replace the customer's sealed record, its MAC and flags."""
    conn.execute(
        update(customers)
        .where(customers.c.id == customer_id)
        .values(
            data=data,
            mac=mac,
            updated_at=updated_at,
            flags=flags,
            field_keys=field_keys_of(data),
        )
    )


def insert_customers(
    conn: Connection, rows: list[NewCustomer], keys: list[NewCustomerKey]
) -> None:
    """Bulk-insert new customers and their data keys (driver executemany)."""
    insert_many(conn, customers, [(*row, field_keys_of(row[5])) for row in rows])
    insert_many(conn, customer_keys, list(keys))


def records_without_mac(conn: Connection) -> list[tuple[int, bytes]]:
    """(id, data) of every record stored before record MACs existed."""
    query = select(customers.c.id, customers.c.data).where(customers.c.mac.is_(None))
    return [(int(cid), bytes(data)) for cid, data in conn.execute(query).all()]


def set_record_mac(conn: Connection, customer_id: int, mac: bytes) -> None:
    conn.execute(update(customers).where(customers.c.id == customer_id).values(mac=mac))


def load_customer_key(conn: Connection, customer_id: int) -> CustomerKeyRow | None:
    """The customer's wrapped data key (None once it was shredded)."""
    row = _CUSTOMER_KEY.first(conn, customer_id=customer_id)
    if row is None:
        return None
    return CustomerKeyRow(
        wrapped=bytes(row.wrapped),
        kek_version=int(row.kek_version),
        dek_version=int(row.dek_version),
    )


def count_customer_keys(conn: Connection) -> int:
    query = select(func.count()).select_from(customer_keys)
    return int(conn.execute(query).scalar_one())


def insert_superseded(
    conn: Connection,
    *,
    customer_id: int,
    field: str,
    version: int,
    ciphertext: bytes,
    at: str,
) -> None:
    """Keep a superseded field version (still under the customer's key) in history."""
    conn.execute(
        insert(field_history).values(
            customer_id=customer_id,
            field=field,
            version=version,
            ciphertext=ciphertext,
            superseded_at=at,
        )
    )


def restriction_of(conn: Connection, customer_id: int) -> tuple[str, str | None] | None:
    """(restricted_rules, restricted_until) of the customer's lifecycle row, if any."""
    row = _RESTRICTION.first(conn, customer_id=customer_id)
    if row is None:
        return None
    return (str(row.restricted_rules or ""), row.restricted_until)


_RESTRICTION = Prepared(
    select(
        customer_lifecycle.c.restricted_rules, customer_lifecycle.c.restricted_until
    ).where(customer_lifecycle.c.customer_id == bindparam("customer_id"))
)


_CUSTOMER = Prepared(
    select(customers).where(customers.c.id == bindparam("customer_id"))
)
_CUSTOMER_KEY = Prepared(
    select(customer_keys).where(customer_keys.c.customer_id == bindparam("customer_id"))
)
