"""Company transfer (公司转让) under PIPL Art. 22 (and Art. 23 for an asset sale).

draft → notices-sent → objection-window → ready → handed-over → source-destroyed; a share
transfer with no change of handler only sends change notices (draft → closed). Every step is
audited and refused with a clear reason when its preconditions fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, update

from piplvault import discovery
from piplvault.core import cases as rules
from piplvault.core.cases import DEAL_EN, DEAL_ZH, Deal, Mode, TransferState
from piplvault.documents import notices
from piplvault.errors import NoticeMissingError, ValidationError, WorkflowError
from piplvault.io.private_files import write_private
from piplvault.store.schema import case_customers, customers
from piplvault.vault import cases, handover, lifecycle, policy
from piplvault.vault.records import load_field_defs

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

KIND = "transfer"


def create(
    vault: Vault,
    *,
    recipient: str,
    contact: str,
    uscc: str,
    purposes: list[str],
    deal: str,
    objection_days: int = 30,
    legal_opinion: str | None = None,
) -> dict[str, Any]:
    """Open a transfer case and compute its scope (who and which fields would move)."""
    try:
        deal_type = Deal(deal)
    except ValueError as exc:
        valid = ", ".join(d.value for d in Deal)
        raise ValidationError(f"Unknown --deal '{deal}'; deals: {valid}") from exc
    if not recipient.strip() or not contact.strip():
        raise ValidationError(
            "The recipient needs a name (--recipient) and contact (--contact)"
        )
    if not discovery.validate("CN_USCC", uscc):
        raise ValidationError(
            "--uscc is not a valid unified social credit code (GB 32100)"
        )
    if not 0 <= objection_days <= 365:
        raise ValidationError("--objection-days must be between 0 and 365")
    mode = rules.legal_mode(deal_type, legal_opinion=legal_opinion)
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        keys = [
            policy.resolve_purpose(conn, p.strip()).key for p in purposes if p.strip()
        ]
        if not keys:
            raise ValidationError("Name the purposes that continue (--purposes P1,P2)")
        persons = _distinct_persons(conn)
        case = cases.Case(
            id=cases.new_case_id(conn, KIND),
            kind=KIND,
            state=TransferState.DRAFT.value,
            deal=deal_type.value,
            mode=mode.value,
            party={
                "name": recipient.strip(),
                "identifier": uscc.strip().upper(),
                "contact": contact.strip(),
                "kind": "recipient",
            },
            purposes=keys,
            details={
                "objection_days": objection_days,
                "legal_opinion": legal_opinion,
                "persons": persons,
                "regulator_report_required": persons
                >= vault.settings.regulator_threshold,
            },
            created_at=vault.now(),
            updated_at=vault.now(),
        )
        cases.insert_case(vault, conn, case)
        members = _scope(vault, conn, case)
        cases.set_members(conn, case.id, members)
        vault.record(
            conn,
            action="transfer-created",
            target=f"case:{case.id}",
            details={
                "deal": case.deal,
                "mode": case.mode,
                "purposes": keys,
                "recipient": case.party["name"],
                "included": sum(1 for _, inc, _ in members if inc),
                "excluded": sum(1 for _, inc, _ in members if not inc),
            },
        )
    return status(vault, case.id)


def _distinct_persons(conn: Connection) -> int:
    """R-SYS-4: natural persons, already de-duplicated by ID number / phone at import."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(customers)
            .where(customers.c.kind == "individual")
        ).scalar_one()
    )


def _scope(
    vault: Vault, conn: Connection, case: cases.Case
) -> list[tuple[int, bool, str]]:
    """Who moves: customers with a live basis for a continuing purpose (R-22-5), minus
    objectors, withdrawn consents and those whose retention has ended."""
    plan = {
        p.customer_id: p.outcome.value
        for p in lifecycle.plans_in(vault, conn, vault.clock.now().date())
    }
    purposes = [policy.resolve_purpose(conn, p) for p in case.purposes]
    objected = {
        int(r.customer_id)
        for r in cases.members(conn, case.id)
        if r.objected_at is not None
    }
    out = []
    ids = conn.execute(
        select(customers.c.id, customers.c.status).order_by(customers.c.id)
    ).all()
    for cid, status_ in ids:
        out.append(
            (
                int(cid),
                *_decide_member(
                    conn, int(cid), status_, purposes, plan, objected, case.mode
                ),
            )
        )
    return out


