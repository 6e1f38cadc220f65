"""SQL for corporate-event cases (table ``cases``) and their customers (``case_customers``).

Rows only: what a state, notice or exclusion means is decided in ``vault/cases.py`` and the
modules built on it (transfer, deregistration, address change).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from piplvault.store.schema import case_customers, cases, customers

_CHUNK = 500


def count_cases(conn: Connection, kind: str) -> int:
    """How many cases of ``kind`` exist (case ids are numbered per kind)."""
    return int(
        conn.execute(
            select(func.count()).select_from(cases).where(cases.c.kind == kind)
        ).scalar_one()
    )


def insert_case(conn: Connection, **values: Any) -> None:
    conn.execute(insert(cases).values(**values))


def load_case(conn: Connection, case_id: str) -> Row[Any] | None:
    return conn.execute(select(cases).where(cases.c.id == case_id)).first()


def update_case(conn: Connection, case_id: str, **values: Any) -> None:
    conn.execute(update(cases).where(cases.c.id == case_id).values(**values))


def latest_case_id(conn: Connection, kind: str) -> str | None:
    """The highest case id of ``kind``, if any."""
    value = conn.execute(
        select(cases.c.id).where(cases.c.kind == kind).order_by(cases.c.id.desc())
    ).scalar()
    return None if value is None else str(value)


def members(
    conn: Connection, case_id: str, *, included: bool | None = None
) -> list[Row[Any]]:
    """The case's customers (all, or only included/excluded), by customer id."""
    query = select(case_customers).where(case_customers.c.case_id == case_id)
    if included is not None:
        query = query.where(case_customers.c.included == int(included))
    return list(conn.execute(query.order_by(case_customers.c.customer_id)))


def member(conn: Connection, case_id: str, customer_id: int) -> Row[Any] | None:
    return conn.execute(
        select(case_customers).where(
            case_customers.c.case_id == case_id,
            case_customers.c.customer_id == customer_id,
        )
    ).first()


def insert_member(conn: Connection, **values: Any) -> None:
    conn.execute(insert(case_customers).values(**values))


def update_member(
    conn: Connection, case_id: str, customer_id: int, **values: Any
) -> int:
    """Change one of the case's customers; 1 if it is in the case, else 0."""
    result = conn.execute(
        update(case_customers)
        .where(
            case_customers.c.case_id == case_id,
            case_customers.c.customer_id == customer_id,
        )
        .values(**values)
    )
    return int(result.rowcount or 0)


def update_members(
    conn: Connection, case_id: str, customer_ids: Iterable[int], **values: Any
) -> None:
    """The same change to several of the case's customers."""
    for cid in customer_ids:
        update_member(conn, case_id, cid, **values)


def update_all_members(conn: Connection, case_id: str, **values: Any) -> int:
    """The same change to every customer of the case; how many rows changed."""
    result = conn.execute(
        update(case_customers)
        .where(case_customers.c.case_id == case_id)
        .values(**values)
    )
    return int(result.rowcount or 0)


def customers_created_at(conn: Connection, ids: list[int]) -> dict[int, str]:
    """``created_at`` of those of ``ids`` that still exist."""
    out: dict[int, str] = {}
    for i in range(0, len(ids), _CHUNK):
        query = select(customers.c.id, customers.c.created_at).where(
            customers.c.id.in_(ids[i : i + _CHUNK])
        )
        out.update({int(cid): str(at) for cid, at in conn.execute(query)})
    return out


def customer_statuses(conn: Connection) -> dict[int, str]:
    """Every customer's lifecycle status, by id in ascending order."""
    return {
        int(r.id): str(r.status)
        for r in conn.execute(
            select(customers.c.id, customers.c.status).order_by(customers.c.id)
        )
    }


def present_customer_ids(conn: Connection, ids: list[int]) -> set[int]:
    """Those of ``ids`` still in the vault."""
    out: set[int] = set()
    for i in range(0, len(ids), _CHUNK):
        out.update(
            int(c)
            for c in conn.execute(
                select(customers.c.id).where(customers.c.id.in_(ids[i : i + _CHUNK]))
            ).scalars()
        )
    return out


def cases_of_kind(conn: Connection, kind: str) -> list[Row[Any]]:
    """Every case of ``kind``, oldest first."""
    return list(
        conn.execute(select(cases).where(cases.c.kind == kind).order_by(cases.c.id))
    )


def case_not_in_state(conn: Connection, kind: str, state: str) -> str | None:
    """The id of a case of ``kind`` whose state is not ``state``, if there is one."""
    value = conn.execute(
        select(cases.c.id).where(cases.c.kind == kind, cases.c.state != state)
    ).scalar()
    return None if value is None else str(value)
