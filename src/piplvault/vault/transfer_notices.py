"""A transfer's conversation with its customers (PIPL Arts. 22, 23, 44): the notices naming
the recipient, their delivery, objections, Art. 23 consents ("同意"), and the steps through
the objection window to ``ready``.

The window runs from each customer's recorded delivery with a 30-day floor; ``--as-of`` may
not name a future day and is always audited (issue 13 item 2).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core import cases as rules
from piplvault.core.cases import DEAL_EN, DEAL_ZH, Deal, Mode, TransferState
from piplvault.documents import notices
from piplvault.documents.labels import CATEGORY_ZH
from piplvault.errors import ValidationError, WorkflowError
from piplvault.store import cases as case_store
from piplvault.store.engine import Connection
from piplvault.vault import cases, company, counterparty, discontinue, policy
from piplvault.vault.records import load_field_defs
from piplvault.vault.transfer import (
    KIND,
    OPEN_STATES,
    require_delivered,
    scope,
    status,
    window_end,
)

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


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
        cases.set_members(conn, case_id, scope(vault, conn, case))
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
        if case.mode == Mode.DISCONTINUE.value:
            raise WorkflowError(
                f"Case {case_id}: the business stops and nothing moves to the new owners; "
                f"its data is deleted or restricted before closing ('piplvault transfer "
                f"advance {case_id}'), which needs no transfer notice"
            )
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
        "categories_zh": "、".join(CATEGORY_ZH.get(c, c) for c in cats),
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
        found = case_store.update_member(
            conn,
            case_id,
            customer_id,
            objected_at=vault.now(),
            included=0,
            reason="objected",
        )
        if found == 0:
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
    vault: Vault,
    case_id: str,
    *,
    as_of: dt.date | None = None,
    approval_id: int | None = None,
) -> dict[str, Any]:
    """One step forward: notices-sent → objection-window (every notice delivered, R-22-1);
    objection-window → ready (every customer's window, counted from its own recorded
    delivery, is over; scope recomputed; regulator report if due).

    ``as_of`` may only name today or a past day (a frozen clock is how tests move time);
    a future date is refused, and the date used is always audited (13.2)."""
    today = vault.clock.now().date()
    day = as_of or today
    with vault.read() as conn:
        first = cases.load_case(conn, case_id, KIND)
    if (
        first.mode == Mode.DISCONTINUE.value
        and first.state == TransferState.DRAFT.value
    ):
        return discontinue.end_business(vault, case_id, approval_id=approval_id)
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
    cases.set_members(conn, case.id, scope(vault, conn, case))
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
