"""Deregistration (公司注销): wind the vault down, keep what the law keeps with a named
custodian, destroy the rest with proof, and seal the vault.

winding-down → notices-sent → packaged → shredded → sealed. Every step is audited and
refused with a clear reason when its preconditions fail:

1. ``start``: inventory; the vault stops collecting (R-GB35273-6.4-1); every customer's
   relationship ends on the effective date; the retention schedule splits each customer's
   fields into must-keep (rule, statute, end date) and destroy (R-47-1, R-47-2). Creditors
   stay must-keep until settled (R-CO-232-1, a legal hold in the vault).
2. ``set_custodian`` (R-ACC-T-1), then ``send_notices`` naming the custodian; deliveries.
3. ``package``: the must-keep part for the custodian, blocked until every included person has
   a delivered or announced notice naming that custodian (R-22-6).
4. ``shred``: crypto-shred everything else; certificate; closing report.
5. ``seal``: only with the custodian's signed receipt for that package (R-CO-I2-18-1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select, update

from piplvault import discovery
from piplvault.core import cases as rules
from piplvault.core.cases import DeregState
from piplvault.errors import (
    NoticeMissingError,
    ValidationError,
    WorkflowError,
)
from piplvault.io.private_files import write_private
from piplvault.store.records import field_names
from piplvault.store.schema import (
    backups,
    case_customers,
    consents,
    customer_lifecycle,
    customer_purposes,
    customers,
    legal_holds,
)
from piplvault.store.schema import (
    cases as cases_table,
)
from piplvault.vault import cases, closure, handover, lifecycle
from piplvault.vault.records import load_field_defs

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

KIND = "deregistration"
ACTION = "deregister"
CUSTODIAN_TYPES = {
    "successor": ("承继单位", "successor"),
    "shareholder": ("股东或出资人", "shareholder or owner"),
    "authority": ("主管机关", "competent authority"),
    "archive": ("档案馆", "archive institution"),
    "agency": ("受托档案管理机构", "entrusted archive-management agency"),
}
CREDITOR_STATUTE = "《公司法》第二百三十五条 (Company Law Art. 235): creditor claim"
CREDITOR_HOLD = "creditor claim in liquidation (Company Law Art. 235)"
NOTICE_LEAD_WORKING_DAYS = 30  # R-TC260-STOP-1


# --- step 1: start ---------------------------------------------------------------------------


def start(
    vault: Vault,
    *,
    reason: str,
    effective_date: dt.date,
    resolution_date: dt.date | None = None,
    company: str | None = None,
    contact: str | None = None,
) -> dict[str, Any]:
    """Open the case, inventory the vault, stop collection, split by the schedule."""
    if not reason.strip():
        raise ValidationError("A deregistration needs a reason (--reason)")
    resolution = resolution_date or vault.clock.now().date()
    if effective_date < resolution:
        raise ValidationError("--effective-date may not be before --resolution-date")
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        closure.ensure_open(conn, ACTION)
        _refuse_second_case(conn)
        inventory = _inventory(vault, conn)
        case = cases.Case(
            id=cases.new_case_id(conn, KIND),
            kind=KIND,
            state=DeregState.WINDING_DOWN.value,
            deal="dissolution",
            mode="notice",
            party={},
            purposes=sorted(inventory["purposes"]),
            details={
                "reason": reason.strip(),
                "effective_date": effective_date.isoformat(),
                "resolution_date": resolution.isoformat(),
                "company": company or vault.settings.company,
                "contact": contact or "",
                "notice_by": rules.working_days_before(
                    effective_date, NOTICE_LEAD_WORKING_DAYS
                ).isoformat(),
                "inventory": inventory,
                "persons": inventory["persons"],
                "regulator_report_required": inventory["persons"]
                >= vault.settings.regulator_threshold,
                "creditor_holds": {},
            },
            created_at=vault.now(),
            updated_at=vault.now(),
        )
        cases.insert_case(vault, conn, case)
        ids = [int(i) for i in conn.execute(select(customers.c.id)).scalars()]
        cases.set_members(conn, case.id, [(cid, True, "") for cid in ids])
        _end_relationships(conn, ids, effective_date)
        cases.set_vault_state(conn, "winding-down")
        vault.record(
            conn,
            action="deregistration-started",
            target=f"case:{case.id}",
            details={
                "reason": reason.strip(),
                "effective_date": effective_date.isoformat(),
                "resolution_date": resolution.isoformat(),
                "customers": len(ids),
                "vault_state": "winding-down",
            },
        )
    split(vault, case.id)
    return status(vault, case.id)


def _refuse_second_case(conn: Connection) -> None:
    open_case = conn.execute(
        select(cases_table.c.id).where(
            cases_table.c.kind == KIND, cases_table.c.state != DeregState.SEALED.value
        )
    ).scalar()
    if open_case is not None:
        raise WorkflowError(
            f"Deregistration case {open_case} is already open; continue it "
            f"('piplvault deregister status {open_case}')"
        )


def _inventory(vault: Vault, conn: Connection) -> dict[str, Any]:
    """Everything the vault holds, as counts (no personal values)."""
    defs = load_field_defs(conn)
    by_field: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    for kind, status_, data in conn.execute(
        select(customers.c.kind, customers.c.status, customers.c.data)
    ):
        by_kind[str(kind)] += 1
        by_status[str(status_)] += 1
        by_field.update(field_names(bytes(data)))
    fields = [
        {
            "key": k,
            "label": d.label,
            "category": d.category,
            "sensitivity": d.sensitivity,
            "values": by_field.get(k, 0),
        }
        for k, d in sorted(defs.items())
    ]
    by_category: Counter[str] = Counter()
    for k, d in defs.items():
        by_category[d.category] += by_field.get(k, 0)
    purposes = sorted(
        {
            str(p)
            for p in conn.execute(
                select(func.distinct(customer_purposes.c.purpose))
            ).scalars()
        }
    )
    return {
        "customers": sum(by_kind.values()),
        "persons": by_kind.get("individual", 0),
        "by_kind": dict(sorted(by_kind.items())),
        "by_status": dict(sorted(by_status.items())),
        "fields": fields,
        "values_by_category": dict(sorted(by_category.items())),
        "purposes": purposes,
        "consents": _consent_counts(conn),
        "recipients": _recipients(conn),
        "backups": _backup_counts(conn),
        "legal_holds": int(
            conn.execute(
                select(func.count())
                .select_from(legal_holds)
                .where(legal_holds.c.lifted_at.is_(None))
            ).scalar_one()
        ),
        "taken_at": vault.now(),
    }


def _consent_counts(conn: Connection) -> dict[str, int]:
    total = conn.execute(select(func.count()).select_from(consents)).scalar_one()
    withdrawn = conn.execute(
        select(func.count())
        .select_from(consents)
        .where(consents.c.withdrawn_at.is_not(None))
    ).scalar_one()
    return {"total": int(total), "withdrawn": int(withdrawn)}


def _recipients(conn: Connection) -> list[dict[str, Any]]:
    """Parties personal information was handed to (transfer cases)."""
    out = []
    for row in conn.execute(
        select(cases_table).where(cases_table.c.kind == "transfer")
    ):
        party = json.loads(row.party)
        out.append(
            {
                "case": row.id,
                "name": party.get("name", ""),
                "identifier": party.get("identifier", ""),
                "state": row.state,
            }
        )
    return out


def _backup_counts(conn: Connection) -> dict[str, Any]:
    rows = list(conn.execute(select(backups.c.created_at, backups.c.pruned_at)))
    live = [r for r in rows if r.pruned_at is None]
    return {
        "total": len(rows),
        "live": len(live),
        "latest": max((str(r.created_at) for r in rows), default=None),
        "note": "backups expire with their epoch keys ('piplvault backup prune')",
    }


def _end_relationships(conn: Connection, ids: list[int], day: dt.date) -> None:
    """The service stops on the effective date: each relationship ends then (PIPL 47)."""
    known = {
        int(r.customer_id): r.relationship_ended_on
        for r in conn.execute(
            select(
                customer_lifecycle.c.customer_id,
                customer_lifecycle.c.relationship_ended_on,
            )
        )
    }
    iso = day.isoformat()
    for cid in ids:
        if cid not in known:
            conn.execute(
                insert(customer_lifecycle).values(
                    customer_id=cid, relationship_ended_on=iso
                )
            )
        elif known[cid] is None or str(known[cid]) > iso:
            conn.execute(
                update(customer_lifecycle)
                .where(customer_lifecycle.c.customer_id == cid)
                .values(relationship_ended_on=iso)
            )


# --- the retention split -------------------------------------------------------------------


def split(vault: Vault, case_id: str) -> dict[str, int]:
    """(Re)compute must-keep and destroy per customer, as of the effective date."""
    with vault.read() as conn:
        case = cases.load_case(conn, case_id, KIND)
    effective = dt.date.fromisoformat(case.details["effective_date"])
    plan = lifecycle.retention_plan(vault, as_of=effective)
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        creditors = {
            int(r.customer_id): r for r in cases.members(conn, case_id) if r.creditor
        }
        deadline = claims_deadline(case)
        counts: Counter[str] = Counter()
        for p in plan["customers"]:
            row = _decide(p, creditors.get(int(p["customer_id"])), deadline)
            counts["must_keep" if row["must_keep"] else "destroy"] += 1
            conn.execute(
                update(case_customers)
                .where(
                    case_customers.c.case_id == case_id,
                    case_customers.c.customer_id == int(p["customer_id"]),
                )
                .values(**row)
            )
        vault.record(
            conn,
            action="deregistration-split",
            target=f"case:{case_id}",
            details={"as_of": effective.isoformat(), **counts},
        )
    return dict(counts)


def _decide(p: dict[str, Any], creditor: Any, deadline: dt.date) -> dict[str, Any]:
    """One customer's must-keep decision from its retention plan entry."""
    outcome = p["outcome"]
    keep = list(p["keep_categories"]) if outcome in ("restrict", "held", "keep") else []
    destroy = list(p["destroy_categories"])
    statutes = list(p["rules"]) if outcome in ("restrict", "keep") else []
    until = p["restricted_until"] if outcome == "restrict" else p["review_on"]
    if outcome == "held":
        statutes = [f"legal hold: {p['reason'].removeprefix('legal hold: ')}"]
        until = p["hold_ends_on"]
    if creditor is not None and creditor.settled_at is None:
        keep = sorted(set(keep) | set(destroy) | set(p["keep_categories"]))
        destroy = []
        statutes = [CREDITOR_STATUTE, *[s for s in statutes if "creditor" not in s]]
        until = max(filter(None, [until, deadline.isoformat()]))
    return {
        "must_keep": int(bool(keep)),
        "keep_until": until if keep else None,
        "statute": "; ".join(statutes),
        "keep_categories": ",".join(keep),
        "destroy_categories": ",".join(destroy),
    }


