"""Deletion use cases (PIPL Arts. 19, 47): erase customers on request, or everything the
retention schedule says is due, each as one audited run with a signed destruction
certificate (see ``vault/shred_run.py``). Fields under a running statutory period are kept
and the customer becomes *restricted*; a customer under legal hold is never touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from piplvault.core.retention import CustomerPlan, Outcome
from piplvault.errors import LegalHoldError, NotFoundError, ValidationError
from piplvault.store import shred
from piplvault.store.engine import Connection
from piplvault.vault import approvals
from piplvault.vault.retention import (
    already_restricted,
    due,
    load_schedule,
    outcome_counts,
    plans_for,
    retention_params,
)
from piplvault.vault.shred_run import (
    DestructionResult,
    checkpoint_wal,
    destroy,
    write_run,
)

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

__all__ = [
    "DestructionResult",
    "apply_retention",
    "checkpoint_wal",
    "delete_customer",
    "delete_customers",
    "erase_customers",
]


def delete_customer(
    vault: Vault,
    customer_id: int,
    *,
    reason: str,
    approved_by: str | None = None,
    out_dir: Path | None = None,
) -> DestructionResult:
    """Erase one customer on request (R-47-3): shred, or restrict fields under a statutory
    period; refused while a legal hold is active."""
    return erase_customers(
        vault, [customer_id], reason=reason, approved_by=approved_by, out_dir=out_dir
    )


def erase_customers(
    vault: Vault,
    ids: Sequence[int],
    *,
    reason: str,
    approved_by: str | None = None,
    out_dir: Path | None = None,
    approval_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> DestructionResult:
    """``customers delete``: erase these customers in one run (R-47-3) — behind a second
    administrator's approval when ``require_second_approver`` is on."""
    if not reason.strip():
        raise ValidationError("A deletion needs a reason", field="reason")
    wanted = sorted(set(ids))
    exact = {"customers": wanted, "reason": reason.strip()}
    grant = approvals.gate(
        vault,
        operation="customers-delete",
        params=lambda: (
            exact,
            {"customers": len(wanted), "customer_ids": wanted[:50], "reason": reason},
        ),
        approval_id=approval_id,
    )
    return delete_customers(
        vault,
        wanted,
        reason=reason,
        approved_by=approved_by,
        out_dir=out_dir,
        approval=grant,
        progress=progress,
        on_total=on_total,
    )


def delete_customers(
    vault: Vault,
    ids: Sequence[int],
    *,
    reason: str,
    approved_by: str | None = None,
    out_dir: Path | None = None,
    kind: str = "erasure-request",
    legal_basis: str | None = None,
    in_same_transaction: Callable[[Connection, str], None] | None = None,
    approval: approvals.Grant | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> DestructionResult:
    """Erase the given customers in one run with one certificate.

    ``kind`` and ``legal_basis`` say why (a request, a transfer's completion, a
    deregistration); ``in_same_transaction(conn, run_id)`` lets a case record its step
    atomically with the destruction, so a crash never leaves the two apart. ``approval``
    (checked by the caller's :func:`approvals.gate`) is consumed in the same transaction
    and its approver signed into the certificate. ``on_total(customers)`` is called once
    the run knows them, ``progress(n)`` as customers are destroyed or restricted."""
    if not reason.strip():
        raise ValidationError("A deletion needs a reason", field="reason")
    schedule = load_schedule(vault)
    day = vault.clock.now().date()
    with vault.write() as conn:
        vault.authorize(conn, action="delete")
        wanted = sorted(set(ids))
        plans = plans_for(conn, schedule, day, ids=wanted, erasure=True)
        _check_requested(conn, wanted, plans)
        run = destroy(
            vault,
            conn,
            schedule,
            plans,
            reason=reason.strip(),
            kind=kind,
            approved_by=approved_by,
            legal_basis=legal_basis,
            approval=approval,
            progress=progress,
            on_total=on_total,
        )
        if in_same_transaction is not None:
            in_same_transaction(conn, run.run_id)
    return write_run(vault, run, out_dir)


def apply_retention(
    vault: Vault,
    *,
    as_of: dt.date | None = None,
    approved_by: str | None = None,
    out_dir: Path | None = None,
    approval_id: int | None = None,
    operation: str = "retention-apply",
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> DestructionResult:
    """Shred or restrict everything the retention schedule says is due on ``as_of`` —
    behind a second administrator's approval when ``require_second_approver`` is on (the
    approval binds the date and the very customers due)."""
    day = as_of or vault.clock.now().date()
    schedule = load_schedule(vault)

    def params() -> approvals.Params:
        with vault.authorized_read(
            lambda conn: vault.authorize(conn, action="retention-apply")
        ) as conn:
            plans_due = due(conn, schedule, day)
        exact = retention_params(day, plans_due)
        summary = {"as_of": day.isoformat(), **outcome_counts(plans_due)}
        return exact, summary

    grant = approvals.gate(
        vault, operation=operation, params=params, approval_id=approval_id
    )
    with vault.write() as conn:
        vault.authorize(conn, action="retention-apply")
        plans = due(conn, schedule, day)
        run = destroy(
            vault,
            conn,
            schedule,
            plans,
            reason=f"retention schedule applied as of {day.isoformat()}",
            kind="retention-schedule",
            approved_by=approved_by,
            approval=grant,
            approval_params=retention_params(day, plans),
            progress=progress,
            on_total=on_total,
        )
    return write_run(vault, run, out_dir)


def _check_requested(
    conn: Connection, wanted: list[int], plans: list[CustomerPlan]
) -> None:
    found = {p.customer_id for p in plans}
    for cid in wanted:
        if cid not in found:
            shredded = shred.shredded_at(conn, cid)
            if shredded is not None:
                raise NotFoundError(
                    f"Customer {cid} was already shredded at {shredded}"
                )
            raise NotFoundError(f"No customer with id {cid}")
    for p in plans:
        if p.outcome is Outcome.HELD:
            raise LegalHoldError(
                f"Customer {p.customer_id} is under legal hold ({p.reason}); lift it with "
                "'piplvault retention hold lift' first; nothing was deleted",
                customer_id=p.customer_id,
            )
        if (
            p.outcome is Outcome.RESTRICT
            and not p.destroy_categories
            and already_restricted(conn, p.customer_id)
        ):
            raise ValidationError(
                f"Customer {p.customer_id} is already restricted until "
                f"{p.restricted_until} under {', '.join(p.rules)}; nothing left to delete"
            )
