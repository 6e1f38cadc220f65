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
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from piplvault.core import cases as rules
from piplvault.core.cases import DeregState
from piplvault.errors import (
    ValidationError,
    WorkflowError,
)
from piplvault.store import cases as case_store
from piplvault.store import deregistration as store
from piplvault.store.customer_ids import all_customer_ids
from piplvault.store.engine import Connection
from piplvault.store.records import field_names
from piplvault.vault import (
    cases,
    closure,
    counterparty,
    retention,
    winding_up,
    workdays,
)
from piplvault.vault import company as company_profile
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
    "designated": (
        "国务院有关部门指定的机构",
        "institution designated by the State Council department (AML Law 2024 Art. 34)",
    ),
    "administrator": (
        "破产管理人",
        "court-appointed bankruptcy administrator (Enterprise Bankruptcy Law Arts. 13, 25)",
    ),
}
CREDITOR_STATUTE = "《公司法》第二百三十五条 (Company Law Art. 235): creditor claim"
CREDITOR_HOLD = "creditor claim in liquidation (Company Law Art. 235)"
NOTICE_LEAD_WORKING_DAYS = 30  # R-TC260-STOP-1
CERTIFICATE_KIND = "deregistration"
CERTIFICATE_BASIS = (
    "《个人信息保护法》第四十七条第一款第（二）项 (PIPL Art. 47(1)(ii)): the handler ceases "
    "to provide its products or services — company deregistration (《公司法》第二百三十九条)"
)


# --- step 1: start ---------------------------------------------------------------------------


def start(
    vault: Vault,
    *,
    reason: str,
    effective_date: dt.date,
    resolution_date: dt.date | None = None,
    company: str | None = None,
    contact: str | None = None,
    route: str = "ordinary",
    shareholder_commitment: str | None = None,
) -> dict[str, Any]:
    """Open the case, inventory the vault, stop collection, split by the schedule.

    ``route``: ordinary liquidation, simplified (简易注销) or forced (强制注销); see
    vault/winding_up.py."""
    if not reason.strip():
        raise ValidationError("A deregistration needs a reason", field="reason")
    resolution = resolution_date or vault.clock.now().date()
    if effective_date < resolution:
        raise ValidationError(
            "The effective date may not be before the resolution date",
            field="effective_date",
        )
    route_record = winding_up.check_route(
        route,
        resolution=resolution,
        effective=effective_date,
        shareholder_commitment=shareholder_commitment,
    )
    calendar = workdays.load(vault.settings.home)
    notice_by = rules.working_days_before(
        effective_date, NOTICE_LEAD_WORKING_DAYS, calendar.is_workday
    )
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        closure.ensure_open(conn, ACTION)
        _refuse_second_case(conn)
        profile = company_profile.of(vault, conn)
        if not (company or profile.name):
            company_profile.require_named(vault, conn)
        if profile.sector == "financial-institution":
            _require_aml_rule(vault)
        stock = inventory(vault, conn)
        case = cases.Case(
            id=cases.new_case_id(conn, KIND),
            kind=KIND,
            state=DeregState.WINDING_DOWN.value,
            deal="dissolution",
            mode="notice",
            party={},
            purposes=sorted(stock["purposes"]),
            details={
                "reason": reason.strip(),
                "effective_date": effective_date.isoformat(),
                "resolution_date": resolution.isoformat(),
                "company": company or profile.name,
                "contact": contact or profile.contact,
                "notice_by": notice_by.isoformat(),
                "notice_by_calendar": calendar.source(),
                "inventory": stock,
                "persons": stock["persons"],
                "regulator_report_required": stock["persons"]
                >= vault.settings.regulator_threshold,
                "creditor_holds": {},
                "route": route_record,
            },
            created_at=vault.now(),
            updated_at=vault.now(),
        )
        cases.insert_case(vault, conn, case)
        ids = all_customer_ids(conn)
        cases.set_members(conn, case.id, [(cid, True, "") for cid in ids])
        end_relationships(conn, ids, effective_date)
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


def _require_aml_rule(vault: Vault) -> None:
    """A financial institution keeps customer identity and transaction records 10 years
    (AML Law 2024 Arts. 34, 65): refuse to split without that rule in force."""
    if "aml-customer-identity" not in {
        r.key for r in retention.load_schedule(vault).rules
    }:
        raise WorkflowError(
            "This company is a financial institution (company profile): enable the "
            "'aml-customer-identity' rule (AML Law 2024 Art. 34, 10 years) in "
            "HOME/retention.toml before deregistering (R-AML-34-1)"
        )


