"""Step 4 of a deregistration: crypto-shred everything not kept — only after the date the
letters promise, with every outside copy destroyed and every claim settled — then the
certificate (kind ``deregistration``, PIPL Art. 47(1)(ii)) and the closing report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core import cases as rules
from piplvault.core.cases import DeregState
from piplvault.errors import WorkflowError
from piplvault.store.cases import customer_statuses
from piplvault.store.engine import Connection
from piplvault.vault import approvals, cases, destruction, winding_up
from piplvault.vault.deregistration import (
    ACTION,
    CERTIFICATE_BASIS,
    CERTIFICATE_KIND,
    KIND,
)

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


# --- step 4: shred, certificate, closing report ---------------------------------------------


def shred(
    vault: Vault,
    case_id: str,
    *,
    out_dir: Path | None = None,
    approved_by: str | None = None,
    approval_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Crypto-shred everything not kept; certificate; closing report (R-47-1, R-47-2).
    With ``require_second_approver`` on, only under an approval bound to the case and the
    customers destroyed."""
    from piplvault.vault import closing

    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        rules.require_transition(KIND, case.state, DeregState.SHREDDED.value)
        _require_promised_period_over(vault, case)
        winding_up.require_outside_copies_destroyed(case)
        _require_settled(conn, case)
        ids = _shreddable(conn, case_id)
    grant = approvals.gate(
        vault,
        operation="deregister-shred",
        params=lambda: (
            {"case": case_id, "customers": sorted(ids)},
            {"case": case_id, "customers": len(ids)},
        ),
        approval_id=approval_id,
    )
    result = destruction.delete_customers(
        vault,
        ids,
        reason=f"company deregistration, case {case_id} (PIPL Art. 47(1))",
        approved_by=approved_by or vault.actor,
        out_dir=out_dir,
        kind=CERTIFICATE_KIND,
        legal_basis=CERTIFICATE_BASIS,
        approval=grant,
        progress=progress,
        on_total=on_total,
    )
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        case.details.update(
            certificate=str(result.certificate),
            certificate_run=result.run_id,
            certificate_sha256=hashlib.sha256(
                result.certificate.read_bytes()
            ).hexdigest(),
            destroyed=result.customers_destroyed,
            restricted=result.customers_restricted,
        )
        cases.step(
            vault, conn, case, DeregState.SHREDDED.value, details=result.to_dict()
        )
    report = closing.write_report(vault, case_id, out_dir=out_dir)
    return {"case": case_id, **result.to_dict(), "report": report}


def _require_promised_period_over(vault: Vault, case: cases.Case) -> None:
    """The closing letters promise access until the effective date: no shredding before
    it (issue 13 item 12)."""
    effective = dt.date.fromisoformat(case.details["effective_date"])
    today = vault.clock.now().date()
    if today < effective:
        raise cases.refuse(
            WorkflowError(
                f"The closing notices of case {case.id} promise access to personal "
                f"information until the effective date {effective.isoformat()}; shred "
                f"on or after that day (today is {today.isoformat()}); nothing was "
                "destroyed"
            ),
            action="deregistration-shred",
            case_id=case.id,
        )


def _require_settled(conn: Connection, case: cases.Case) -> None:
    open_claims = [
        int(r.customer_id)
        for r in cases.members(conn, case.id)
        if r.creditor and r.settled_at is None
    ]
    for blocker in winding_up.route_blockers(case, len(open_claims)):
        raise cases.refuse(
            WorkflowError(f"Case {case.id} (simplified route): {blocker}"),
            action="deregistration-shred",
            case_id=case.id,
        )
    if open_claims:
        raise cases.refuse(
            WorkflowError(
                f"Customer {open_claims[0]} is a creditor whose claim is not settled "
                f"({len(open_claims)} in all; Company Law Art. 235): settle it and run "
                f"'piplvault deregister creditor {case.id} --customer ID --settled'"
            ),
            action="deregistration-shred",
            case_id=case.id,
        )


def _shreddable(conn: Connection, case_id: str) -> list[int]:
    """Everyone except legal holds and records already reduced to their kept part."""
    status_of = customer_statuses(conn)
    out = []
    for r in cases.members(conn, case_id, included=True):
        cid = int(r.customer_id)
        if cid not in status_of or r.statute.startswith("legal hold"):
            continue
        if status_of[cid] == "restricted" and not r.destroy_categories:
            continue
        out.append(cid)
    return out
