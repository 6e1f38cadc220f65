"""Legal holds (litigation, investigation): a held customer cannot be deleted or
restricted until every hold on it is lifted; placing, lifting and listing are audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from piplvault.errors import NotFoundError, ValidationError
from piplvault.store import retention as store
from piplvault.vault.records import require_customer

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


def place_hold(
    vault: Vault,
    customer_id: int,
    *,
    reason: str,
    basis: str = "",
    ends_on: dt.date | None = None,
) -> dict[str, Any]:
    """Place a legal hold (litigation, investigation): the customer cannot be deleted."""
    if not reason.strip():
        raise ValidationError("A legal hold needs a reason (--reason)")
    with vault.write() as conn:
        vault.authorize(conn, action="legal-hold")
        require_customer(conn, customer_id)
        row = {
            "customer_id": customer_id,
            "reason": reason.strip(),
            "basis": basis,
            "placed_at": vault.now(),
            "placed_by": vault.actor,
            "ends_on": ends_on.isoformat() if ends_on else None,
        }
        hold_id = store.insert_hold(conn, **row)
        vault.record(
            conn,
            action="legal-hold-placed",
            target=f"customer:{customer_id}",
            details={
                "hold": hold_id,
                "reason": row["reason"],
                "ends_on": row["ends_on"],
            },
        )
    return {"id": hold_id, **row}


def lift_hold(vault: Vault, hold_id: int, *, reason: str) -> dict[str, Any]:
    """Lift a legal hold; deletion is possible again when no other hold remains."""
    with vault.write() as conn:
        vault.authorize(conn, action="legal-hold")
        row = store.load_hold(conn, hold_id)
        if row is None or row.lifted_at is not None:
            raise NotFoundError(f"No active legal hold with id {hold_id}")
        now = vault.now()
        store.mark_hold_lifted(conn, hold_id, at=now, by=vault.actor, reason=reason)
        vault.record(
            conn,
            action="legal-hold-lifted",
            target=f"customer:{row.customer_id}",
            details={"hold": hold_id, "reason": reason},
        )
    return {"id": hold_id, "customer_id": row.customer_id, "lifted_at": now}


def list_holds(vault: Vault, *, include_lifted: bool = False) -> list[dict[str, Any]]:
    with vault.write() as conn:
        vault.authorize(conn, action="legal-hold")
        rows = store.list_holds(conn, include_lifted=include_lifted)
        vault.record(
            conn,
            action="legal-holds-listed",
            target="legal-holds",
            details={"count": len(rows)},
        )
    return rows
