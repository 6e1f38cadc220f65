"""Lifecycle use cases: retention facts and plan, legal holds, crypto-shred deletion with a
signed destruction certificate (PIPL Arts. 19, 47; NIST SP 800-88 cryptographic erase).

Deleting a customer destroys its wrapped data key (``customer_keys`` row) and removes every
row that belonged to it — record, field history, blind-index tags, purposes, consents — in
one audited transaction, in set-based SQL over a temporary id table (100,000 customers take
seconds). SQLite runs with ``secure_delete=ON``, so freed pages are zeroed. A shred journal
entry (customer id, time, run, reason; no personal data) is kept forever and replayed on
restore. Fields under a running statutory period are kept and the customer becomes
*restricted* (no blind index, readable only for the rule's reader purposes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, text, update

from piplvault.core.retention import (
    CustomerFacts,
    CustomerPlan,
    LegalHold,
    Outcome,
    Schedule,
    parse_schedule,
    plan_customer,
)
from piplvault.crypto.keyring import SealingKeys
from piplvault.documents.certificate import (
    CERTIFICATE_TYPE,
    sign_certificate,
    write_certificate_files,
)
from piplvault.errors import (
    CertificateNotWrittenError,
    LegalHoldError,
    NotFoundError,
    ValidationError,
)
from piplvault.store.engine import is_sqlite
from piplvault.store.meta import read_meta
from piplvault.store.records import field_names, unpack
from piplvault.store.schema import (
    audit_head,
    blind_index,
    customer_lifecycle,
    customer_purposes,
    customers,
    destruction_runs,
    field_history,
    legal_holds,
    shred_journal,
)
from piplvault.vault import approvals, company
from piplvault.vault.records import load_field_defs, require_customer, seal_record

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

RULES_FILE = "retention.toml"
METHOD = (
    "Cryptographic erase (NIST SP 800-88 Rev. 1 §2.6 / Rev. 2 'Purge: cryptographic "
    "erase'): each customer's 256-bit AES-GCM data key was destroyed, so every copy of "
    "its ciphertext (database, WAL, backups) became unreadable; the encrypted rows, field "
    "history and blind-index tags were then deleted (SQLite secure_delete zeroes freed "
    "pages)."
)
METHOD_ZH = (
    "加密擦除（销毁密钥；NIST SP 800-88 密码学擦除）：销毁每位客户的 256 位 AES-GCM 数据密钥，使其在数据库、"
    "日志文件和备份中的全部密文均不可恢复；随后删除加密记录、历史版本和盲索引标签（SQLite "
    "secure_delete 覆写已释放页面）。"
)
PSEUDONYM_METHOD = (
    "HMAC-SHA256 under the vault's blind-index key (version {v}) of 'certificate' || "
    "customer id, first 16 bytes in hex; only the vault can link a pseudonym to an id."
)
_CHUNK = 500
#: Every table holding a customer's rows, data key first (crypto-erase), the record last.
CUSTOMER_TABLES = (
    ("customer_keys", "customer_id"),
    ("blind_index", "customer_id"),
    ("field_history", "customer_id"),
    ("customer_lifecycle", "customer_id"),
    ("customer_purposes", "customer_id"),
    ("consents", "customer_id"),
    ("customers", "id"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DestructionResult:
    """What one deletion run did, and where its certificate is."""

    run_id: str
    certificate: Path
    html: dict[str, Path]
    customers_destroyed: int
    customers_restricted: int
    values_by_category: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "certificate": str(self.certificate),
            "html": {k: str(v) for k, v in self.html.items()},
            "run_id": self.run_id,
            "customers_destroyed": self.customers_destroyed,
            "customers_restricted": self.customers_restricted,
            "values_destroyed_by_category": self.values_by_category,
        }


# --- the schedule -------------------------------------------------------------------------


def load_schedule(vault: Vault) -> Schedule:
    """``HOME/retention.toml`` if present, else the shipped Chinese defaults."""
    custom = vault.settings.home / RULES_FILE
    origin = str(custom) if custom.is_file() else "shipped rules"
    return parse_schedule(schedule_text(vault), origin=origin)


def schedule_text(vault: Vault) -> str:
    """The retention rules in force, as TOML text (carried in handover packages)."""
    custom = vault.settings.home / RULES_FILE
    if custom.is_file():
        return custom.read_text(encoding="utf-8")
    shipped = resources.files("piplvault").joinpath("retention_rules.toml")
    return shipped.read_text(encoding="utf-8")


def set_facts(
    vault: Vault,
    customer_id: int,
    *,
    relationship_ended_on: dt.date | None = None,
    last_transaction_on: dt.date | None = None,
) -> dict[str, Any]:
    """Record the dates retention periods count from (relationship end, last transaction)."""
    with vault.write() as conn:
        vault.authorize(conn, action="retention-apply")
        require_customer(conn, customer_id)
        values: dict[str, Any] = {}
        if relationship_ended_on is not None:
            values["relationship_ended_on"] = relationship_ended_on.isoformat()
        if last_transaction_on is not None:
            values["last_transaction_on"] = last_transaction_on.isoformat()
        if not values:
            raise ValidationError("Give --relationship-ended and/or --last-transaction")
        exists = conn.execute(
            select(customer_lifecycle.c.customer_id).where(
                customer_lifecycle.c.customer_id == customer_id
            )
        ).first()
        if exists is None:
            conn.execute(
                insert(customer_lifecycle).values(customer_id=customer_id, **values)
            )
        else:
            conn.execute(
                update(customer_lifecycle)
                .where(customer_lifecycle.c.customer_id == customer_id)
                .values(**values)
            )
        vault.record(
            conn,
            action="retention-facts-set",
            target=f"customer:{customer_id}",
            details=values,
        )
    return {"customer_id": customer_id, **values}


# --- legal holds --------------------------------------------------------------------------


def place_hold(
    vault: Vault,
    customer_id: int,
    *,
    reason: str,
    basis: str = "",
    ends_on: dt.date | None = None,
) -> dict[str, Any]:
    """Place a legal hold (litigation, investigation): the customer cannot be deleted."""
    if not reason.strip():
        raise ValidationError("A legal hold needs a reason (--reason)")
    with vault.write() as conn:
        vault.authorize(conn, action="legal-hold")
        require_customer(conn, customer_id)
        row = {
            "customer_id": customer_id,
            "reason": reason.strip(),
            "basis": basis,
            "placed_at": vault.now(),
            "placed_by": vault.actor,
            "ends_on": ends_on.isoformat() if ends_on else None,
        }
        inserted = conn.execute(insert(legal_holds).values(**row)).inserted_primary_key
        hold_id = int(inserted[0]) if inserted is not None else 0
        vault.record(
            conn,
            action="legal-hold-placed",
            target=f"customer:{customer_id}",
            details={
                "hold": hold_id,
                "reason": row["reason"],
                "ends_on": row["ends_on"],
            },
        )
    return {"id": hold_id, **row}


def lift_hold(vault: Vault, hold_id: int, *, reason: str) -> dict[str, Any]:
    """Lift a legal hold; deletion is possible again when no other hold remains."""
    with vault.write() as conn:
        vault.authorize(conn, action="legal-hold")
        row = conn.execute(
            select(legal_holds).where(legal_holds.c.id == hold_id)
        ).first()
        if row is None or row.lifted_at is not None:
            raise NotFoundError(f"No active legal hold with id {hold_id}")
        now = vault.now()
        conn.execute(
            update(legal_holds)
            .where(legal_holds.c.id == hold_id)
            .values(lifted_at=now, lifted_by=vault.actor, lift_reason=reason)
        )
        vault.record(
            conn,
            action="legal-hold-lifted",
            target=f"customer:{row.customer_id}",
            details={"hold": hold_id, "reason": reason},
        )
    return {"id": hold_id, "customer_id": row.customer_id, "lifted_at": now}


def list_holds(vault: Vault, *, include_lifted: bool = False) -> list[dict[str, Any]]:
    with vault.write() as conn:
        vault.authorize(conn, action="legal-hold")
        query = select(legal_holds).order_by(legal_holds.c.id)
        if not include_lifted:
            query = query.where(legal_holds.c.lifted_at.is_(None))
        rows = [dict(r._mapping) for r in conn.execute(query)]
        vault.record(
            conn,
            action="legal-holds-listed",
            target="legal-holds",
            details={"count": len(rows)},
        )
    return rows


# --- plan ---------------------------------------------------------------------------------


def retention_plan(vault: Vault, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """What is due for deletion or restriction on ``as_of``, what is held and why."""
    day = as_of or vault.clock.now().date()
    schedule = load_schedule(vault)
    with vault.write() as conn:
        vault.authorize(conn, action="report")
        plans = _plans(conn, schedule, day)
        vault.record(
            conn,
            action="retention-planned",
            target="customers",
            details={"as_of": day.isoformat(), **_outcome_counts(plans)},
        )
    return {
        "as_of": day.isoformat(),
        "schedule_version": schedule.version,
        "summary": _outcome_counts(plans),
        "customers": [p.to_dict() for p in plans],
        "rules": [
            {
                "key": r.key,
                "title": r.title,
                "statutory": r.statutory,
                "source": r.source,
                "trigger": r.trigger.value,
                "period": {"years": r.years, "months": r.months, "days": r.days},
            }
            for r in schedule.rules
        ],
    }


def _plans(
    conn: Connection,
    schedule: Schedule,
    day: dt.date,
    *,
    ids: Sequence[int] | None = None,
    erasure: bool = False,
) -> list[CustomerPlan]:
    facts = _load_facts(conn, ids)
    # plan_customer is pure: customers with the same facts (but their id) share one plan.
    cache: dict[tuple[Any, ...], CustomerPlan] = {}
    plans = []
    for f in facts:
        key = (
            f.categories,
            f.purposes,
            f.relationship_ended_on,
            f.last_transaction_on,
            f.collected_on,
            f.holds,
        )
        plan = cache.get(key)
        if plan is None:
            plan = cache[key] = plan_customer(schedule, f, day, erasure=erasure)
        plans.append(dataclasses.replace(plan, customer_id=f.id))
    return plans


def plans_in(vault: Vault, conn: Connection, day: dt.date) -> list[CustomerPlan]:
    """Every customer's retention plan on ``day``, inside the caller's transaction."""
    return _plans(conn, load_schedule(vault), day)


def customer_plan(
    vault: Vault, conn: Connection, customer_id: int, *, erasure: bool = False
) -> CustomerPlan:
    """One customer's retention plan today (what a deletion request would do to it)."""
    day = vault.clock.now().date()
    plans = _plans(conn, load_schedule(vault), day, ids=[customer_id], erasure=erasure)
    if not plans:
        raise NotFoundError(f"No customer with id {customer_id}")
    return plans[0]


