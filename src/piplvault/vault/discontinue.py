"""A share transfer in which the business stops (a "shell" sale; issue 13 item 6).

The new shareholders take a company whose business ends: the purposes the customers' data
served end with it, so — **our interpretation** of PIPL Art. 47(1)(ii) (the handler stops
providing the product or service), not settled law — the data is deleted, or restricted where
a statute keeps it, *before* the new owners take control. No personal information moves and
no transfer notice is needed.

``transfer create --deal share-transfer-discontinued --closing-date DATE`` opens the case;
``transfer advance`` ends every customer relationship on the closing date and applies the
retention schedule as of that date (certificate), then closes the case. Running it again after
a crash destroys nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from piplvault.core.cases import TransferState
from piplvault.store.customer_ids import all_customer_ids
from piplvault.vault import cases, destruction
from piplvault.vault.deregistration import end_relationships

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

INTERPRETATION = (
    "our interpretation of PIPL Art. 47(1)(ii): the business stops, so its purposes end "
    "before the new shareholders take control (个人信息保护法第四十七条第一款第（二）项，"
    "本系统的解释)"
)


def end_business(
    vault: Vault, case_id: str, *, approval_id: int | None = None
) -> dict[str, Any]:
    """End every relationship on the closing date, apply the schedule, close the case
    (behind a second administrator's approval when ``require_second_approver`` is on)."""
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, "transfer")
        closing = dt.date.fromisoformat(str(case.details["closing_date"]))
        ids = all_customer_ids(conn)
        end_relationships(conn, ids, closing)
        vault.record(
            conn,
            action="discontinue-relationships-ended",
            target=f"case:{case_id}",
            details={"closing_date": closing.isoformat(), "customers": len(ids)},
        )
    result = destruction.apply_retention(
        vault,
        as_of=closing,
        approved_by=vault.actor,
        approval_id=approval_id,
        operation="transfer-discontinue",
    )
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, "transfer")
        case.details.update(
            certificate=str(result.certificate),
            certificate_run=result.run_id,
            interpretation=INTERPRETATION,
        )
        cases.step(
            vault,
            conn,
            case,
            TransferState.CLOSED.value,
            details={
                "customers_destroyed": result.customers_destroyed,
                "customers_restricted": result.customers_restricted,
                "certificate_run": result.run_id,
                "interpretation": INTERPRETATION,
            },
        )
    from piplvault.vault.transfer import status

    return {
        **status(vault, case_id),
        "customers_destroyed": result.customers_destroyed,
        "customers_restricted": result.customers_restricted,
        "certificate": str(result.certificate),
    }