def _decide_member(
    conn: Connection,
    cid: int,
    status_: str,
    purposes: list[policy.PurposeDef],
    plan: dict[int, str],
    objected: set[int],
    mode: str,
) -> tuple[bool, str]:
    if mode == Mode.CHANGE_NOTICE.value:
        return True, ""
    if cid in objected:
        return False, "objected"
    if status_ != "active" or plan.get(cid) == "destroy":
        return False, "retention-ended"
    bases = [policy.customer_basis(conn, cid, p) for p in purposes]
    live = [b for b in bases if b is not None and b.withdrawn_on is None]
    if not live:
        withdrawn = any(b is not None and b.withdrawn_on is not None for b in bases)
        return False, "consent-withdrawn" if withdrawn else "no-legal-basis"
    if mode == Mode.SEPARATE_CONSENT.value and not any(
        "third-party" in b.separate for b in live
    ):
        return False, "awaiting-separate-consent"
    return True, ""


def send_notices(
    vault: Vault,
    case_id: str,
    out_dir: Path,
    *,
    lang: str | None = None,
    smtp: tuple[str, int, str] | None = None,
) -> dict[str, Any]:
    """Render one notice per customer in scope (letter/SMS/e-mail) naming the recipient;
    with ``smtp`` = (host, port, from-address), also send the e-mails and record them
    delivered (after the case step is committed, so a mail failure loses no record)."""
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        target = cases.check_out_dir(vault, out_dir)
        rows = cases.members(conn, case_id)
        ids = [
            int(r.customer_id)
            for r in rows
            if r.included or r.reason == "awaiting-separate-consent"
        ]
        defs = load_field_defs(conn)
        moved = rules.categories_for(case.purposes)
        common = _notice_context(vault, conn, case, defs, moved)
        recipients = cases.notice_recipients(vault, conn, ids)
        kind = {
            Mode.NOTICE.value: "transfer",
            Mode.SEPARATE_CONSENT.value: "transfer-consent",
            Mode.CHANGE_NOTICE.value: "change",
        }[case.mode]
        rendered = notices.render(
            notices.environment(vault.settings.home),
            kind,
            lang or vault.settings.lang,
            recipients,
            target,
            common=common,
            title=f"{case.id} {common['title']}",
        )
        cases.mark_notices(vault, conn, case_id, ids)
        case.details["notices_at"] = vault.now()
        case.details["template_sha256"] = rendered.template_sha256
        nxt = (
            TransferState.CLOSED
            if case.mode == Mode.CHANGE_NOTICE.value
            else TransferState.NOTICES_SENT
        )
        cases.step(
            vault,
            conn,
            case,
            nxt.value,
            details={
                "letters": rendered.letters,
                "sms": rendered.sms,
                "emails": rendered.emails,
                "kind": kind,
                "template_sha256": rendered.template_sha256,
            },
        )
    result = {"case": case_id, "state": nxt.value, **rendered.to_dict()}
    if smtp is not None and rendered.emails:
        host, port, sender = smtp
        sent = notices.send_emails(
            Path(rendered.files["emails"]), host=host, port=port, sender=sender
        )
        cases.record_delivery(vault, case, sent, "delivered", f"smtp:{host}:{port}")
        result["emails_sent"] = len(sent)
    return result


def _notice_context(
    vault: Vault, conn: Connection, case: cases.Case, defs: Any, moved: frozenset[str]
) -> dict[str, Any]:
    deal = Deal(case.deal)
    names = [policy.resolve_purpose(conn, p) for p in case.purposes]
    deadline = vault.clock.now().date() + dt.timedelta(
        days=int(case.details["objection_days"])
    )
    cats = sorted({d.category for d in defs.values() if d.category in moved})
    today = vault.clock.now().date()
    return {
        "company": vault.settings.company,
        "recipient": case.party,
        "deal_zh": DEAL_ZH[deal],
        "deal_en": DEAL_EN[deal],
        "purposes_zh": "、".join(p.name_zh for p in names),
        "purposes_en": ", ".join(p.key for p in names),
        "categories_zh": "、".join(_CATEGORY_ZH.get(c, c) for c in cats),
        "categories_en": ", ".join(cats),
        "objection_deadline": deadline.isoformat(),
        "objection_deadline_zh": f"{deadline.year}年{deadline.month}月{deadline.day}日",
        "objection_channel": case.party.get("objection_channel")
        or vault.settings.company,
        "change_zh": "本公司股东发生变更。",
        "change_en": "Our shareholders have changed.",
        "contact": case.party["contact"],
        "date": today.isoformat(),
        "date_zh": f"{today.year}年{today.month}月{today.day}日",
        "title": "个人信息转移告知书",
    }