def _outcome_counts(plans: Iterable[CustomerPlan]) -> dict[str, int]:
    counts = Counter(p.outcome.value for p in plans)
    return {o.value: counts.get(o.value, 0) for o in Outcome}


def _load_facts(conn: Connection, ids: Sequence[int] | None) -> list[CustomerFacts]:
    defs = load_field_defs(conn)
    query = select(
        customers.c.id, customers.c.created_at, customers.c.data, customers.c.status
    ).order_by(customers.c.id)
    if ids is not None:
        query = query.where(customers.c.id.in_(list(ids)))
    life = {r.customer_id: r for r in conn.execute(select(customer_lifecycle))}
    purposes: dict[int, set[str]] = {}
    for cid, purpose in conn.execute(
        select(customer_purposes.c.customer_id, customer_purposes.c.purpose)
    ):
        purposes.setdefault(int(cid), set()).add(str(purpose))
    holds: dict[int, list[LegalHold]] = {}
    for h in conn.execute(select(legal_holds).where(legal_holds.c.lifted_at.is_(None))):
        holds.setdefault(int(h.customer_id), []).append(
            LegalHold(
                id=int(h.id),
                customer_id=int(h.customer_id),
                reason=h.reason,
                ends_on=_date(h.ends_on),
            )
        )
    out = []
    for row in conn.execute(query):
        cid = int(row.id)
        cats = frozenset(_category(defs, n) for n in field_names(bytes(row.data)))
        lc = life.get(cid)
        out.append(
            CustomerFacts(
                id=cid,
                collected_on=dt.date.fromisoformat(str(row.created_at)[:10]),
                categories=cats,
                purposes=frozenset(purposes.get(cid, ())),
                relationship_ended_on=_date(lc.relationship_ended_on) if lc else None,
                last_transaction_on=_date(lc.last_transaction_on) if lc else None,
                holds=tuple(holds.get(cid, ())),
            )
        )
    return out


