"""The custodian of a deregistration (注销) case: who keeps the retained records, the package
sealed to it, and the seal of the vault on its receipt (R-ACC-T-1, R-22-6, R-CO-I2-18-1).

The custodian's keys are pinned on the case when it is named (or at ``package``): only a
receipt signed by the pinned key, naming the package, the case and its customer count,
seals the vault (issue 10 item 1). Each retained customer travels with the statute that
keeps it, the rules' reader purposes and its keep-until date, and arrives restricted to
those purposes (issue 13 item 13).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault import discovery
from piplvault.core import cases as rules
from piplvault.core.cases import DeregState
from piplvault.errors import (
    IntegrityError,
    NoticeMissingError,
    ValidationError,
    WorkflowError,
)
from piplvault.store.engine import Connection
from piplvault.vault import approvals, cases, counterparty, handover, retention
from piplvault.vault import company as company_profile
from piplvault.vault.deregistration import ACTION, CUSTODIAN_TYPES, KIND, status
from piplvault.vault.records import load_field_defs

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


def statute_purposes(schedule: Any, statute: str) -> tuple[list[str], list[str]]:
    """The retention rules named in a member's statute text, and the purposes those rules
    let read the kept record (a creditor or legal hold: legal-obligation)."""
    known = {r.key: r for r in schedule.rules}
    keys = [k for k in statute.split("; ") if k in known]
    readers = sorted({x for k in keys for x in known[k].readers})
    if not readers or len(keys) < len([s for s in statute.split("; ") if s]):
        readers = sorted({*readers, "legal-obligation"})
    return keys, readers


def set_custodian(
    vault: Vault,
    case_id: str,
    *,
    name: str,
    identifier: str,
    contact: str,
    kind: str,
    signing_key: bytes | None = None,
    exchange_key: bytes | None = None,
    designation: str | None = None,
) -> dict[str, Any]:
    """Name the accountable custodian of the retained records (R-ACC-T-1), pinning its
    vault's keys when given (otherwise at ``package``)."""
    if kind not in CUSTODIAN_TYPES:
        raise ValidationError(
            f"Unknown custodian type '{kind}'; types: {', '.join(CUSTODIAN_TYPES)}",
            field="type",
        )
    if not name.strip() or not contact.strip():
        raise ValidationError(
            "The custodian needs a name and a contact",
            field="name" if not name.strip() else "contact",
        )
    ident = identifier.strip().upper()
    with vault.read() as conn:
        sector = company_profile.of(vault, conn).sector
    if sector == "financial-institution" and kind != "designated":
        raise ValidationError(
            "A financial institution's customer identity and transaction records go to the "
            "institution designated by the State Council department on dissolution "
            "(AML Law 2024 Art. 34; R-AML-34-1): use the type designated with the "
            "designating document's reference, not an ordinary custodian",
            field="type",
        )
    if kind == "designated" and not (designation or "").strip():
        raise ValidationError(
            "A designated custodian needs the designating document's reference",
            field="designation",
        )
    if not (
        discovery.validate("CN_USCC", ident)
        or discovery.validate("CN_RESIDENT_ID", ident)
    ):
        raise ValidationError(
            "The identifier must be a valid unified social credit code or resident ID "
            "number",
            field="identifier",
        )
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        if case.state not in (
            DeregState.WINDING_DOWN.value,
            DeregState.NOTICES_SENT.value,
        ):
            raise WorkflowError(
                f"Case {case_id} is '{case.state}'; the custodian is fixed once packaged"
            )
        case.party = {
            "name": name.strip(),
            "identifier": ident,
            "contact": contact.strip(),
            "kind": kind,
            **({"designation": designation.strip()} if designation else {}),
        }
        counterparty.pin(
            case.party,
            signing_pem=signing_key,
            exchange_pem=exchange_key,
            who="custodian",
        )
        cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="deregistration-custodian",
            target=f"case:{case_id}",
            details={
                "name": case.party["name"],
                "type": kind,
                "pinned": counterparty.pinned(case.party),
            },
        )
    return status(vault, case_id)


