"""Shared machinery of corporate-event cases: ids, loading and saving, state steps,
notice rendering and delivery records, refusals that are audited.

Transfer (vault/transfer.py), deregistration (vault/deregistration.py) and address change
(vault/address_change.py) build on these.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault import discovery
from piplvault.core.cases import require_transition
from piplvault.documents import notices
from piplvault.errors import NotFoundError, ValidationError, VaultError, WorkflowError
from piplvault.store import cases as store
from piplvault.store.engine import Connection
from piplvault.store.meta import write_meta
from piplvault.vault.records import load_plain

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

PREFIX = {"transfer": "T", "deregistration": "D", "address-change": "A"}
DELIVERY = ("delivered", "failed", "announced")
#: The policy action that governs each kind of case.
CASE_ACTION = {
    "transfer": "transfer",
    "deregistration": "deregister",
    "address-change": "transfer",
}


@dataclass(slots=True)
class Case:
    id: str
    kind: str
    state: str
    deal: str
    mode: str
    party: dict[str, Any]
    purposes: list[str]
    details: dict[str, Any]
    created_at: str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "deal": self.deal,
            "mode": self.mode,
            "party": self.party,
            "purposes": self.purposes,
            "details": self.details,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def new_case_id(conn: Connection, kind: str) -> str:
    return f"{PREFIX[kind]}-{store.count_cases(conn, kind) + 1:04d}"


def insert_case(vault: Vault, conn: Connection, case: Case) -> None:
    store.insert_case(
        conn,
        id=case.id,
        kind=case.kind,
        state=case.state,
        deal=case.deal,
        mode=case.mode,
        party=json.dumps(case.party, ensure_ascii=False),
        purposes=",".join(case.purposes),
        details=json.dumps(case.details, ensure_ascii=False),
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


def load_case(conn: Connection, case_id: str, kind: str) -> Case:
    row = store.load_case(conn, case_id)
    if row is None or row.kind != kind:
        raise NotFoundError(f"No {kind} case '{case_id}'")
    return Case(
        id=row.id,
        kind=row.kind,
        state=row.state,
        deal=row.deal,
        mode=row.mode,
        party=json.loads(row.party),
        purposes=list(filter(None, row.purposes.split(","))),
        details=json.loads(row.details),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def save_case(vault: Vault, conn: Connection, case: Case) -> None:
    case.updated_at = vault.now()
    store.update_case(
        conn,
        case.id,
        state=case.state,
        mode=case.mode,
        party=json.dumps(case.party, ensure_ascii=False),
        purposes=",".join(case.purposes),
        details=json.dumps(case.details, ensure_ascii=False),
        updated_at=case.updated_at,
    )


def step(
    vault: Vault,
    conn: Connection,
    case: Case,
    target: str,
    *,
    details: dict[str, Any] | None = None,
) -> None:
    """Move ``case`` to ``target`` (refused unless it is the next step) and audit it."""
    require_transition(case.kind, case.state, target)
    before, case.state = case.state, target
    save_case(vault, conn, case)
    vault.record(
        conn,
        action=f"{case.kind}-step",
        target=f"case:{case.id}",
        details={"from": before, "to": target, **(details or {})},
    )


def refuse(error: VaultError, *, action: str, case_id: str) -> VaultError:
    """Mark ``error`` so that Vault.write audits the refusal after rolling back."""
    info = {"action": action, "target": f"case:{case_id}", "purpose": "", "fields": []}
    setattr(error, "audit", info)  # noqa: B010  read back with getattr by Vault.write
    return error


def set_members(
    conn: Connection, case_id: str, members: Iterable[tuple[int, bool, str]]
) -> None:
    """Replace the case's customer list: (customer id, included, exclusion reason)."""
    members = list(members)
    created = store.customers_created_at(conn, [cid for cid, _, _ in members])
    existing = {int(r.customer_id): r for r in store.members(conn, case_id)}
    for cid, inc, why in members:
        born = created.get(cid, "")
        if cid in existing:
            values: dict[str, Any] = {"included": int(inc), "reason": why}
            if existing[cid].customer_created != born:
                # another person under the same id: nothing recorded for the old one holds
                values.update(
                    customer_created=born,
                    notice="none",
                    notice_at=None,
                    notice_reference=None,
                )
            store.update_member(conn, case_id, cid, **values)
        else:
            store.insert_member(
                conn,
                case_id=case_id,
                customer_id=cid,
                included=int(inc),
                reason=why,
                customer_created=born,
            )


