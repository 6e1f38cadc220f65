"""Set-based counts for the dashboard: customers grouped by kind and by the fields their
records hold (``customers.field_keys``, indexed), and by the facts a retention plan
depends on — one GROUP BY each, so a 1,000,000-customer vault is counted in seconds
without reading a record. Customers whose ``field_keys`` is unknown (restored from a
row backup older than migration 0011) are listed for the caller to count one by one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, select
from sqlalchemy.sql.elements import ColumnElement

from piplvault.store.schema import (
    customer_lifecycle,
    customer_purposes,
    customers,
    legal_holds,
)


def by_kind_and_fields(conn: Connection) -> list[tuple[str, str | None, int]]:
    """(kind, field_keys, customers) — a scan of ``ix_customers_kind_field_keys``."""
    query = select(customers.c.kind, customers.c.field_keys, func.count()).group_by(
        customers.c.kind, customers.c.field_keys
    )
    return [(str(k), f, int(n)) for k, f, n in conn.execute(query).all()]


def records_of(conn: Connection, ids: Sequence[int]) -> list[bytes]:
    """The packed records of these customers (for those without ``field_keys``)."""
    query = select(customers.c.data).where(customers.c.id.in_(list(ids)))
    return [bytes(d) for d in conn.execute(query).scalars()]


def ids_without_field_keys(conn: Connection) -> list[int]:
    query = select(customers.c.id).where(customers.c.field_keys.is_(None))
    return [int(i) for i in conn.execute(query).scalars()]


def held_ids(conn: Connection) -> list[int]:
    """Customers under an active legal hold (their plans are computed one by one)."""
    query = (
        select(legal_holds.c.customer_id)
        .where(legal_holds.c.lifted_at.is_(None))
        .distinct()
    )
    return [int(i) for i in conn.execute(query).scalars()]


#: (field_keys, collected day, relationship ended, last transaction, purposes, customers)
FactsGroup = tuple[str, str, str | None, str | None, str, int]


def retention_groups(conn: Connection) -> list[FactsGroup]:
    """Customers grouped by every fact of a retention plan but legal holds; customers
    under an active hold, or without ``field_keys``, are left out (see ``held_ids``).
    Purposes come comma-joined in no particular order."""
    joined: ColumnElement[str]
    if conn.dialect.name == "postgresql":
        joined = func.string_agg(customer_purposes.c.purpose, ",")
    else:
        joined = func.group_concat(customer_purposes.c.purpose, ",")
    purposes = (
        select(joined)
        .where(customer_purposes.c.customer_id == customers.c.id)
        .scalar_subquery()
    )
    held = select(legal_holds.c.customer_id).where(legal_holds.c.lifted_at.is_(None))
    per_customer = (
        select(
            customers.c.field_keys.label("fields"),
            func.substr(customers.c.created_at, 1, 10).label("day"),
            customer_lifecycle.c.relationship_ended_on.label("ended"),
            customer_lifecycle.c.last_transaction_on.label("last"),
            purposes.label("purposes"),
        )
        .select_from(
            customers.outerjoin(
                customer_lifecycle, customer_lifecycle.c.customer_id == customers.c.id
            )
        )
        .where(customers.c.field_keys.is_not(None), customers.c.id.not_in(held))
        .subquery()
    )
    columns = [
        per_customer.c[name] for name in ("fields", "day", "ended", "last", "purposes")
    ]
    query = select(*columns, func.count()).group_by(*columns)
    out: list[FactsGroup] = []
    for row in conn.execute(query).all():
        fields, day, ended, last, listed, n = tuple(row)
        out.append((str(fields), str(day), ended, last, str(listed or ""), int(n)))
    return out
