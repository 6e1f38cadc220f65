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
from piplvault.store.schema import case_customers, customers
from piplvault.store.schema import cases as cases_table
from piplvault.vault import cases, company, counterparty, lifecycle, policy
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
    objection_days: int = rules.OBJECTION_FLOOR_DAYS,
    objection_reason: str | None = None,
    legal_opinion: str | None = None,
    signing_key: bytes | None = None,
    exchange_key: bytes | None = None,
    court_appointment: str | None = None,
    seller_ceases: bool | None = None,
) -> dict[str, Any]:
    """Open a transfer case and compute its scope (who and which fields would move).

    A bankruptcy's recipient is the court-appointed administrator (破产管理人), named with
    the court's appointment decision (Enterprise Bankruptcy Law Arts. 13, 25).

    ``signing_key`` / ``exchange_key`` (the recipient vault's public keys) are pinned on
    the case now; otherwise at ``package``."""
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
    objection = rules.objection_window(objection_days, objection_reason)
    mode = rules.legal_mode(deal_type, legal_opinion=legal_opinion)
    if deal_type is Deal.BANKRUPTCY and not (court_appointment or "").strip():
        raise ValidationError(
            "A bankruptcy's recipient is the court-appointed administrator (破产管理人): "
            "give the court's appointment decision with --court-appointment "
            "(Enterprise Bankruptcy Law Art. 13)"
        )
    ceases = (
        deal_type in rules.SELLER_CEASES if seller_ceases is None else seller_ceases
    )
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        keys = [
            policy.resolve_purpose(conn, p.strip()).key for p in purposes if p.strip()
        ]
        if not keys:
            raise ValidationError("Name the purposes that continue (--purposes P1,P2)")
        persons = _distinct_persons(conn)
        party = {
            "name": recipient.strip(),
            "identifier": uscc.strip().upper(),
            "contact": contact.strip(),
            "kind": "administrator" if deal_type is Deal.BANKRUPTCY else "recipient",
        }
        counterparty.pin(party, signing_pem=signing_key, exchange_pem=exchange_key)
        case = cases.Case(
            id=cases.new_case_id(conn, KIND),
            kind=KIND,
            state=TransferState.DRAFT.value,
            deal=deal_type.value,
            mode=mode.value,
            party=party,
            purposes=keys,
            details={
                "objection_days": objection,
                "objection_reason": objection_reason,
                "legal_opinion": legal_opinion,
                "court_appointment": court_appointment,
                "seller_ceases": ceases,
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
        held = sorted({why for _, inc, why in members if why.startswith("in-open-")})
        vault.record(
            conn,
            action="transfer-created",
            target=f"case:{case.id}",
            details={
                "deal": case.deal,
                "mode": case.mode,
                "purposes": keys,
                "objection_days": objection,
                "objection_reason": objection_reason,
                "recipient": case.party["name"],
                "pinned": counterparty.pinned(case.party),
                "included": sum(1 for _, inc, _ in members if inc),
                "excluded": sum(1 for _, inc, _ in members if not inc),
            },
        )
    result = status(vault, case.id)
    if held:
        others = ", ".join(h.removeprefix("in-open-case-") for h in held)
        result["warning"] = (
            f"{sum(1 for _, _, w in members if w in held)} customer(s) belong to open "
            f"case(s) {others} and are excluded here: a customer is in one open transfer "
            "at a time. Finish that case first; its destroyed customers cannot move twice"
        )
    return result


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
    locked = (
        {} if case.mode == Mode.CHANGE_NOTICE.value else locked_elsewhere(conn, case.id)
    )
    out = []
    ids = conn.execute(
        select(customers.c.id, customers.c.status).order_by(customers.c.id)
    ).all()
    for cid, status_ in ids:
        if int(cid) in locked:
            out.append((int(cid), False, f"in-open-case-{locked[int(cid)]}"))
            continue
        out.append(
            (
                int(cid),
                *_decide_member(
                    conn, int(cid), status_, purposes, plan, objected, case
                ),
            )
        )
    return out


#: Transfer states in which a case still holds its customers (13.4).
OPEN_STATES = (
    TransferState.DRAFT.value,
    TransferState.NOTICES_SENT.value,
    TransferState.OBJECTION_WINDOW.value,
    TransferState.READY.value,
    TransferState.HANDED_OVER.value,
)


def locked_elsewhere(conn: Connection, case_id: str) -> dict[int, str]:
    """Customers included in another open transfer case that moves data: customer → case.

    A customer belongs to one open case at a time, so two cases can never each promise,
    package and then destroy the same person (issue 13 item 4)."""
    rows = conn.execute(
        select(case_customers.c.customer_id, cases_table.c.id)
        .join(cases_table, cases_table.c.id == case_customers.c.case_id)
        .where(
            cases_table.c.kind == KIND,
            cases_table.c.id != case_id,
            cases_table.c.state.in_(OPEN_STATES),
            cases_table.c.mode != Mode.CHANGE_NOTICE.value,
            case_customers.c.included == 1,
        )
    )
    return {int(cid): str(other) for cid, other in rows}


def _decide_member(
    conn: Connection,
    cid: int,
    status_: str,
    purposes: list[policy.PurposeDef],
    plan: dict[int, str],
    objected: set[int],
    case: cases.Case,
) -> tuple[bool, str]:
    mode = case.mode
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
        names_recipient(b.separate, case) for b in live
    ):
        return False, "awaiting-separate-consent"
    return True, ""


def names_recipient(separate: frozenset[str], case: cases.Case) -> bool:
    """A separate third-party consent counts only for the recipient (or case) it names
    (PIPL Art. 23): a bare ``third-party`` consent unlocks no buyer."""
    return bool(
        {f"third-party:{case.party['identifier']}", f"third-party:{case.id}"} & separate
    )


def record_consent(
    vault: Vault, case_id: str, customer_id: int, *, channel: str
) -> dict[str, Any]:
    """A customer's "同意" to an asset-sale request: a separate consent naming this
    recipient for each case purpose, kept on the purpose's own legal basis (Art. 23)."""
    from piplvault.vault import consents

    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        if case.mode != Mode.SEPARATE_CONSENT.value:
            raise WorkflowError(
                f"Case {case_id} is in {case.mode} mode; only an asset sale (Art. 23) "
                "collects separate consents"
            )
        if case.state not in OPEN_STATES[:4]:
            raise WorkflowError(
                f"Case {case_id} is '{case.state}'; consents are closed"
            )
        member = [
            r for r in cases.members(conn, case_id) if r.customer_id == customer_id
        ]
        if not member:
            raise ValidationError(
                f"Customer {customer_id} is not part of case {case_id}"
            )
        flag = f"third-party:{case.party['identifier']}"
        vault.authorize(conn, action="manage-consents")
        for key in case.purposes:
            current = policy.customer_basis(
                conn, customer_id, policy.resolve_purpose(conn, key)
            )
            live = current is not None and current.withdrawn_on is None
            consents.grant_in(
                vault,
                conn,
                customer_id,
                key,
                separate=[flag],
                channel=f"{channel} (reply 同意, case {case_id})",
                notice_version=f"{case_id} {case.details.get('template_sha256', '')}",
                basis=current.basis if live and current else "consent",
            )
        cases.set_members(conn, case_id, _scope(vault, conn, case))
        included = bool(
            [
                r
                for r in cases.members(conn, case_id, included=True)
                if r.customer_id == customer_id
            ]
        )
        vault.record(
            conn,
            action="transfer-consent",
            target=f"customer:{customer_id}",
            details={"case": case_id, "channel": channel, "included": included},
        )
    return {"case": case_id, "customer_id": customer_id, "included": included}


def send_notices(
    vault: Vault,
    case_id: str,
    out_dir: Path,
    *,
    lang: str | None = None,
    smtp: tuple[str, int, str] | None = None,
    voluntary: bool = False,
) -> dict[str, Any]:
    """Render one notice per customer in scope (letter/SMS/e-mail) naming the recipient;
    with ``smtp`` = (host, port, from-address), also send the e-mails and record them
    delivered (after the case step is committed, so a mail failure loses no record)."""
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        if case.mode == Mode.CHANGE_NOTICE.value and not voluntary:
            raise WorkflowError(
                f"Case {case_id} is a share transfer: the handler does not change and no "
                "personal information moves, so no notice is required (close it with "
                f"'piplvault transfer advance {case_id}'); pass --voluntary to tell "
                "customers anyway"
            )
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
    profile = company.require_named(vault, conn)
    change = case.mode == Mode.CHANGE_NOTICE.value
    return {
        **company.context(profile),
        "recipient": counterparty.public_party(case.party),
        "deal_zh": DEAL_ZH[deal],
        "deal_en": DEAL_EN[deal],
        "purposes_zh": "、".join(p.name_zh for p in names),
        "purposes_en": ", ".join(p.key for p in names),
        "categories_zh": "、".join(_CATEGORY_ZH.get(c, c) for c in cats),
        "categories_en": ", ".join(cats),
        "objection_days": int(case.details["objection_days"]),
        "objection_deadline": deadline.isoformat(),
        "objection_deadline_zh": f"{deadline.year}年{deadline.month}月{deadline.day}日",
        "objection_channel": case.party.get("objection_channel")
        or profile.contact
        or profile.name,
        "change_zh": f"{profile.name}股东发生变更。",
        "change_en": "Our shareholders have changed.",
        # a share transfer: the company's own contact, never the new shareholder's (13.6)
        "contact": (profile.contact or profile.name)
        if change
        else case.party["contact"],
        "date": today.isoformat(),
        "date_zh": f"{today.year}年{today.month}月{today.day}日",
        "title": NOTICE_TITLE[case.mode],
    }


NOTICE_TITLE = {
    Mode.NOTICE.value: "个人信息转移告知书",
    Mode.SEPARATE_CONSENT.value: "向第三方提供个人信息单独同意请求",
    Mode.CHANGE_NOTICE.value: "个人信息处理者信息变更告知",
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
    objection-window → ready (every customer's window, counted from its own recorded
    delivery, is over; scope recomputed; regulator report if due).

    ``as_of`` may only name today or a past day (a frozen clock is how tests move time);
    a future date is refused, and the date used is always audited (13.2)."""
    today = vault.clock.now().date()
    day = as_of or today
    with vault.write() as conn:
        vault.authorize(conn, action="transfer")
        case = cases.load_case(conn, case_id, KIND)
        if as_of is not None and as_of > today:
            raise cases.refuse(
                ValidationError(
                    f"--as-of {as_of.isoformat()} is in the future (today is "
                    f"{today.isoformat()}); the objection window cannot be skipped"
                ),
                action="transfer-advance",
                case_id=case_id,
            )
        if (
            case.state == TransferState.DRAFT.value
            and case.mode == Mode.CHANGE_NOTICE.value
        ):
            cases.step(
                vault,
                conn,
                case,
                TransferState.CLOSED.value,
                details={"notices": 0, "reason": "share transfer: nothing moves"},
            )
        elif case.state == TransferState.NOTICES_SENT.value:
            require_delivered(conn, case)
            cases.step(
                vault,
                conn,
                case,
                TransferState.OBJECTION_WINDOW.value,
                details={
                    "window_ends_on": window_end(conn, case).isoformat(),
                    "as_of": day.isoformat(),
                },
            )
        elif case.state == TransferState.OBJECTION_WINDOW.value:
            _to_ready(vault, conn, case, day)
        else:
            rules.require_transition(KIND, case.state, TransferState.READY.value)
    return status(vault, case_id)


def _to_ready(vault: Vault, conn: Connection, case: cases.Case, day: dt.date) -> None:
    ends = window_end(conn, case)
    if day < ends:
        raise cases.refuse(
            WorkflowError(
                f"The objection window of case {case.id} runs until {ends.isoformat()} "
                f"({case.details['objection_days']} days from the last recorded delivery)"
            ),
            action="transfer-advance",
            case_id=case.id,
        )
    if case.details.get("regulator_report_required") and not case.details.get(
        "regulator_report"
    ):
        raise cases.refuse(
            WorkflowError(
                f"Case {case.id} covers {case.details['persons']:,} persons: produce the "
                "regulator report first ('piplvault transfer regulator-report', "
                "NDSMR Art. 32)"
            ),
            action="transfer-advance",
            case_id=case.id,
        )
    cases.set_members(conn, case.id, _scope(vault, conn, case))
    require_delivered(conn, case)
    cases.step(
        vault,
        conn,
        case,
        TransferState.READY.value,
        details={
            "included": len(cases.members(conn, case.id, included=True)),
            "as_of": day.isoformat(),
            "window_ended_on": ends.isoformat(),
        },
    )


def window_end(conn: Connection, case: cases.Case) -> dt.date:
    """The day every included customer's objection window is over: each runs for the
    case's days from that customer's own recorded delivery (or announcement)."""
    days = dt.timedelta(days=int(case.details["objection_days"]))
    delivered = [
        dt.date.fromisoformat(str(r.notice_at)[:10])
        for r in cases.members(conn, case.id, included=True)
        if r.notice in ("delivered", "announced") and r.notice_at
    ]
    if not delivered:
        sent = dt.date.fromisoformat(str(case.details["notices_at"])[:10])
        return sent + days
    return max(delivered) + days


def require_delivered(conn: Connection, case: cases.Case) -> None:
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
            "company": company.require_named(vault, conn).to_dict(),
            "deal": case.deal,
            "mode": case.mode,
            "recipient": counterparty.public_party(case.party),
            "purposes": case.purposes,
            "persons": case.details["persons"],
            "persons_transferred": len(included),
            "exclusions": {
                k: len(v) for k, v in cases.exclusions(conn, case_id).items()
            },
            "security_measures": "AES-256-GCM 加密、签名的移交包；源端在接收方签收后加密擦除（销毁密钥）",
            "legal_basis": "《网络数据安全管理条例》第二十八条、第三十二条",
            "generated_at": vault.now(),
        }
        data = json.dumps(plan, ensure_ascii=False, indent=1).encode()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
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


def status(vault: Vault, case_id: str) -> dict[str, Any]:
    with vault.read() as conn:
        case = cases.load_case(conn, case_id, KIND)
        rows = cases.members(conn, case_id)
        out = case.to_dict()
        out["party"] = counterparty.public_party(case.party)
        out["pinned"] = counterparty.pinned(case.party)
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
        if case.details.get("seller_ceases"):
            from piplvault.vault.transfer_finish import objectors_to_delete

            out["plan"] = {
                "objectors_deleted_at_completion": objectors_to_delete(conn, case),
                "why": "the seller ceases to exist (PIPL Art. 47(1)(ii))",
            }
        if case.state in (
            TransferState.NOTICES_SENT.value,
            TransferState.OBJECTION_WINDOW.value,
        ):
            out["window_ends_on"] = window_end(conn, case).isoformat()
    return out
