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

from piplvault import discovery
from piplvault.core import cases as rules
from piplvault.core.cases import Deal, Mode, TransferState
from piplvault.errors import NoticeMissingError, ValidationError
from piplvault.io.private_files import write_private
from piplvault.store import transfer as store
from piplvault.store.cases import customer_statuses
from piplvault.store.engine import Connection
from piplvault.vault import cases, company, counterparty, policy, retention

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
    closing_date: dt.date | None = None,
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
        raise ValidationError(
            f"Unknown deal '{deal}'; deals: {valid}", field="deal"
        ) from exc
    if not recipient.strip() or not contact.strip():
        raise ValidationError(
            "The recipient needs a name and a contact",
            field="recipient" if not recipient.strip() else "contact",
        )
    if not discovery.validate("CN_USCC", uscc):
        raise ValidationError(
            "Not a valid unified social credit code (GB 32100)", field="uscc"
        )
    objection = rules.objection_window(objection_days, objection_reason)
    mode = rules.legal_mode(deal_type, legal_opinion=legal_opinion)
    if deal_type is Deal.BANKRUPTCY and not (court_appointment or "").strip():
        raise ValidationError(
            "A bankruptcy's recipient is the court-appointed administrator (破产管理人): "
            "give the court's appointment decision (Enterprise Bankruptcy Law Art. 13)",
            field="court_appointment",
        )
    if deal_type is Deal.SHARE_TRANSFER_DISCONTINUED and closing_date is None:
        raise ValidationError(
            "A share transfer with the business discontinued needs the closing date (when "
            "the new shareholders take control): the data is deleted or restricted before",
            field="closing_date",
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
            raise ValidationError("Name the purposes that continue", field="purposes")
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
                "closing_date": closing_date.isoformat() if closing_date else None,
                "seller_ceases": ceases,
                "persons": persons,
                "regulator_report_required": persons
                >= vault.settings.regulator_threshold,
            },
            created_at=vault.now(),
            updated_at=vault.now(),
        )
        cases.insert_case(vault, conn, case)
        members = scope(vault, conn, case)
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
    return store.count_individuals(conn)


def scope(
    vault: Vault, conn: Connection, case: cases.Case
) -> list[tuple[int, bool, str]]:
    """Who moves: customers with a live basis for a continuing purpose (R-22-5), minus
    objectors, withdrawn consents and those whose retention has ended."""
    plan = {
        p.customer_id: p.outcome.value
        for p in retention.plans_in(vault, conn, vault.clock.now().date())
    }
    purposes = [policy.resolve_purpose(conn, p) for p in case.purposes]
    objected = {
        int(r.customer_id)
        for r in cases.members(conn, case.id)
        if r.objected_at is not None
    }
    locked = (
        {}
        if case.mode in (Mode.CHANGE_NOTICE.value, Mode.DISCONTINUE.value)
        else locked_elsewhere(conn, case.id)
    )
    out = []
    for cid, status_ in customer_statuses(conn).items():
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
    return store.included_in_other_cases(
        conn,
        kind=KIND,
        other_than=case_id,
        states=OPEN_STATES,
        modes_not=(Mode.CHANGE_NOTICE.value, Mode.DISCONTINUE.value),
    )


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
    if mode in (Mode.CHANGE_NOTICE.value, Mode.DISCONTINUE.value):
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


def status(vault: Vault, case_id: str) -> dict[str, Any]:
    with vault.reading("transfer", "report") as conn:
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
        if case.mode == Mode.DISCONTINUE.value:
            from piplvault.vault.discontinue import INTERPRETATION

            out["plan"] = {
                "closing_date": case.details.get("closing_date"),
                "what": "before closing every customer relationship ends: records a "
                "statute keeps are restricted, everything else is deleted (certificate); "
                "no personal information moves to the new shareholders",
                "interpretation": INTERPRETATION,
            }
        elif case.details.get("seller_ceases"):
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