def _refuse_second_case(conn: Connection) -> None:
    open_case = case_store.case_not_in_state(conn, KIND, DeregState.SEALED.value)
    if open_case is not None:
        raise WorkflowError(
            f"Deregistration case {open_case} is already open; continue it "
            f"('piplvault deregister status {open_case}')"
        )


def inventory(vault: Vault, conn: Connection) -> dict[str, Any]:
    """Everything the vault holds, as counts (no personal values)."""
    defs = load_field_defs(conn)
    by_field: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    for kind, status_, data in store.customer_records(conn):
        by_kind[kind] += 1
        by_status[status_] += 1
        by_field.update(field_names(data))
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
    purposes = store.purposes_in_use(conn)
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
        "legal_holds": store.open_hold_count(conn),
        "taken_at": vault.now(),
    }


def _consent_counts(conn: Connection) -> dict[str, int]:
    total, withdrawn = store.consent_counts(conn)
    return {"total": total, "withdrawn": withdrawn}


def _recipients(conn: Connection) -> list[dict[str, Any]]:
    """Parties personal information was handed to (transfer cases)."""
    out = []
    for row in case_store.cases_of_kind(conn, "transfer"):
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
    rows = store.backup_dates(conn)
    live = [r for r in rows if r.pruned_at is None]
    return {
        "total": len(rows),
        "live": len(live),
        "latest": max((str(r.created_at) for r in rows), default=None),
        "note": "backups expire with their epoch keys ('piplvault backup prune')",
    }


def end_relationships(conn: Connection, ids: list[int], day: dt.date) -> None:
    """The service stops on the effective date: each relationship ends then (PIPL 47)."""
    known = store.relationship_end_dates(conn)
    iso = day.isoformat()
    for cid in ids:
        if cid not in known:
            store.insert_relationship_end(conn, cid, iso)
        elif (ended := known[cid]) is None or ended > iso:
            store.set_relationship_end(conn, cid, iso)


# --- the retention split -------------------------------------------------------------------


def split(vault: Vault, case_id: str) -> dict[str, int]:
    """(Re)compute must-keep and destroy per customer, as of the effective date."""
    with vault.read() as conn:
        case = cases.load_case(conn, case_id, KIND)
    effective = dt.date.fromisoformat(case.details["effective_date"])
    plan = retention.retention_plan(vault, as_of=effective)
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        case = cases.load_case(conn, case_id, KIND)
        creditors = {
            int(r.customer_id): r for r in cases.members(conn, case_id) if r.creditor
        }
        counts: Counter[str] = Counter()
        for p in plan["customers"]:
            creditor = creditors.get(int(p["customer_id"]))
            deadline = creditor_deadline(case, creditor)
            row = _decide(p, creditor, deadline)
            counts["must_keep" if row["must_keep"] else "destroy"] += 1
            case_store.update_member(conn, case_id, int(p["customer_id"]), **row)
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


def creditor_deadline(case: cases.Case, member: Any) -> dt.date:
    """A notified creditor declares within 30 days of receiving the notice; one reached
    only by the announcement, within 45 days of it (Company Law Art. 235)."""
    if member is not None and member.notice == "delivered" and member.notice_at:
        received = dt.date.fromisoformat(str(member.notice_at)[:10])
        return received + dt.timedelta(days=rules.CREDITOR_NOTIFIED_DAYS)
    return claims_deadline(case)


# --- status ----------------------------------------------------------------------------------


def status(vault: Vault, case_id: str) -> dict[str, Any]:
    """The case: state, custodian, timeline, inventory, split, notices, package, proof."""
    with vault.reading("deregister", "report") as conn:
        case = cases.load_case(conn, case_id, KIND)
        rows = cases.members(conn, case_id)
        state = closure.vault_state(conn)
    d = case.details
    resolution = dt.date.fromisoformat(d["resolution_date"])
    route = d.get("route", {}).get("route", "ordinary")
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
        "notice_by_calendar": d.get("notice_by_calendar", "Monday–Friday"),
        "custodian": counterparty.public_party(case.party) or None,
        "pinned": counterparty.pinned(case.party),
        "timeline": [
            m.to_dict()
            for m in [
                *rules.liquidation_timeline(resolution),
                *winding_up.milestones(route, resolution),
            ]
        ],
        "route": d.get("route", {"route": "ordinary"}),
        "route_blockers": winding_up.route_blockers(
            case, sum(1 for r in rows if r.creditor and r.settled_at is None)
        ),
        "outside_copies": d.get("outside_copies", []),
        "notes": [winding_up.NO_NEW_BUSINESS, winding_up.LIABILITY_NOTE],
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
