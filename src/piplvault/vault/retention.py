"""Retention use cases: the schedule in force, the dates periods count from, and the plan —
what is due for deletion or restriction on a day, what is held and why (PIPL Arts. 19, 47).

The planning itself is pure (``core/retention.py``); this module gathers each customer's
facts (field categories, purposes, dates, active legal holds) and records who looked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from piplvault.core.retention import (
    CustomerFacts,
    CustomerPlan,
    LegalHold,
    Outcome,
    Schedule,
    parse_schedule,
    plan_customer,
)
from piplvault.errors import NotFoundError, ValidationError
from piplvault.store import retention as store
from piplvault.store.engine import Connection
from piplvault.store.records import field_names
from piplvault.vault.records import load_field_defs, require_customer

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

RULES_FILE = "retention.toml"


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


# --- the facts ----------------------------------------------------------------------------


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
        store.save_lifecycle(conn, customer_id, **values)
        vault.record(
            conn,
            action="retention-facts-set",
            target=f"customer:{customer_id}",
            details=values,
        )
    return {"customer_id": customer_id, **values}


# --- the plan -----------------------------------------------------------------------------


def retention_plan(vault: Vault, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """What is due for deletion or restriction on ``as_of``, what is held and why."""
    day = as_of or vault.clock.now().date()
    schedule = load_schedule(vault)
    with vault.write() as conn:
        vault.authorize(conn, action="report")
        plans = plans_for(conn, schedule, day)
        vault.record(
            conn,
            action="retention-planned",
            target="customers",
            details={"as_of": day.isoformat(), **outcome_counts(plans)},
        )
    return {
        "as_of": day.isoformat(),
        "schedule_version": schedule.version,
        "summary": outcome_counts(plans),
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


def plans_for(
    conn: Connection,
    schedule: Schedule,
    day: dt.date,
    *,
    ids: Sequence[int] | None = None,
    erasure: bool = False,
) -> list[CustomerPlan]:
    """The plans of these customers (all if ``ids`` is None) on ``day``, in id order."""
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
    return plans_for(conn, load_schedule(vault), day)


def customer_plan(
    vault: Vault, conn: Connection, customer_id: int, *, erasure: bool = False
) -> CustomerPlan:
    """One customer's retention plan today (what a deletion request would do to it)."""
    day = vault.clock.now().date()
    plans = plans_for(
        conn, load_schedule(vault), day, ids=[customer_id], erasure=erasure
    )
    if not plans:
        raise NotFoundError(f"No customer with id {customer_id}")
    return plans[0]


def due(conn: Connection, schedule: Schedule, day: dt.date) -> list[CustomerPlan]:
    """The plans a retention run carries out on ``day``: customers to destroy, and to
    restrict unless already restricted with nothing more to destroy."""
    return [
        p
        for p in plans_for(conn, schedule, day)
        if p.outcome in (Outcome.DESTROY, Outcome.RESTRICT)
        and (
            p.outcome is Outcome.DESTROY
            or p.destroy_categories
            or not already_restricted(conn, p.customer_id)
        )
    ]


def retention_params(day: dt.date, plans: list[CustomerPlan]) -> dict[str, Any]:
    """What a retention run destroys: the date and each customer's outcome."""
    return {
        "as_of": day.isoformat(),
        "customers": [[p.customer_id, p.outcome.value] for p in plans],
    }


def outcome_counts(plans: Iterable[CustomerPlan]) -> dict[str, int]:
    counts = Counter(p.outcome.value for p in plans)
    return {o.value: counts.get(o.value, 0) for o in Outcome}


def already_restricted(conn: Connection, customer_id: int) -> bool:
    return store.customer_status(conn, customer_id) == "restricted"


def category(defs: dict[str, Any], name: str) -> str:
    """A field's retention category (``business`` for a field no longer defined)."""
    d = defs.get(name)
    return str(d.category) if d is not None else "business"


def _load_facts(conn: Connection, ids: Sequence[int] | None) -> list[CustomerFacts]:
    defs = load_field_defs(conn)
    life = store.lifecycle_rows(conn)
    purposes = store.purposes_by_customer(conn)
    holds: dict[int, list[LegalHold]] = {}
    for h in store.active_holds(conn):
        holds.setdefault(int(h.customer_id), []).append(
            LegalHold(
                id=int(h.id),
                customer_id=int(h.customer_id),
                reason=h.reason,
                ends_on=_date(h.ends_on),
            )
        )
    out = []
    for row in store.customer_rows(conn, ids):
        cid = row.id
        cats = frozenset(category(defs, n) for n in field_names(row.data))
        lc = life.get(cid)
        out.append(
            CustomerFacts(
                id=cid,
                collected_on=dt.date.fromisoformat(row.created_at[:10]),
                categories=cats,
                purposes=frozenset(purposes.get(cid, ())),
                relationship_ended_on=_date(lc.relationship_ended_on) if lc else None,
                last_transaction_on=_date(lc.last_transaction_on) if lc else None,
                holds=tuple(holds.get(cid, ())),
            )
        )
    return out


def _date(value: str | None) -> dt.date | None:
    return None if not value else dt.date.fromisoformat(str(value)[:10])