def claims_deadline(case: cases.Case) -> dt.date:
    """The last day creditors may declare (announcement route, R-CO-232-1)."""
    resolution = dt.date.fromisoformat(case.details["resolution_date"])
    return rules.liquidation_timeline(resolution)[-1].date


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
        conn.execute(
            update(case_customers)
            .where(
                case_customers.c.case_id == case_id,
                case_customers.c.customer_id == customer_id,
            )
            .values(**values)
        )
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
    row = conn.execute(
        select(case_customers).where(
            case_customers.c.case_id == case_id,
            case_customers.c.customer_id == customer_id,
        )
    ).first()
    if row is None:
        raise ValidationError(f"Customer {customer_id} is not part of case {case_id}")
    return row


def _place_creditor_hold(
    conn: Connection, customer_id: int, now: str, vault: Vault
) -> int:
    inserted = conn.execute(
        insert(legal_holds).values(
            customer_id=customer_id,
            reason=CREDITOR_HOLD,
            basis="legal-obligation",
            placed_at=now,
            placed_by=vault.actor,
            ends_on=None,
        )
    ).inserted_primary_key
    return int(inserted[0]) if inserted is not None else 0


def _lift_creditor_hold(
    conn: Connection, hold_id: int | None, now: str, vault: Vault
) -> None:
    if hold_id is None:
        return
    conn.execute(
        update(legal_holds)
        .where(legal_holds.c.id == hold_id)
        .values(lifted_at=now, lifted_by=vault.actor, lift_reason="claim settled")
    )