def package(
    vault: Vault,
    case_id: str,
    custodian_key: bytes,
    out: Path,
    *,
    custodian_signing_key: bytes | None = None,
) -> dict[str, Any]:
    """The must-keep part, sealed to the custodian's pinned exchange key (R-22-6,
    R-ACC-T-1); pins the custodian's keys now if ``custodian`` did not."""
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        _require_packable(conn, case)
        counterparty.pin(
            case.party,
            signing_pem=custodian_signing_key,
            exchange_pem=custodian_key,
            who="custodian",
        )
        counterparty.require_signing_pin(
            case.party, "custodian", "--custodian-signing-key"
        )
        kept = [r for r in cases.members(conn, case_id, included=True) if r.must_keep]
        payload = _custodian_payload(vault, conn, case, kept)
        digest = handover.seal_package(vault, payload, custodian_key, out)
        ids = [int(r.customer_id) for r in kept]
        case.details.update(package=str(out), package_sha256=digest, packaged=ids)
        cases.step(
            vault,
            conn,
            case,
            DeregState.PACKAGED.value,
            details={
                "customers": len(ids),
                "package_sha256": digest,
                "custodian": case.party["name"],
                "pinned": counterparty.pinned(case.party),
            },
        )
    return {
        "case": case_id,
        "package": str(out),
        "sha256": digest,
        "customers": len(ids),
        "custodian": counterparty.public_party(case.party),
        "pinned": counterparty.pinned(case.party),
    }


def _require_packable(conn: Connection, case: cases.Case) -> None:
    if case.state != DeregState.NOTICES_SENT.value:
        raise cases.refuse(
            WorkflowError(
                f"Case {case.id} is '{case.state}'; the custodian package is built after "
                "the notices ('notices-sent')"
            ),
            action="deregistration-package",
            case_id=case.id,
        )
    if case.details.get("regulator_report_required") and not case.details.get(
        "regulator_report"
    ):
        raise cases.refuse(
            WorkflowError(
                f"Case {case.id} covers {case.details['persons']:,} persons: produce the "
                f"regulator report first ('piplvault deregister regulator-report "
                f"{case.id}', NDSMR Art. 32)"
            ),
            action="deregistration-package",
            case_id=case.id,
        )
    missing = cases.undelivered(conn, case.id)
    if case.details.get("notice_custodian") != case.party.get("identifier"):
        missing = missing or [int(r.customer_id) for r in cases.members(conn, case.id)]
    if missing:
        raise cases.refuse(
            NoticeMissingError(
                f"Customer {missing[0]} has no delivered notice naming the custodian "
                f"{case.party.get('name', '')} ({len(missing)} in all; PIPL Art. 22) — "
                "send the notices and record delivery or an announcement",
                customer_id=missing[0],
            ),
            action="deregistration-notice-check",
            case_id=case.id,
        )


