"""A deregistration's closing notices (naming the custodian, what is kept until when, what is
destroyed), their delivery, and the disposal plan for the regulator (NDSMR Arts. 28, 32).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core.cases import DeregState
from piplvault.errors import WorkflowError
from piplvault.io.private_files import write_private
from piplvault.vault import cases, company, counterparty
from piplvault.vault.deregistration import (
    ACTION,
    KIND,
    split,
)

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


# --- step 2: notices and deliveries (the custodian: vault/custodian.py) ---------------------


def send_notices(
    vault: Vault, case_id: str, out_dir: Path, *, lang: str | None = None
) -> dict[str, Any]:
    """Closing notices naming the custodian, what is kept until when, what is destroyed."""
    from piplvault.vault import closing  # local: rendering lives with the documents

    target = cases.check_out_dir(vault, out_dir)
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        if not case.party:
            raise WorkflowError(
                f"Name the custodian first ('piplvault deregister custodian {case_id}'): "
                "the notices must name it (PIPL Art. 22)"
            )
        if case.state not in (
            DeregState.WINDING_DOWN.value,
            DeregState.NOTICES_SENT.value,
        ):
            raise WorkflowError(f"Case {case_id} is '{case.state}'; notices are closed")
        rows = cases.members(conn, case_id, included=True)
        rendered = closing.render_notices(vault, conn, case, rows, target, lang=lang)
        cases.mark_notices(vault, conn, case_id, [int(r.customer_id) for r in rows])
        case.details.update(
            notice_custodian=case.party["identifier"],
            notices_at=vault.now(),
            notices_template_sha256=rendered["template_sha256"],
        )
        if case.state == DeregState.WINDING_DOWN.value:
            cases.step(
                vault,
                conn,
                case,
                DeregState.NOTICES_SENT.value,
                details={"notices": len(rows)},
            )
        else:
            cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="deregistration-notices",
            target=f"case:{case_id}",
            details={k: rendered[k] for k in ("letters", "sms", "emails")},
        )
    return {"case": case_id, **rendered}


def record_delivery(
    vault: Vault,
    case_id: str,
    customer_ids: list[int] | None,
    status_: str,
    reference: str | None,
) -> dict[str, Any]:
    with vault.read() as conn:
        case = cases.load_case(conn, case_id, KIND)
    result = cases.record_delivery(vault, case, customer_ids, status_, reference)
    split(vault, case_id)  # a creditor's declaration period runs from its receipt
    return result


# --- step 3: regulator report (the custodian package: vault/custodian.py) ------------------


def regulator_report(vault: Vault, case_id: str, out: Path) -> dict[str, Any]:
    """The disposal plan for the regulator (NDSMR Arts. 28, 32; R-NDS-32-1), no PI."""
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        kept = cases.members(conn, case_id, included=True)
        plan = {
            "title": "数据处置方案 Data disposal plan (dissolution)",
            "case": case.id,
            "company": case.details["company"],
            "handler": company.of(vault, conn).to_dict(),
            "reason": case.details["reason"],
            "effective_date": case.details["effective_date"],
            "custodian": counterparty.public_party(case.party),
            "persons": case.details["persons"],
            "customers_kept": sum(1 for r in kept if r.must_keep),
            "customers_destroyed": sum(1 for r in kept if not r.must_keep),
            "security_measures": "保留部分以 X25519+AES-256-GCM 加密并签名移交保管人；"
            "其余部分加密擦除（销毁密钥）并出具签名销毁证明",
            "legal_basis": "《网络数据安全管理条例》第二十八条、第三十二条",
            "generated_at": vault.now(),
        }
        data = json.dumps(plan, ensure_ascii=False, indent=1).encode()
        write_private(out, data)
        digest = hashlib.sha256(data).hexdigest()
        case.details.update(regulator_report=str(out), regulator_report_sha256=digest)
        cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="regulator-report",
            target=f"case:{case_id}",
            details={"sha256": digest},
        )
    return {"case": case_id, "report": str(out), "sha256": digest}