def members(
    conn: Connection, case_id: str, *, included: bool | None = None
) -> list[Any]:
    return store.members(conn, case_id, included=included)


def exclusions(conn: Connection, case_id: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for r in members(conn, case_id, included=False):
        out.setdefault(r.reason, []).append(int(r.customer_id))
    return out


def check_out_dir(vault: Vault, out_dir: Path) -> Path:
    """Notices hold plaintext: never write them inside the vault directory."""
    target = out_dir.resolve()
    home = vault.settings.home.resolve()
    if target == home or home in target.parents:
        raise ValidationError(
            f"Notices contain personal data and may not be written inside the vault "
            f"directory {home}; choose another directory",
            field="out",
        )
    return target


def notice_recipients(
    vault: Vault,
    conn: Connection,
    ids: Iterable[int],
    context: dict[int, dict[str, Any]] | None = None,
) -> list[notices.Recipient]:
    """Decrypt just what a notice needs: display name, mobile, e-mail (in memory)."""
    out = []
    for cid in ids:
        _facts, plain = load_plain(conn, vault.keyring, cid)
        values = {k: v for k, (v, _) in plain.items()}
        name = (
            values.get("customer_name")
            or values.get("name")
            or values.get("company")
            or f"客户{cid}"
        )
        mobile = values.get("mobile")
        enterprise = _facts[0] == "enterprise"
        letter = {
            "postal_address": values.get("address") or "",
            # an enterprise's letter is addressed to its contact person (13.9)
            "attention": _contact_person(values, name) if enterprise else "",
        }
        out.append(
            notices.Recipient(
                customer_id=cid,
                name=name,
                mobile=_national_mobile(mobile) if mobile else None,
                email=values.get("email"),
                context={**letter, **(context or {}).get(cid, {})},
            )
        )
    return out


def _contact_person(values: dict[str, str], display: str) -> str:
    """An enterprise's contact person: a person-name field other than its display name."""
    for key in ("contact_person", "name", "name_2"):
        value = values.get(key)
        if value and value != display:
            return value
    return ""


def _national_mobile(value: str) -> str:
    digits = discovery.normalise("CN_MOBILE", value)
    return digits[3:] if digits.startswith("+86") else digits


def mark_notices(
    vault: Vault, conn: Connection, case_id: str, ids: Iterable[int]
) -> None:
    store.update_members(conn, case_id, ids, notice="generated", notice_at=vault.now())


def record_delivery(
    vault: Vault,
    case: Case,
    customer_ids: list[int] | None,
    status: str,
    reference: str | None,
) -> dict[str, Any]:
    """Record delivery (or a documented fallback such as a public announcement)."""
    if status not in DELIVERY:
        raise ValidationError(
            f"Unknown delivery status '{status}'; use {', '.join(DELIVERY)}"
        )
    if status == "announced" and not reference:
        raise ValidationError(
            "An announcement needs its reference (where and when it was published)",
            field="reference",
        )
    with vault.write() as conn:
        vault.authorize(conn, action=CASE_ACTION[case.kind])
        rows = members(conn, case.id)
        known = {int(r.customer_id) for r in rows if r.notice != "none"}
        targets = sorted(known) if customer_ids is None else customer_ids
        unknown = [c for c in targets if c not in known]
        if unknown:
            raise WorkflowError(
                f"Customer {unknown[0]} has no notice in case {case.id}"
            )
        store.update_members(
            conn,
            case.id,
            targets,
            notice=status,
            notice_at=vault.now(),
            notice_reference=reference,
        )
        vault.record(
            conn,
            action="notice-delivery-recorded",
            target=f"case:{case.id}",
            details={
                "status": status,
                "customers": len(targets),
                "reference": reference,
            },
        )
    return {"case": case.id, "status": status, "customers": len(targets)}


def undelivered(conn: Connection, case_id: str) -> list[int]:
    """Included customers without a delivered notice — a notice recorded for a customer
    with the same id but another created_at never counts (issue 10, attack 2)."""
    rows = members(conn, case_id, included=True)
    created = store.customers_created_at(conn, [int(r.customer_id) for r in rows])
    return [
        int(r.customer_id)
        for r in rows
        if r.notice not in ("delivered", "announced")
        or (
            r.customer_created
            and int(r.customer_id) in created
            and created[int(r.customer_id)] != r.customer_created
        )
    ]


def set_vault_state(conn: Connection, state: str) -> None:
    write_meta(conn, "state", state)


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{option} must be a date like 2026-12-31") from exc