# --- step 2: custodian, notices, deliveries ------------------------------------------------


def set_custodian(
    vault: Vault, case_id: str, *, name: str, identifier: str, contact: str, kind: str
) -> dict[str, Any]:
    """Name the accountable custodian of the retained records (R-ACC-T-1)."""
    if kind not in CUSTODIAN_TYPES:
        raise ValidationError(
            f"Unknown custodian --type '{kind}'; types: {', '.join(CUSTODIAN_TYPES)}"
        )
    if not name.strip() or not contact.strip():
        raise ValidationError("The custodian needs --name and --contact")
    ident = identifier.strip().upper()
    if not (
        discovery.validate("CN_USCC", ident)
        or discovery.validate("CN_RESIDENT_ID", ident)
    ):
        raise ValidationError(
            "--identifier must be a valid unified social credit code or resident ID number"
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
        }
        cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="deregistration-custodian",
            target=f"case:{case_id}",
            details={"name": case.party["name"], "type": kind},
        )
    return status(vault, case_id)


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
    return cases.record_delivery(vault, case, customer_ids, status_, reference)


# --- step 3: regulator report and custodian package -----------------------------------------


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
            "reason": case.details["reason"],
            "effective_date": case.details["effective_date"],
            "custodian": case.party,
            "persons": case.details["persons"],
            "customers_kept": sum(1 for r in kept if r.must_keep),
            "customers_destroyed": sum(1 for r in kept if not r.must_keep),
            "security_measures": "保留部分以 X25519+AES-256-GCM 加密并签名移交保管人；"
            "其余部分密码擦除（销毁数据密钥）并出具签名销毁证明",
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