_CATEGORY_ZH = {
    "identity": "身份信息",
    "contact": "联系方式",
    "address": "地址",
    "financial": "财务信息",
    "organisation": "单位信息",
    "transaction": "交易信息",
    "business": "业务信息",
    "free_text": "备注",
}


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


def record_objection(
    vault: Vault, case_id: str, customer_id: int, *, channel: str
) -> dict[str, Any]:
    """An objection (PIPL Art. 44) excludes the customer from the transfer."""
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        if case.state in (
            TransferState.HANDED_OVER.value,
            TransferState.SOURCE_DESTROYED.value,
        ):
            raise WorkflowError(
                f"Case {case_id} was already handed over; record the "
                "objection as a rights request with the recipient"
            )
        found = conn.execute(
            update(case_customers)
            .where(
                case_customers.c.case_id == case_id,
                case_customers.c.customer_id == customer_id,
            )
            .values(objected_at=vault.now(), included=0, reason="objected")
        )
        if found.rowcount == 0:
            raise ValidationError(
                f"Customer {customer_id} is not part of case {case_id}"
            )
        vault.record(
            conn,
            action="transfer-objection",
            target=f"customer:{customer_id}",
            details={"case": case_id, "channel": channel},
        )
    return {"case": case_id, "customer_id": customer_id, "excluded": "objected"}


def advance(
    vault: Vault, case_id: str, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """One step forward: notices-sent → objection-window (every notice delivered, R-22-1);
    objection-window → ready (window over, scope recomputed, regulator report if due)."""
    day = as_of or vault.clock.now().date()
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        if case.state == TransferState.NOTICES_SENT.value:
            _require_delivered(conn, case)
            cases.step(
                vault,
                conn,
                case,
                TransferState.OBJECTION_WINDOW.value,
                details={"window_ends_on": _window_end(case).isoformat()},
            )
        elif case.state == TransferState.OBJECTION_WINDOW.value:
            ends = _window_end(case)
            if day < ends:
                raise cases.refuse(
                    WorkflowError(
                        f"The objection window of case {case_id} runs until {ends.isoformat()}"
                    ),
                    action="transfer-advance",
                    case_id=case_id,
                )
            if case.details.get("regulator_report_required") and not case.details.get(
                "regulator_report"
            ):
                raise cases.refuse(
                    WorkflowError(
                        f"Case {case_id} covers {case.details['persons']:,} persons: produce the "
                        "regulator report first ('piplvault transfer regulator-report', "
                        "NDSMR Art. 32)"
                    ),
                    action="transfer-advance",
                    case_id=case_id,
                )
            cases.set_members(conn, case.id, _scope(vault, conn, case))
            _require_delivered(conn, case)
            cases.step(
                vault,
                conn,
                case,
                TransferState.READY.value,
                details={"included": len(cases.members(conn, case_id, included=True))},
            )
        else:
            rules.require_transition(KIND, case.state, TransferState.READY.value)
    return status(vault, case_id)


def _window_end(case: cases.Case) -> dt.date:
    sent = dt.date.fromisoformat(str(case.details["notices_at"])[:10])
    return sent + dt.timedelta(days=int(case.details["objection_days"]))


def _require_delivered(conn: Connection, case: cases.Case) -> None:
    missing = cases.undelivered(conn, case.id)
    if missing:
        raise cases.refuse(
            NoticeMissingError(
                f"Customer {missing[0]} has no delivered notice naming the recipient "
                f"({len(missing)} in all; PIPL Art. 22) — record delivery or an announcement",
                customer_id=missing[0],
            ),
            action="transfer-notice-check",
            case_id=case.id,
        )


def regulator_report(vault: Vault, case_id: str, out: Path) -> dict[str, Any]:
    """The disposal plan for the regulator (NDSMR Arts. 28, 32): no personal data."""
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        included = cases.members(conn, case_id, included=True)
        plan = {
            "title": "数据处置方案 Data disposal plan",
            "case": case.id,
            "company": vault.settings.company,
            "deal": case.deal,
            "mode": case.mode,
            "recipient": case.party,
            "purposes": case.purposes,
            "persons": case.details["persons"],
            "persons_transferred": len(included),
            "exclusions": {
                k: len(v) for k, v in cases.exclusions(conn, case_id).items()
            },
            "security_measures": "AES-256-GCM 加密、签名的移交包；源端在接收方签收后密码擦除",
            "legal_basis": "《网络数据安全管理条例》第二十八条、第三十二条",
            "generated_at": vault.now(),
        }
        data = json.dumps(plan, ensure_ascii=False, indent=1).encode()
        write_private(out, data)
        case.details["regulator_report"] = str(out)
        case.details["regulator_report_sha256"] = hashlib.sha256(data).hexdigest()
        cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="regulator-report",
            target=f"case:{case_id}",
            details={"sha256": case.details["regulator_report_sha256"]},
        )
    return {"case": case_id, "report": str(out)}