# --- deletion -----------------------------------------------------------------------------


def delete_customer(
    vault: Vault,
    customer_id: int,
    *,
    reason: str,
    approved_by: str | None = None,
    out_dir: Path | None = None,
) -> DestructionResult:
    """Erase one customer on request (R-47-3): shred, or restrict fields under a statutory
    period; refused while a legal hold is active."""
    return erase_customers(
        vault, [customer_id], reason=reason, approved_by=approved_by, out_dir=out_dir
    )


def erase_customers(
    vault: Vault,
    ids: Sequence[int],
    *,
    reason: str,
    approved_by: str | None = None,
    out_dir: Path | None = None,
    approval_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> DestructionResult:
    """``customers delete``: erase these customers in one run (R-47-3) — behind a second
    administrator's approval when ``require_second_approver`` is on."""
    if not reason.strip():
        raise ValidationError("A deletion needs a reason (--reason)")
    wanted = sorted(set(ids))
    exact = {"customers": wanted, "reason": reason.strip()}
    grant = approvals.gate(
        vault,
        operation="customers-delete",
        params=lambda: (
            exact,
            {"customers": len(wanted), "customer_ids": wanted[:50], "reason": reason},
        ),
        approval_id=approval_id,
    )
    return delete_customers(
        vault,
        wanted,
        reason=reason,
        approved_by=approved_by,
        out_dir=out_dir,
        approval=grant,
        progress=progress,
        on_total=on_total,
    )


def delete_customers(
    vault: Vault,
    ids: Sequence[int],
    *,
    reason: str,
    approved_by: str | None = None,
    out_dir: Path | None = None,
    kind: str = "erasure-request",
    legal_basis: str | None = None,
    in_same_transaction: Callable[[Connection, str], None] | None = None,
    approval: approvals.Grant | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> DestructionResult:
    """Erase the given customers in one run with one certificate.

    ``kind`` and ``legal_basis`` say why (a request, a transfer's completion, a
    deregistration); ``in_same_transaction(conn, run_id)`` lets a case record its step
    atomically with the destruction, so a crash never leaves the two apart. ``approval``
    (checked by the caller's :func:`approvals.gate`) is consumed in the same transaction
    and its approver signed into the certificate. ``on_total(customers)`` is called once
    the run knows them, ``progress(n)`` as customers are destroyed or restricted."""
    if not reason.strip():
        raise ValidationError("A deletion needs a reason (--reason)")
    schedule = load_schedule(vault)
    day = vault.clock.now().date()
    with vault.write() as conn:
        vault.authorize(conn, action="delete")
        wanted = sorted(set(ids))
        plans = _plans(conn, schedule, day, ids=wanted, erasure=True)
        _check_requested(conn, wanted, plans)
        run = _destroy(
            vault,
            conn,
            schedule,
            plans,
            reason=reason.strip(),
            kind=kind,
            approved_by=approved_by,
            legal_basis=legal_basis,
            approval=approval,
            progress=progress,
            on_total=on_total,
        )
        if in_same_transaction is not None:
            in_same_transaction(conn, run.run_id)
    return _write_run(vault, run, out_dir)


def apply_retention(
    vault: Vault,
    *,
    as_of: dt.date | None = None,
    approved_by: str | None = None,
    out_dir: Path | None = None,
    approval_id: int | None = None,
    operation: str = "retention-apply",
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> DestructionResult:
    """Shred or restrict everything the retention schedule says is due on ``as_of`` —
    behind a second administrator's approval when ``require_second_approver`` is on (the
    approval binds the date and the very customers due)."""
    day = as_of or vault.clock.now().date()
    schedule = load_schedule(vault)

    def params() -> approvals.Params:
        with vault.write(commit=False) as conn:
            vault.authorize(conn, action="retention-apply")
            due = _due(conn, schedule, day)
        exact = _retention_params(day, due)
        summary = {"as_of": day.isoformat(), **_outcome_counts(due)}
        return exact, summary

    grant = approvals.gate(
        vault, operation=operation, params=params, approval_id=approval_id
    )
    with vault.write() as conn:
        vault.authorize(conn, action="retention-apply")
        plans = _due(conn, schedule, day)
        run = _destroy(
            vault,
            conn,
            schedule,
            plans,
            reason=f"retention schedule applied as of {day.isoformat()}",
            kind="retention-schedule",
            approved_by=approved_by,
            approval=grant,
            approval_params=_retention_params(day, plans),
            progress=progress,
            on_total=on_total,
        )
    return _write_run(vault, run, out_dir)


def _due(conn: Connection, schedule: Schedule, day: dt.date) -> list[CustomerPlan]:
    return [
        p
        for p in _plans(conn, schedule, day)
        if p.outcome in (Outcome.DESTROY, Outcome.RESTRICT)
        and (
            p.outcome is Outcome.DESTROY
            or p.destroy_categories
            or not _already_restricted(conn, p.customer_id)
        )
    ]


def _retention_params(day: dt.date, plans: list[CustomerPlan]) -> dict[str, Any]:
    """What a retention run destroys: the date and each customer's outcome."""
    return {
        "as_of": day.isoformat(),
        "customers": [[p.customer_id, p.outcome.value] for p in plans],
    }


def _check_requested(
    conn: Connection, wanted: list[int], plans: list[CustomerPlan]
) -> None:
    found = {p.customer_id for p in plans}
    for cid in wanted:
        if cid not in found:
            shredded = conn.execute(
                select(shred_journal.c.at).where(
                    shred_journal.c.customer_id == cid,
                    shred_journal.c.scope == "customer",
                )
            ).first()
            if shredded is not None:
                raise NotFoundError(
                    f"Customer {cid} was already shredded at {shredded.at}"
                )
            raise NotFoundError(f"No customer with id {cid}")
    for p in plans:
        if p.outcome is Outcome.HELD:
            raise LegalHoldError(
                f"Customer {p.customer_id} is under legal hold ({p.reason}); lift it with "
                "'piplvault retention hold lift' first; nothing was deleted",
                customer_id=p.customer_id,
            )
        if (
            p.outcome is Outcome.RESTRICT
            and not p.destroy_categories
            and _already_restricted(conn, p.customer_id)
        ):
            raise ValidationError(
                f"Customer {p.customer_id} is already restricted until "
                f"{p.restricted_until} under {', '.join(p.rules)}; nothing left to delete"
            )


@dataclass(slots=True, kw_only=True)
class _Run:
    run_id: str
    certificate: bytes
    destroyed: int
    restricted: int
    by_category: dict[str, int]


def _destroy(
    vault: Vault,
    conn: Connection,
    schedule: Schedule,
    plans: list[CustomerPlan],
    *,
    reason: str,
    kind: str,
    approved_by: str | None,
    legal_basis: str | None = None,
    approval: approvals.Grant | None = None,
    approval_params: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> _Run:
    run_id = vault.clock.now().strftime("%Y%m%dT%H%M%SZ") + "-" + os.urandom(3).hex()
    approvals.consume(vault, conn, approval, run=run_id, params=approval_params)
    now = vault.now()
    defs = load_field_defs(conn)
    full = [p.customer_id for p in plans if p.outcome is Outcome.DESTROY]
    partial = [p for p in plans if p.outcome is Outcome.RESTRICT]
    by_category: Counter[str] = Counter()
    by_category.update(_count_values(conn, defs, full))
    if on_total is not None:
        on_total(len(full) + len(partial))
    for start in range(0, len(full), _CHUNK):
        chunk = full[start : start + _CHUNK]
        _shred_full(conn, chunk, run_id=run_id, at=now, reason=reason)
        if progress is not None:
            progress(len(chunk))
    for plan in partial:
        by_category.update(
            _restrict(
                conn,
                vault.keyring.sealing,
                defs,
                plan,
                run_id=run_id,
                at=now,
                reason=reason,
            )
        )
        if progress is not None:
            progress(1)
    rules = {k for p in plans for k in p.rules}
    basis = [f"{r.key}: {r.source}" for r in schedule.rules if r.key in rules]
    if legal_basis:
        basis.insert(0, legal_basis)
    elif kind == "erasure-request":
        basis.insert(
            0, "《个人信息保护法》第四十七条 (PIPL Art. 47): deletion on request"
        )
    vault.record(
        conn,
        action="customers-shredded",
        target="customers",
        details={
            "run": run_id,
            "kind": kind,
            "reason": reason,
            "destroyed": len(full),
            "restricted": len(partial),
            "values_by_category": dict(by_category),
            "customer_ids": (full + [p.customer_id for p in partial])[:1000],
            **({"approval": approval.to_dict()} if approval else {}),
        },
    )
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    blind_v = vault.keyring.current_version("blind")
    body = {
        "type": CERTIFICATE_TYPE,
        "format_version": 1,
        "certificate_id": run_id,
        "vault_id": read_meta(conn, "vault_id") or "",
        "issuer": company.load(conn, vault.settings.company).to_dict(),
        "kind": kind,
        "what": {
            "customers_destroyed": len(full),
            "customers_restricted": len(partial),
            "values_destroyed_by_category": dict(sorted(by_category.items())),
            "restricted": _restricted_groups(schedule, partial),
            "pseudonymous_ids": {
                "destroyed": [_pseudonym(vault, c) for c in full],
                "restricted": [_pseudonym(vault, p.customer_id) for p in partial],
            },
            "pseudonym_method": PSEUDONYM_METHOD.format(v=blind_v),
            "contains_personal_data": False,
        },
        "how": {
            "method": METHOD,
            "method_zh": METHOD_ZH,
            "standard": "NIST SP 800-88 (cryptographic erase) + row deletion",
            "journal": "shred_journal run " + run_id,
        },
        "when": {"destroyed_at": now},
        "who": _who(vault, approved_by, approval),
        "why": {"reason": reason, "legal_basis": basis},
        "audit": {"head_seq": int(head.seq), "head_hash": str(head.hash)},
    }
    data = sign_certificate(
        body,
        vault.keyring.signing_key,
        key_version=vault.keyring.current_version("signing"),
    )
    conn.execute(
        insert(destruction_runs).values(
            run_id=run_id,
            at=now,
            actor=vault.actor,
            kind=kind,
            customers=len(full) + len(partial),
            certificate=data.decode("utf-8"),
            certificate_sha256=_sha256(data),
        )
    )
    return _Run(
        run_id=run_id,
        certificate=data,
        destroyed=len(full),
        restricted=len(partial),
        by_category=dict(by_category),
    )


def _who(
    vault: Vault, approved_by: str | None, approval: approvals.Grant | None
) -> dict[str, Any]:
    """Who destroyed and who approved: with a second approver, the authenticated
    approver and the approval (signed with the rest of the certificate)."""
    if approval is None:
        return {"performed_by": vault.actor, "approved_by": approved_by or vault.actor}
    return {
        "performed_by": vault.actor,
        "approved_by": approval.approved_by,
        "approval": approval.to_dict(),
    }


def _shred_full(
    conn: Connection, ids: list[int], *, run_id: str, at: str, reason: str
) -> None:
    """Destroy the data keys, then every row of these customers (set-based SQL)."""
    if not ids:
        return
    conn.exec_driver_sql("DROP TABLE IF EXISTS shred_ids")
    conn.exec_driver_sql("CREATE TEMPORARY TABLE shred_ids (id BIGINT PRIMARY KEY)")
    insert_many_ids(conn, ids)
    sub = "(SELECT id FROM shred_ids)"
    # Journal first (same transaction), naming each customer by id and created_at so a
    # replay never deletes someone else (issue 10, attack 2).
    conn.execute(
        text(
            "INSERT INTO shred_journal "
            "(customer_id, at, run_id, scope, fields, reason, customer_created) "
            "SELECT c.id, :at, :run, 'customer', '', :reason, c.created_at "
            "FROM customers c WHERE c.id IN (SELECT id FROM shred_ids) ORDER BY c.id"
        ),
        {"at": at, "run": run_id, "reason": reason},
    )
    # The data key first: from here on every ciphertext of these customers is noise.
    for table, column in CUSTOMER_TABLES:
        conn.execute(text(f"DELETE FROM {table} WHERE {column} IN {sub}"))  # noqa: S608  our identifiers
    conn.exec_driver_sql("DROP TABLE shred_ids")


def insert_many_ids(conn: Connection, ids: list[int]) -> None:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO shred_ids (id) VALUES ({mark})",  # noqa: S608
        [(i,) for i in ids],
    )


def _restrict(
    conn: Connection,
    vault_keys: SealingKeys,
    defs: dict[str, Any],
    plan: CustomerPlan,
    *,
    run_id: str,
    at: str,
    reason: str,
) -> Counter[str]:
    """Drop the due fields' ciphertexts, keep the held ones; no blind index any more."""
    row = conn.execute(
        select(customers.c.data, customers.c.created_at).where(
            customers.c.id == plan.customer_id
        )
    ).one()
    sealed = unpack(bytes(row.data), customer_id=plan.customer_id)
    drop = sorted(n for n in sealed if _category(defs, n) in plan.destroy_categories)
    counts: Counter[str] = Counter(_category(defs, n) for n in drop)
    kept = {n: s for n, s in sealed.items() if n not in drop}
    conn.execute(
        update(customers)
        .where(customers.c.id == plan.customer_id)
        .values(
            **seal_record(vault_keys, plan.customer_id, kept),
            status="restricted",
            updated_at=at,
        )
    )
    if drop:
        conn.execute(
            delete(field_history).where(
                field_history.c.customer_id == plan.customer_id,
                field_history.c.field.in_(drop),
            )
        )
    conn.execute(
        delete(blind_index).where(blind_index.c.customer_id == plan.customer_id)
    )
    values = {
        "restricted_at": at,
        "restricted_until": plan.restricted_until.isoformat()
        if plan.restricted_until
        else None,
        "restricted_rules": ",".join(plan.rules),
    }
    if (
        conn.execute(
            select(customer_lifecycle.c.customer_id).where(
                customer_lifecycle.c.customer_id == plan.customer_id
            )
        ).first()
        is None
    ):
        conn.execute(
            insert(customer_lifecycle).values(customer_id=plan.customer_id, **values)
        )
    else:
        conn.execute(
            update(customer_lifecycle)
            .where(customer_lifecycle.c.customer_id == plan.customer_id)
            .values(**values)
        )
    conn.execute(
        insert(shred_journal).values(
            customer_id=plan.customer_id,
            at=at,
            run_id=run_id,
            scope="fields",
            fields=",".join(drop),
            reason=reason,
            customer_created=row.created_at,
        )
    )
    return counts


def _count_values(
    conn: Connection, defs: dict[str, Any], ids: list[int]
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for start in range(0, len(ids), _CHUNK * 20):
        chunk = ids[start : start + _CHUNK * 20]
        for data in conn.execute(
            select(customers.c.data).where(customers.c.id.in_(chunk))
        ).scalars():
            counts.update(_category(defs, n) for n in field_names(bytes(data)))
    return counts


def _restricted_groups(
    schedule: Schedule, partial: list[CustomerPlan]
) -> list[dict[str, Any]]:
    groups: Counter[tuple[tuple[str, ...], str, tuple[str, ...]]] = Counter()
    for p in partial:
        groups[(p.keep_categories, str(p.restricted_until), p.rules)] += 1
    out = []
    for (cats, until, rules), n in sorted(groups.items()):
        readers = sorted({x for k in rules for x in schedule.rule(k).readers})
        out.append(
            {
                "categories": list(cats),
                "until": until,
                "rules": list(rules),
                "readers": readers,
                "customers": n,
            }
        )
    return out


def _already_restricted(conn: Connection, customer_id: int) -> bool:
    status = conn.execute(
        select(customers.c.status).where(customers.c.id == customer_id)
    ).scalar()
    return status == "restricted"


def _write_run(vault: Vault, run: _Run, out_dir: Path | None) -> DestructionResult:
    checkpoint_wal(vault)
    directory = out_dir or vault.settings.home / "certificates"
    try:
        paths = write_certificate_files(
            run.certificate, directory, f"destruction-{run.run_id}"
        )
    except OSError as exc:  # the deletion is committed: say so (issue 10, attack 14)
        raise CertificateNotWrittenError(
            f"The deletion was carried out and recorded (run {run.run_id}: "
            f"{run.destroyed} destroyed, {run.restricted} restricted), but its "
            f"certificate could not be written to {directory} ({exc.strerror or exc}). "
            f"Export it once there is room: piplvault certificate export {run.run_id} "
            "--out DIR",
            run_id=run.run_id,
        ) from exc
    return DestructionResult(
        run_id=run.run_id,
        certificate=paths["json"],
        html={"zh-CN": paths["html_zh"], "en": paths["html_en"]},
        customers_destroyed=run.destroyed,
        customers_restricted=run.restricted,
        values_by_category=run.by_category,
    )


def list_runs(vault: Vault) -> list[dict[str, Any]]:
    with vault.reading("delete", "retention-apply", "report") as conn:
        rows = conn.execute(
            select(
                destruction_runs.c.run_id,
                destruction_runs.c.at,
                destruction_runs.c.kind,
                destruction_runs.c.customers,
                destruction_runs.c.certificate_sha256,
            ).order_by(destruction_runs.c.at)
        ).all()
    return [dict(r._mapping) for r in rows]


def journal_count(conn: Connection) -> int:
    return int(
        conn.execute(select(func.count()).select_from(shred_journal)).scalar_one()
    )


def checkpoint_wal(vault: Vault) -> None:
    """Fold the WAL into the database and truncate it, so freed pages leave no residue."""
    if not is_sqlite(vault.engine):
        return
    raw = vault.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


# --- small helpers ------------------------------------------------------------------------


def _category(defs: dict[str, Any], name: str) -> str:
    d = defs.get(name)
    return str(d.category) if d is not None else "business"


def _pseudonym(vault: Vault, customer_id: int) -> str:
    return vault.keyring.blind_tag("certificate", str(customer_id)).hex()


def _date(value: str | None) -> dt.date | None:
    return None if not value else dt.date.fromisoformat(str(value)[:10])


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def certificate_json(vault: Vault, run_id: str) -> bytes:
    """The signed certificate of a past run, as stored in the vault."""
    with vault.reading("delete", "retention-apply", "report") as conn:
        row = conn.execute(
            select(destruction_runs.c.certificate).where(
                destruction_runs.c.run_id == run_id
            )
        ).first()
    if row is None:
        raise NotFoundError(f"No destruction run '{run_id}'")
    return str(row.certificate).encode("utf-8")
