"""SQL a transfer case reads beyond its own rows: who is already promised to another open
case, who is under a legal hold, how many natural persons the vault holds.

Which states and modes count as "open" is decided in ``vault/transfer.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, select

from piplvault.store.schema import case_customers, cases, customers, legal_holds


def count_individuals(conn: Connection) -> int:
    """Customers of kind ``individual`` (natural persons)."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(customers)
            .where(customers.c.kind == "individual")
        ).scalar_one()
    )


def included_in_other_cases(
    conn: Connection,
    *,
    kind: str,
    other_than: str,
    states: Sequence[str],
    modes_not: Sequence[str],
) -> dict[int, str]:
    """customer → case id, for customers included in a case of ``kind`` other than
    ``other_than``, in one of ``states``, whose mode is not one of ``modes_not``."""
    rows = conn.execute(
        select(case_customers.c.customer_id, cases.c.id)
        .join(cases, cases.c.id == case_customers.c.case_id)
        .where(
            cases.c.kind == kind,
            cases.c.id != other_than,
            cases.c.state.in_(list(states)),
            cases.c.mode.not_in(list(modes_not)),
            case_customers.c.included == 1,
        )
    )
    return {int(cid): str(other) for cid, other in rows}


def held_customer_ids(conn: Connection) -> set[int]:
    """Customers under a legal hold not yet lifted."""
    return {
        int(i)
        for i in conn.execute(
            select(legal_holds.c.customer_id).where(legal_holds.c.lifted_at.is_(None))
        ).scalars()
    }
