"""SQL for creditors in a deregistration: the legal hold that keeps a creditor whole.

Which customer is a creditor and when the hold ends is decided in ``vault/creditors.py``.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, update

from piplvault.store.schema import legal_holds


def place_hold(
    conn: Connection, customer_id: int, *, reason: str, basis: str, at: str, by: str
) -> int:
    """A legal hold without an end date; its id."""
    inserted = conn.execute(
        insert(legal_holds).values(
            customer_id=customer_id,
            reason=reason,
            basis=basis,
            placed_at=at,
            placed_by=by,
            ends_on=None,
        )
    ).inserted_primary_key
    return int(inserted[0]) if inserted is not None else 0


def lift_hold(conn: Connection, hold_id: int, *, at: str, by: str, reason: str) -> None:
    conn.execute(
        update(legal_holds)
        .where(legal_holds.c.id == hold_id)
        .values(lifted_at=at, lifted_by=by, lift_reason=reason)
    )
