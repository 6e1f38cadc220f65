"""Creditors in a deregistration (Company Law Art. 235, R-CO-232-1): a customer with a
prepaid balance, deposit or open claim is kept whole under a legal hold until settled; a
notified creditor declares within 30 days of receiving the notice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piplvault.core.cases import DeregState
from piplvault.errors import ValidationError, WorkflowError
from piplvault.store import cases as case_store
from piplvault.store import creditors as store
from piplvault.store.engine import Connection
from piplvault.vault import cases
from piplvault.vault.deregistration import (
    ACTION,
    CREDITOR_HOLD,
    KIND,
    split,
)

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


# --- creditors -----------------------------------------------------------------------------


def mark_creditor(
    vault: Vault, case_id: str, customer_id: int, *, settled: bool = False
) -> dict[str, Any]:
    """A creditor stays must-keep (legal hold) until its claim is settled (R-CO-232-1)."""
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        if case.state in (DeregState.SHREDDED.value, DeregState.SEALED.value):
            raise WorkflowError(
                f"Case {case_id} is '{case.state}'; creditors are final"
            )
        member = _member(conn, case_id, customer_id)
        holds: dict[str, int] = case.details.setdefault("creditor_holds", {})
        now = vault.now()
        if settled:
            if not member.creditor:
                raise ValidationError(
                    f"Customer {customer_id} is not a creditor in case {case_id}"
                )
            _lift_creditor_hold(conn, holds.pop(str(customer_id), None), now, vault)
            values: dict[str, Any] = {"settled_at": now}
        else:
            if str(customer_id) not in holds:
                holds[str(customer_id)] = _place_creditor_hold(
                    conn, customer_id, now, vault
                )
            values = {"creditor": 1, "settled_at": None}
        case_store.update_member(conn, case_id, customer_id, **values)
        cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="deregistration-creditor",
            target=f"customer:{customer_id}",
            details={"case": case_id, "settled": settled},
        )
    split(vault, case_id)
    return {
        "case": case_id,
        "customer_id": customer_id,
        "creditor": True,
        "settled": settled,
    }


def _member(conn: Connection, case_id: str, customer_id: int) -> Any:
    row = case_store.member(conn, case_id, customer_id)
    if row is None:
        raise ValidationError(f"Customer {customer_id} is not part of case {case_id}")
    return row


def _place_creditor_hold(
    conn: Connection, customer_id: int, now: str, vault: Vault
) -> int:
    return store.place_hold(
        conn,
        customer_id,
        reason=CREDITOR_HOLD,
        basis="legal-obligation",
        at=now,
        by=vault.actor,
    )


def _lift_creditor_hold(
    conn: Connection, hold_id: int | None, now: str, vault: Vault
) -> None:
    if hold_id is None:
        return
    store.lift_hold(conn, hold_id, at=now, by=vault.actor, reason="claim settled")
