"""Registered-address change (变更注册地址): the handler stays the same, no data moves.

The event records the new address and contact (used by later notices), sends change
notices to every customer (PIPL Art. 17 para. 2) and shows the registry and tax deadlines
(MER Arts. 24, 27; Tax Implementing Rules Art. 15; R-MER-24-1).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core import cases as rules
from piplvault.documents import notices
from piplvault.errors import ValidationError
from piplvault.store.customer_ids import all_customer_ids
from piplvault.store.meta import read_meta, write_meta
from piplvault.vault import cases, closure
from piplvault.vault import company as company_profile
from piplvault.vault.closing import zh_date

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

KIND = "address-change"
ACTION = "transfer"  # the corporate-event action (as cases.record_delivery uses)


def change_address(
    vault: Vault,
    *,
    new_address: str,
    effective_date: dt.date,
    out_dir: Path,
    contact: str | None = None,
    company: str | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """Record the change, render change notices for every customer, list the deadlines."""
    if not new_address.strip():
        raise ValidationError("--new-address may not be empty")
    target = cases.check_out_dir(vault, out_dir)
    deadlines = rules.address_change_timeline(effective_date)
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        profile = company_profile.require_named(vault, conn)
        name = company or profile.name
        new_contact = (contact or profile.contact or new_address).strip()
        closure.ensure_open(conn, ACTION)
        case = cases.Case(
            id=cases.new_case_id(conn, KIND),
            kind=KIND,
            state="notices-sent",
            deal="address-change",
            mode="change-notice",
            party={"name": name, "contact": new_contact},
            purposes=[],
            details={
                "new_address": new_address.strip(),
                "previous_address": read_meta(conn, "registered_address"),
                "effective_date": effective_date.isoformat(),
                "deadlines": [m.to_dict() for m in deadlines],
                "data_moved": False,
            },
            created_at=vault.now(),
            updated_at=vault.now(),
        )
        cases.insert_case(vault, conn, case)
        ids = all_customer_ids(conn)
        cases.set_members(conn, case.id, [(cid, True, "") for cid in ids])
        write_meta(conn, "registered_address", new_address.strip())
        write_meta(conn, "notice_contact", new_contact)
        rendered = notices.render(
            notices.environment(vault.settings.home),
            "change",
            lang or vault.settings.lang,
            cases.notice_recipients(vault, conn, ids),
            target,
            common=_context(
                vault,
                company_profile.replace(
                    profile, name=name, address=new_address.strip()
                ),
                effective_date,
                new_contact,
            ),
            title=f"{case.id} 关于注册地址变更的告知",
        )
        cases.mark_notices(vault, conn, case.id, ids)
        case.details.update(notices_at=vault.now(), notices=rendered.to_dict())
        cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="address-change-noticed",
            target=f"case:{case.id}",
            details={
                "effective_date": effective_date.isoformat(),
                "letters": rendered.letters,
                "sms": rendered.sms,
                "emails": rendered.emails,
                "data_moved": False,
            },
        )
    return {
        "id": case.id,
        "kind": KIND,
        "state": case.state,
        "company": name,
        "new_address": case.details["new_address"],
        "previous_address": case.details["previous_address"],
        "contact": new_contact,
        "effective_date": effective_date.isoformat(),
        "deadlines": case.details["deadlines"],
        "data_moved": False,
        "customers": len(ids),
        "notices": rendered.to_dict(),
    }


def _context(
    vault: Vault, profile: company_profile.Profile, effective: dt.date, contact: str
) -> dict[str, Any]:
    today = vault.clock.now().date()
    address = profile.address
    return {
        **company_profile.context(profile),
        "change_zh": f"{profile.name}注册地址自{zh_date(effective)}起变更为{address}。",
        "change_en": f"Our registered address changes to {address} "
        f"on {effective.isoformat()}.",
        "contact": contact,
        "date": today.isoformat(),
        "date_zh": zh_date(today),
    }