def _custodian_payload(
    vault: Vault, conn: Connection, case: cases.Case, kept: list[Any]
) -> dict[str, Any]:
    """build_payload, then each customer minimised to its own must-keep categories."""
    defs = load_field_defs(conn)
    schedule = retention.load_schedule(vault)
    extra = {}
    for r in kept:
        rule_keys, readers = statute_purposes(schedule, r.statute)
        extra[int(r.customer_id)] = {
            "purposes": readers,
            "retention": {
                "keep_until": r.keep_until,
                "statute": r.statute,
                "rules": rule_keys,
                "readers": readers,
                "categories": list(filter(None, r.keep_categories.split(","))),
                "creditor": bool(r.creditor and r.settled_at is None),
                "custodian": case.party["name"],
            },
        }
    purposes = sorted({p for e in extra.values() for p in e["purposes"]})
    payload = handover.build_payload(
        vault,
        conn,
        customer_ids=sorted(extra),
        field_keys=None,
        purpose_keys=purposes or ["legal-obligation"],
        party=handover.Party.of(case.party),
        case_id=case.id,
        kind="custodian",
        deal="dissolution",
        retention_rules=retention.schedule_text(vault),
        extra_customer=extra,
    )
    for item in payload["customers"]:
        cats = set(item["retention"]["categories"])
        item["fields"] = {
            k: v for k, v in item["fields"].items() if defs[k].category in cats
        }
    sent = sorted({k for c in payload["customers"] for k in c["fields"]})
    manifest = payload["manifest"]
    manifest["fields"] = [f for f in manifest["fields"] if f["key"] in sent]
    manifest["legal_basis_per_category"] = {
        c: v
        for c, v in manifest["legal_basis_per_category"].items()
        if c in {defs[k].category for k in sent}
    }
    manifest["section_sha256"] = handover.section_digests(payload)
    return payload


def seal(
    vault: Vault,
    case_id: str,
    receipt: bytes | None,
    custodian_signing_key: bytes | None,
    *,
    approval_id: int | None = None,
) -> dict[str, Any]:
    """Seal the vault read-only, only with the custodian's signed receipt (R-CO-I2-18-1).
    With ``require_second_approver`` on, only under an approval bound to the case and the
    receipt; the approver is recorded in the (signed, chained) audit entry and timeline."""

    def params() -> tuple[dict[str, Any], dict[str, Any]]:
        with vault.write(
            commit=False
        ) as conn:  # a bad receipt is refused before asking
            vault.authorize(conn, action=ACTION)
            case = cases.load_case(conn, case_id, KIND)
            _verified_receipt(case, receipt, custodian_signing_key)
            rules.require_transition(KIND, case.state, DeregState.SEALED.value)
        digest = hashlib.sha256(receipt or b"").hexdigest()
        return {"case": case_id, "receipt_sha256": digest}, {"case": case_id}

    grant = approvals.gate(
        vault, operation="deregister-seal", params=params, approval_id=approval_id
    )
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        body = _verified_receipt(case, receipt, custodian_signing_key)
        rules.require_transition(KIND, case.state, DeregState.SEALED.value)
        approvals.consume(vault, conn, grant, run=f"case:{case_id}")
        approval = {"approval": grant.to_dict()} if grant else {}
        case.details["receipt"] = body
        cases.step(
            vault,
            conn,
            case,
            DeregState.SEALED.value,
            details={
                "custodian": case.party["name"],
                "package_sha256": body["package_sha256"],
                "received_at": body.get("received_at"),
                **approval,
            },
        )
        cases.set_vault_state(conn, "sealed")
        vault.record(
            conn,
            action="vault-sealed",
            target="vault",
            details={"case": case_id, **approval},
        )
    return status(vault, case_id)


def _verified_receipt(
    case: cases.Case, receipt: bytes | None, key: bytes | None
) -> dict[str, Any]:
    def refused(message: str) -> WorkflowError:
        return WorkflowError(
            f"Case {case.id} cannot be sealed: {message} (R-CO-I2-18-1: the named "
            f"custodian must sign for the retained package first)"
        )

    if not case.details.get("package_sha256"):
        raise cases.refuse(
            refused("no custodian package was built"),
            action="deregistration-seal",
            case_id=case.id,
        )
    if receipt is None:
        raise cases.refuse(
            refused("no signed receipt given (--receipt)"),
            action="deregistration-seal",
            case_id=case.id,
        )
    try:
        return counterparty.verify_receipt(
            case.party,
            receipt,
            case_id=case.id,
            package_sha256=str(case.details["package_sha256"]),
            customers=len(case.details.get("packaged", [])),
            supplied_pem=key,
            who="custodian",
        )
    except IntegrityError as exc:
        raise cases.refuse(
            refused(exc.message), action="deregistration-seal", case_id=case.id
        ) from exc