def package(
    vault: Vault, case_id: str, custodian_key: bytes, out: Path
) -> dict[str, Any]:
    """The must-keep part, sealed to the custodian (R-22-6, R-ACC-T-1)."""
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        _require_packable(conn, case)
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
            },
        )
    return {
        "case": case_id,
        "package": str(out),
        "sha256": digest,
        "customers": len(ids),
        "custodian": case.party,
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
    extra = {
        int(r.customer_id): {
            "retention": {
                "keep_until": r.keep_until,
                "statute": r.statute,
                "categories": list(filter(None, r.keep_categories.split(","))),
                "creditor": bool(r.creditor and r.settled_at is None),
                "custodian": case.party["name"],
            }
        }
        for r in kept
    }
    payload = handover.build_payload(
        vault,
        conn,
        customer_ids=sorted(extra),
        field_keys=None,
        purpose_keys=case.purposes or ["contract"],
        party=handover.Party(**case.party),
        case_id=case.id,
        kind="custodian",
        deal="dissolution",
        retention_rules=lifecycle.schedule_text(vault),
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


# --- step 4: shred, certificate, closing report ---------------------------------------------


def shred(
    vault: Vault,
    case_id: str,
    *,
    out_dir: Path | None = None,
    approved_by: str | None = None,
) -> dict[str, Any]:
    """Crypto-shred everything not kept; certificate; closing report (R-47-1, R-47-2)."""
    from piplvault.vault import closing

    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        rules.require_transition(KIND, case.state, DeregState.SHREDDED.value)
        _require_settled(conn, case)
        ids = _shreddable(conn, case_id)
    result = lifecycle.delete_customers(
        vault,
        ids,
        reason=f"company deregistration, case {case_id} (PIPL Art. 47(1))",
        approved_by=approved_by or vault.actor,
        out_dir=out_dir,
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


def _require_settled(conn: Connection, case: cases.Case) -> None:
    open_claims = [
        int(r.customer_id)
        for r in cases.members(conn, case.id)
        if r.creditor and r.settled_at is None
    ]
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
    status_of = {
        int(r.id): r.status
        for r in conn.execute(select(customers.c.id, customers.c.status))
    }
    out = []
    for r in cases.members(conn, case_id, included=True):
        cid = int(r.customer_id)
        if cid not in status_of or r.statute.startswith("legal hold"):
            continue
        if status_of[cid] == "restricted" and not r.destroy_categories:
            continue
        out.append(cid)
    return out


# --- step 5: seal ----------------------------------------------------------------------------


def seal(
    vault: Vault,
    case_id: str,
    receipt: bytes | None,
    custodian_signing_key: bytes | None,
) -> dict[str, Any]:
    """Seal the vault read-only, only with the custodian's signed receipt (R-CO-I2-18-1)."""
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        body = _verified_receipt(case, receipt, custodian_signing_key)
        rules.require_transition(KIND, case.state, DeregState.SEALED.value)
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
            },
        )
        cases.set_vault_state(conn, "sealed")
        vault.record(
            conn, action="vault-sealed", target="vault", details={"case": case_id}
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
    if receipt is None or key is None:
        raise cases.refuse(
            refused("no signed receipt given (--receipt, --custodian-signing-key)"),
            action="deregistration-seal",
            case_id=case.id,
        )
    body = handover.verify_receipt(receipt, key)
    if (
        body.get("package_sha256") != case.details["package_sha256"]
        or str(body.get("case_id")) != case.id
    ):
        raise cases.refuse(
            refused("the receipt is for another package (its SHA-256 differs)"),
            action="deregistration-seal",
            case_id=case.id,
        )
    return body


# --- status ----------------------------------------------------------------------------------


def status(vault: Vault, case_id: str) -> dict[str, Any]:
    """The case: state, custodian, timeline, inventory, split, notices, package, proof."""
    with vault.read() as conn:
        case = cases.load_case(conn, case_id, KIND)
        rows = cases.members(conn, case_id)
        state = closure.vault_state(conn)
    d = case.details
    resolution = dt.date.fromisoformat(d["resolution_date"])
    notices_by_status = Counter(r.notice for r in rows)
    keep = [r for r in rows if r.must_keep]
    by_statute = Counter(r.statute for r in keep)
    return {
        "id": case.id,
        "kind": case.kind,
        "state": case.state,
        "vault_state": state,
        "reason": d["reason"],
        "company": d["company"],
        "contact": d.get("contact", ""),
        "effective_date": d["effective_date"],
        "resolution_date": d["resolution_date"],
        "notice_by": d["notice_by"],
        "custodian": case.party or None,
        "timeline": [m.to_dict() for m in rules.liquidation_timeline(resolution)],
        "claims_deadline": claims_deadline(case).isoformat(),
        "inventory": d["inventory"],
        "persons": d["persons"],
        "regulator_report_required": d["regulator_report_required"],
        "regulator_report": d.get("regulator_report"),
        "split": {
            "customers": len(rows),
            "must_keep": len(keep),
            "destroy": len(rows) - len(keep),
            "by_statute": dict(sorted(by_statute.items())),
            "creditors": sum(1 for r in rows if r.creditor),
            "creditors_unsettled": sum(
                1 for r in rows if r.creditor and r.settled_at is None
            ),
        },
        "notices": dict(sorted(notices_by_status.items())),
        "notices_at": d.get("notices_at"),
        "package": d.get("package"),
        "package_sha256": d.get("package_sha256"),
        "certificate": d.get("certificate"),
        "report": d.get("report"),
        "receipt": d.get("receipt"),
        "customers": [_member_dict(r) for r in rows],
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def _member_dict(r: Any) -> dict[str, Any]:
    return {
        "customer_id": int(r.customer_id),
        "must_keep": bool(r.must_keep),
        "keep_until": r.keep_until,
        "statute": r.statute,
        "keep_categories": list(filter(None, r.keep_categories.split(","))),
        "destroy_categories": list(filter(None, r.destroy_categories.split(","))),
        "creditor": bool(r.creditor),
        "settled_at": r.settled_at,
        "notice": r.notice,
        "notice_reference": r.notice_reference,
    }


def load(vault: Vault, case_id: str) -> cases.Case:
    with vault.read() as conn:
        return cases.load_case(conn, case_id, KIND)
