"""The exits the law offers and the copies outside the vault (issue 13 items 15 and 16).

Routes (``deregister start --route``):

- ``ordinary`` — liquidation (Company Law Arts. 232–239).
- ``simplified`` (简易注销, Art. 240) — only with no debts and a commitment signed by all
  shareholders (``--shareholder-commitment REF``), who are jointly liable if it is false; a
  public notice of 20 days. Open prepaid customer balances are debts: while any creditor is
  unsettled the route is blocked (prepaid customers are told in advance and refunded).
- ``forced`` (强制注销, Art. 241) — by the registry after an announcement of at least 90 days
  (SAMR Order 105); liability survives and the registry may restore the company.

Copies outside the vault (personal WeChat, USB sticks, cloud drives, paper, e-mail) are
inventoried per item and each gets a destruction record; ``deregister shred`` is refused while
any is not destroyed, and the closing report lists them. Descriptions must not contain
personal information (say "sales team's customer list, 2024" — not names).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from piplvault.core.cases import Milestone
from piplvault.errors import ValidationError, WorkflowError
from piplvault.vault import cases

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

ROUTES = ("ordinary", "simplified", "forced")
FORCED_ANNOUNCEMENT_DAYS = 90
SIMPLIFIED_NOTICE_DAYS = 20
WHERE = ("wechat", "usb", "cloud", "paper", "email", "laptop", "other")
LIABILITY_NOTE = (
    "清算组成员怠于履行清算职责或因故意、重大过失给公司或债权人造成损失的，应当承担赔偿责任"
    "（《公司法》第二百三十二条第三款、第二百三十八条）。Liquidators are liable for losses "
    "caused by late or negligent liquidation (Company Law Arts. 232(3), 238)."
)
NO_NEW_BUSINESS = (
    "清算期间公司不得开展与清算无关的经营活动（《公司法》第二百三十六条第三款）"
)


def check_route(
    route: str,
    *,
    resolution: dt.date,
    effective: dt.date,
    shareholder_commitment: str | None,
) -> dict[str, Any]:
    """The route's record for the case, or a ValidationError naming what is missing."""
    if route not in ROUTES:
        raise ValidationError(
            f"Unknown route '{route}'; routes: {', '.join(ROUTES)}", field="route"
        )
    record: dict[str, Any] = {"route": route}
    if route == "simplified":
        if not (shareholder_commitment or "").strip():
            raise ValidationError(
                "Simplified deregistration (简易注销, Company Law Art. 240) needs the "
                "commitment signed by all shareholders (its reference)",
                field="shareholder_commitment",
            )
        record["shareholder_commitment"] = shareholder_commitment
    if route == "forced":
        earliest = resolution + dt.timedelta(days=FORCED_ANNOUNCEMENT_DAYS)
        if effective < earliest:
            raise ValidationError(
                f"Forced deregistration (Company Law Art. 241) follows an announcement of "
                f"at least {FORCED_ANNOUNCEMENT_DAYS} days: the effective date must be on "
                f"or after {earliest.isoformat()}",
                field="effective_date",
            )
    return record


def milestones(route: str, resolution: dt.date) -> list[Milestone]:
    if route == "simplified":
        return [
            Milestone(
                date=resolution + dt.timedelta(days=SIMPLIFIED_NOTICE_DAYS),
                what_zh="简易注销公示期满（20日）",
                what_en="simplified-deregistration notice period ends (20 days)",
                source="《公司法》第二百四十条",
            )
        ]
    if route == "forced":
        return [
            Milestone(
                date=resolution + dt.timedelta(days=FORCED_ANNOUNCEMENT_DAYS),
                what_zh="强制注销公告期满（不少于90日）",
                what_en="forced-deregistration announcement ends (at least 90 days)",
                source="《公司法》第二百四十一条",
            )
        ]
    return []


def route_blockers(case: cases.Case, open_claims: int) -> list[str]:
    """Why the case's route cannot finish yet (simplified: open debts)."""
    if case.details.get("route", {}).get("route") == "simplified" and open_claims:
        return [
            f"{open_claims} open customer balance(s) or claim(s): simplified deregistration "
            "is only for a company without debts (Company Law Art. 240) — refund and "
            "settle them, or use the ordinary route"
        ]
    return []


# --- copies outside the vault ---------------------------------------------------------------


def add_outside_copy(
    vault: Vault, case_id: str, *, where: str, holder: str, description: str
) -> dict[str, Any]:
    if where not in WHERE:
        raise ValidationError(
            f"Unknown place '{where}'; use {', '.join(WHERE)}", field="where"
        )
    if not holder.strip() or not description.strip():
        raise ValidationError(
            "An outside copy needs its holder (a role) and a description",
            field="holder" if not holder.strip() else "description",
        )
    with vault.write() as conn:
        vault.authorize(conn, action="deregister")
        case = cases.load_case(conn, case_id, "deregistration")
        items: list[dict[str, Any]] = case.details.setdefault("outside_copies", [])
        item = {
            "item": len(items) + 1,
            "where": where,
            "holder": holder.strip(),
            "description": description.strip(),
            "recorded_at": vault.now(),
            "destroyed_at": None,
        }
        items.append(item)
        cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="outside-copy-recorded",
            target=f"case:{case_id}",
            details={"item": item["item"], "where": where},
        )
    return item


def destroy_outside_copy(
    vault: Vault, case_id: str, *, item: int, method: str, witness: str | None
) -> dict[str, Any]:
    if not method.strip():
        raise ValidationError(
            "Say how it was destroyed (e.g. shredded, wiped)", field="method"
        )
    with vault.write() as conn:
        vault.authorize(conn, action="deregister")
        case = cases.load_case(conn, case_id, "deregistration")
        items = case.details.get("outside_copies", [])
        found = next((i for i in items if i["item"] == item), None)
        if found is None:
            raise ValidationError(f"Case {case_id} has no outside copy {item}")
        if found["destroyed_at"]:
            raise WorkflowError(
                f"Outside copy {item} was destroyed at {found['destroyed_at']}"
            )
        found.update(
            destroyed_at=vault.now(),
            method=method.strip(),
            witness=(witness or "").strip(),
            destroyed_by=vault.actor,
        )
        cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="outside-copy-destroyed",
            target=f"case:{case_id}",
            details={"item": item, "method": found["method"]},
        )
    return dict(found)


def require_outside_copies_destroyed(case: cases.Case) -> None:
    left = [
        i["item"]
        for i in case.details.get("outside_copies", [])
        if not i["destroyed_at"]
    ]
    if left:
        raise cases.refuse(
            WorkflowError(
                f"Outside copy {left[0]} of case {case.id} is not destroyed yet "
                f"({len(left)} in all): destroy it and record it with 'piplvault deregister "
                f"outside-copy {case.id} --item {left[0]} --method …'"
            ),
            action="deregistration-shred",
            case_id=case.id,
        )
