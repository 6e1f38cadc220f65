"""The end of a transfer: the handover package, then the recipient's receipt and the
destruction of the source copies (PIPL Art. 22; issue 10 items 1 and 13).

``package`` pins the recipient's keys on the case (if ``transfer create`` did not) and seals
the package to the pinned exchange key. ``complete`` accepts only a receipt signed by the
pinned signing key, naming that package, case and customer count; the destruction and the
case's step to ``source-destroyed`` commit in one transaction, so a crash leaves either
nothing done or both done. Running ``complete`` again after a crash is safe: it finishes
what is left (the certificate file) and destroys nothing twice.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core import cases as rules
from piplvault.core.cases import Mode, TransferState
from piplvault.documents.certificate import write_certificate_files
from piplvault.errors import VaultError, WorkflowError
from piplvault.store.cases import present_customer_ids
from piplvault.store.engine import Connection
from piplvault.store.transfer import held_customer_ids
from piplvault.vault import (
    approvals,
    cases,
    certificates,
    counterparty,
    destruction,
    handover,
    retention,
)
from piplvault.vault.records import load_field_defs
from piplvault.vault.transfer import locked_elsewhere, require_delivered

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

KIND = "transfer"
CERTIFICATE_KIND = "transfer-completion"
OBJECTOR_BASIS = (
    "《个人信息保护法》第四十七条第一款第（二）项 (PIPL Art. 47(1)(ii)): objectors' data is "
    "deleted because the handler ceases to exist"
)
CERTIFICATE_BASIS = (
    "《个人信息保护法》第二十二条 (PIPL Art. 22): the source copy is destroyed after the "
    "recipient signed for the handover package"
)


def package(
    vault: Vault,
    case_id: str,
    recipient_key: bytes,
    out: Path,
    *,
    recipient_signing_key: bytes | None = None,
) -> dict[str, Any]:
    """Only in state ready: the minimised, encrypted, signed handover package, sealed to the
    pinned exchange key (pinning the keys now if the case has none yet)."""
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        if case.mode in (Mode.CHANGE_NOTICE.value, Mode.DISCONTINUE.value):
            raise WorkflowError(
                "A share transfer with no change of handler moves no data "
                "(R-22-4); there is no package to build"
            )
        if case.state != TransferState.READY.value:
            raise cases.refuse(
                WorkflowError(
                    f"Case {case_id} is '{case.state}'; a package is built only when it is "
                    "'ready'"
                ),
                action="transfer-package",
                case_id=case_id,
            )
        require_delivered(conn, case)
        newly = counterparty.pin(
            case.party, signing_pem=recipient_signing_key, exchange_pem=recipient_key
        )
        counterparty.require_signing_pin(
            case.party, "recipient", "--recipient-signing-key"
        )
        ids = [int(r.customer_id) for r in cases.members(conn, case_id, included=True)]
        _refuse_shared(conn, case_id, ids)
        if not ids:
            raise WorkflowError(
                f"Case {case_id} has no customer in scope "
                f"({', '.join(cases.exclusions(conn, case_id)) or 'none imported'}); "
                "there is nothing to package"
            )
        defs = load_field_defs(conn)
        moved = rules.categories_for(case.purposes)
        keep = {k for k, d in defs.items() if d.category in moved}
        payload = handover.build_payload(
            vault,
            conn,
            customer_ids=ids,
            field_keys=keep,
            purpose_keys=case.purposes,
            party=handover.Party.of(case.party),
            case_id=case_id,
            kind="transfer",
            deal=case.deal,
            retention_rules=retention.schedule_text(vault),
        )
        digest = handover.seal_package(vault, payload, recipient_key, out)
        per_purpose = handover.purpose_counts(payload)
        case.details.update(
            package=str(out),
            package_sha256=digest,
            transferred=ids,
            fields=sorted(keep),
            customers_per_purpose=per_purpose,
        )
        cases.step(
            vault,
            conn,
            case,
            TransferState.HANDED_OVER.value,
            details={
                "customers": len(ids),
                "fields": sorted(keep),
                "package_sha256": digest,
                "customers_per_purpose": per_purpose,
                "keys_pinned_now": newly,
                "pinned": counterparty.pinned(case.party),
            },
        )
    return {
        "case": case_id,
        "package": str(out),
        "sha256": digest,
        "customers": len(ids),
        "fields": sorted(keep),
        "customers_per_purpose": per_purpose,
        "pinned": counterparty.pinned(case.party),
    }


def _refuse_shared(conn: Connection, case_id: str, ids: list[int]) -> None:
    shared = {c: o for c, o in locked_elsewhere(conn, case_id).items() if c in ids}
    if shared:
        first = min(shared)
        raise cases.refuse(
            WorkflowError(
                f"Customer {first} is also in open case {shared[first]} "
                f"({len(shared)} in all): a customer moves in one case only; finish "
                f"or re-scope that case first (nothing was packaged)"
            ),
            action="transfer-package",
            case_id=case_id,
        )


def complete(
    vault: Vault,
    case_id: str,
    receipt: bytes,
    recipient_signing_key: bytes | None = None,
    *,
    out_dir: Path | None = None,
    approval_id: int | None = None,
) -> dict[str, Any]:
    """After the pinned recipient's signed receipt: shred the source copies and step the
    case in one transaction; write the certificate. Safe to run again after a crash.
    With ``require_second_approver`` on, the destruction needs an approval bound to the
    case, the receipt and the customers destroyed."""
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        if case.state == TransferState.SOURCE_DESTROYED.value:
            done = True
        else:
            done = False
            body = _verified(case, receipt, recipient_signing_key)
            ids = _still_present(conn, case)
            objectors = objectors_to_delete(conn, case)
    if done:
        return _resume(vault, case, out_dir)
    doomed = sorted(ids + objectors)
    grant = approvals.gate(
        vault,
        operation="transfer-complete",
        params=lambda: (
            {
                "case": case_id,
                "receipt_sha256": hashlib.sha256(receipt).hexdigest(),
                "customers": doomed,
            },
            {"case": case_id, "customers": len(doomed), "objectors": len(objectors)},
        ),
        approval_id=approval_id,
    )

    def step(conn: Connection, run_id: str) -> None:
        current = cases.load_case(conn, case_id, KIND)
        current.details.update(receipt=body, certificate_run=run_id)
        cases.step(
            vault,
            conn,
            current,
            TransferState.SOURCE_DESTROYED.value,
            details={
                "certificate_run": run_id,
                "customers_destroyed": len(ids),
                "objectors_deleted": len(objectors),
            },
        )

    reason = f"transferred to {case.party['name']} under case {case_id} (PIPL Art. 22)"
    basis = CERTIFICATE_BASIS
    if objectors:
        reason += (
            f"; {len(objectors)} objector(s) deleted because the seller ceases to exist "
            "(PIPL Art. 47(1)(ii))"
        )
        basis += "; " + OBJECTOR_BASIS
    result = destruction.delete_customers(
        vault,
        ids + objectors,
        reason=reason,
        approved_by=vault.actor,
        out_dir=out_dir,
        kind=CERTIFICATE_KIND,
        legal_basis=basis,
        in_same_transaction=step,
        approval=grant,
    )
    with vault.write() as conn:
        case = cases.load_case(conn, case_id, KIND)
        case.details["certificate"] = str(result.certificate)
        cases.save_case(vault, conn, case)
    return {
        "case": case_id,
        "certificate": str(result.certificate),
        "customers_destroyed": result.customers_destroyed,
        "customers_restricted": result.customers_restricted,
        "objectors_deleted": len(objectors),
    }


def preview(vault: Vault, case_id: str) -> dict[str, int]:
    """What ``complete`` would destroy now: transferred customers still here, objectors."""
    with vault.reading("transfer") as conn:
        case = cases.load_case(conn, case_id, KIND)
        if case.state == TransferState.SOURCE_DESTROYED.value:
            return {"customers": 0, "objectors": 0}
        return {
            "customers": len(_still_present(conn, case)),
            "objectors": len(objectors_to_delete(conn, case)),
        }


def objectors_to_delete(conn: Connection, case: cases.Case) -> list[int]:
    """When the seller ceases to exist, its objectors cannot stay with it: the plan deletes
    them at completion (PIPL Art. 47(1)(ii)), except those under a legal hold."""
    if not case.details.get("seller_ceases"):
        return []
    objected = [
        int(r.customer_id)
        for r in cases.members(conn, case.id)
        if r.objected_at is not None
    ]
    held = held_customer_ids(conn)
    present = present_customer_ids(conn, objected)
    return [i for i in objected if i in present and i not in held]


def _verified(
    case: cases.Case, receipt: bytes, supplied: bytes | None
) -> dict[str, Any]:
    if case.state != TransferState.HANDED_OVER.value:
        raise WorkflowError(
            f"Case {case.id} is '{case.state}'; it must be 'handed-over'"
        )
    try:
        return counterparty.verify_receipt(
            case.party,
            receipt,
            case_id=case.id,
            package_sha256=str(case.details.get("package_sha256")),
            customers=len(case.details.get("transferred", [])),
            supplied_pem=supplied,
            who="recipient",
        )
    except VaultError as exc:
        raise cases.refuse(exc, action="transfer-complete", case_id=case.id) from exc


def _still_present(conn: Connection, case: cases.Case) -> list[int]:
    """The transferred customers still in the vault (one erased on request in between is
    already gone, and is not destroyed twice)."""
    wanted = [int(i) for i in case.details.get("transferred", [])]
    present = present_customer_ids(conn, wanted)
    return [i for i in wanted if i in present]


def _resume(vault: Vault, case: cases.Case, out_dir: Path | None) -> dict[str, Any]:
    """A finished case: re-create the certificate file if a crash lost it; destroy nothing."""
    run_id = case.details.get("certificate_run")
    if not run_id:
        raise WorkflowError(f"Case {case.id} is already '{case.state}'")
    recorded = Path(str(case.details.get("certificate", "")))
    if not case.details.get("certificate") or not recorded.is_file():
        directory = out_dir or vault.settings.home / "certificates"
        paths = write_certificate_files(
            certificates.certificate_json(vault, str(run_id)),
            directory,
            f"destruction-{run_id}",
        )
        recorded = paths["json"]
        with vault.write() as conn:
            vault.authorize(conn, action="transfer")
            current = cases.load_case(conn, case.id, KIND)
            current.details["certificate"] = str(recorded)
            cases.save_case(vault, conn, current)
            vault.record(
                conn,
                action="transfer-complete-resumed",
                target=f"case:{case.id}",
                details={"certificate_run": run_id},
            )
    return {
        "case": case.id,
        "certificate": str(recorded),
        "customers_destroyed": 0,
        "customers_restricted": 0,
        "already_completed": True,
    }