def package(
    vault: Vault, case_id: str, recipient_key: bytes, out: Path
) -> dict[str, Any]:
    """Only in state ready: the minimised, encrypted, signed handover package."""
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        if case.mode == Mode.CHANGE_NOTICE.value:
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
        _require_delivered(conn, case)
        ids = [int(r.customer_id) for r in cases.members(conn, case_id, included=True)]
        defs = load_field_defs(conn)
        moved = rules.categories_for(case.purposes)
        keep = {k for k, d in defs.items() if d.category in moved}
        payload = handover.build_payload(
            vault,
            conn,
            customer_ids=ids,
            field_keys=keep,
            purpose_keys=case.purposes,
            party=handover.Party(**case.party),
            case_id=case_id,
            kind="transfer",
            deal=case.deal,
            retention_rules=lifecycle.schedule_text(vault),
        )
        digest = handover.seal_package(vault, payload, recipient_key, out)
        case.details.update(
            package=str(out),
            package_sha256=digest,
            transferred=ids,
            fields=sorted(keep),
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
            },
        )
    return {
        "case": case_id,
        "package": str(out),
        "sha256": digest,
        "customers": len(ids),
        "fields": sorted(keep),
    }


def complete(
    vault: Vault,
    case_id: str,
    receipt: bytes,
    recipient_signing_key: bytes,
    *,
    out_dir: Path | None = None,
) -> dict[str, Any]:
    """After the recipient's signed receipt: shred the source copies, issue a certificate."""
    with vault.read() as conn:
        case = cases.load_case(conn, case_id, KIND)
    if case.state != TransferState.HANDED_OVER.value:
        raise WorkflowError(
            f"Case {case_id} is '{case.state}'; it must be 'handed-over'"
        )
    body = handover.verify_receipt(receipt, recipient_signing_key)
    if body.get("package_sha256") != case.details.get("package_sha256"):
        raise WorkflowError(
            "The receipt is for another package (its SHA-256 differs); "
            "nothing was destroyed"
        )
    ids = [int(i) for i in case.details.get("transferred", [])]
    result = lifecycle.delete_customers(
        vault,
        ids,
        reason=f"transferred to {case.party['name']} under case {case_id} "
        "(PIPL Art. 22)",
        approved_by=vault.actor,
        out_dir=out_dir,
    )
    with vault.write() as conn:
        case = cases.load_case(conn, case_id, KIND)
        case.details.update(receipt=body, certificate=str(result.certificate))
        cases.step(
            vault,
            conn,
            case,
            TransferState.SOURCE_DESTROYED.value,
            details={
                "certificate": str(result.certificate),
                "customers_destroyed": result.customers_destroyed,
            },
        )
    return {
        "case": case_id,
        "certificate": str(result.certificate),
        "customers_destroyed": result.customers_destroyed,
        "customers_restricted": result.customers_restricted,
    }


def status(vault: Vault, case_id: str) -> dict[str, Any]:
    with vault.read() as conn:
        case = cases.load_case(conn, case_id, KIND)
        rows = cases.members(conn, case_id)
        out = case.to_dict()
        details = dict(out["details"])
        details.pop("transferred", None)
        out["details"] = details
        out["counts"] = {
            "included": sum(1 for r in rows if r.included),
            "excluded": sum(1 for r in rows if not r.included),
            "notices": {
                s: sum(1 for r in rows if r.notice == s)
                for s in ("generated", "delivered", "failed", "announced")
            },
        }
        out["exclusions"] = cases.exclusions(conn, case_id)
        if case.state in (
            TransferState.NOTICES_SENT.value,
            TransferState.OBJECTION_WINDOW.value,
        ):
            out["window_ends_on"] = _window_end(case).isoformat()
    return out
