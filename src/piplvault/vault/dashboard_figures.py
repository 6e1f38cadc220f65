"""The dashboard's vault-wide figures, set-based: customers by kind, field values by
sensitivity and category, and the retention plan's summary for today — from GROUP BY
queries over plaintext metadata (``store.customer_counts``) instead of reading every
record, so a 1,000,000-customer vault is counted in seconds.

The retention summary is the plan's own: customers sharing every fact a plan depends on
(categories held, purposes, the day collected, the relationship and transaction dates)
share one plan (``plan_customer`` is pure), so each group is planned once and counted
``n`` times; customers under an active legal hold, and any without ``field_keys``, are
planned one by one exactly as ``retention_plan`` does. Aggregates only, no personal data;
the reader needs the ``report`` right (refusal audited)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from piplvault.core.retention import CustomerFacts, Outcome, plan_customer
from piplvault.store import customer_counts as store
from piplvault.store.records import field_keys_of
from piplvault.vault.records import load_field_defs
from piplvault.vault.retention import category, load_schedule, plans_for

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

#: Customers planned one by one per query (legal holds, rows without ``field_keys``).
_CHUNK = 500
#: More rows without ``field_keys`` than this (a vault restored from a large row backup
#: older than migration 0011): plan every record, as ``retention_plan`` does.
_MANY_UNKNOWN = 20_000


def figures(vault: Vault, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """``{"counts": {...}, "retention": {...}}`` for the dashboard."""
    day = as_of or vault.clock.now().date()
    schedule = load_schedule(vault)
    with vault.reading("report"):
        pass  # refused (audited) without the report right
    # counted on a read-only snapshot: a write lock held for the seconds a 1,000,000-row
    # GROUP BY takes would make every other request's audit entry wait
    with vault.read() as conn:
        defs = load_field_defs(conn)
        groups = store.by_kind_and_fields(conn)
        unknown = store.ids_without_field_keys(conn)
        outcomes: Counter[str] = Counter()
        if len(unknown) > _MANY_UNKNOWN:  # the slow way: every record's plan
            facts: list[store.FactsGroup] = []
            one_by_one: list[int] = []
            outcomes.update(p.outcome.value for p in plans_for(conn, schedule, day))
        else:
            facts = store.retention_groups(conn)
            one_by_one = sorted({*unknown, *store.held_ids(conn)})
        for start in range(0, len(one_by_one), _CHUNK):
            chunk = one_by_one[start : start + _CHUNK]
            outcomes.update(
                p.outcome.value for p in plans_for(conn, schedule, day, ids=chunk)
            )
        unknown_fields: Counter[str] = Counter()
        for start in range(0, len(unknown), _CHUNK):
            for data in store.records_of(conn, unknown[start : start + _CHUNK]):
                unknown_fields[field_keys_of(data)] += 1
    by_kind: Counter[str] = Counter()
    values: Counter[str] = Counter(unknown_fields)  # field_keys → customers
    for kind, keys, n in groups:
        by_kind[kind] += n
        if keys is not None:
            values[keys] += n
    by_sensitivity: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for keys, n in values.items():
        for name in _names(keys):
            d = defs.get(name)
            if d is None:
                continue
            by_sensitivity[d.sensitivity or "none"] += n
            by_category[d.category] += n
    for keys, collected, ended, last, purposes, n in facts:
        plan = plan_customer(
            schedule,
            CustomerFacts(
                id=0,
                collected_on=dt.date.fromisoformat(collected),
                categories=frozenset(category(defs, name) for name in _names(keys)),
                purposes=frozenset(p for p in purposes.split(",") if p),
                relationship_ended_on=_date(ended),
                last_transaction_on=_date(last),
            ),
            day,
        )
        outcomes[plan.outcome.value] += n
    summary = {o.value: outcomes.get(o.value, 0) for o in Outcome}
    return {
        "counts": {
            "customers": sum(by_kind.values()),
            "by_kind": dict(by_kind),
            "field_values_by_sensitivity": dict(by_sensitivity),
            "field_values_by_category": dict(by_category),
        },
        "retention": {
            "as_of": day.isoformat(),
            "summary": summary,
            "due": summary.get("destroy", 0) + summary.get("restrict", 0),
        },
    }


def _names(keys: str) -> list[str]:
    names = json.loads(keys)
    return [str(n) for n in names] if isinstance(names, list) else []


def _date(value: str | None) -> dt.date | None:
    return None if not value else dt.date.fromisoformat(str(value)[:10])
