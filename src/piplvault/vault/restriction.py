"""Restricting a customer (PIPL Art. 47 para. 2): fields under a running statutory period
are kept, the due ones destroyed; the customer loses its blind index and is readable only
for the reader purposes of the rules that keep it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from piplvault.core.retention import CustomerPlan
from piplvault.crypto.keyring import SealingKeys
from piplvault.store import restriction as store
from piplvault.store import retention, shred
from piplvault.store.engine import Connection
from piplvault.store.records import unpack
from piplvault.vault.records import seal_record
from piplvault.vault.retention import category


def restrict(
    conn: Connection,
    vault_keys: SealingKeys,
    defs: dict[str, Any],
    plan: CustomerPlan,
    *,
    run_id: str,
    at: str,
    reason: str,
) -> Counter[str]:
    """Drop the due fields' ciphertexts, keep the held ones; no blind index any more.
    Returns the values destroyed, by category."""
    data, created_at = store.record_of(conn, plan.customer_id)
    sealed = unpack(data, customer_id=plan.customer_id)
    drop = sorted(n for n in sealed if category(defs, n) in plan.destroy_categories)
    counts: Counter[str] = Counter(category(defs, n) for n in drop)
    kept = {n: s for n, s in sealed.items() if n not in drop}
    store.write_restricted(
        conn,
        plan.customer_id,
        sealed=seal_record(vault_keys, plan.customer_id, kept),
        at=at,
    )
    if drop:
        store.delete_field_history(conn, plan.customer_id, drop)
    store.delete_blind_index(conn, plan.customer_id)
    retention.save_lifecycle(
        conn,
        plan.customer_id,
        restricted_at=at,
        restricted_until=plan.restricted_until.isoformat()
        if plan.restricted_until
        else None,
        restricted_rules=",".join(plan.rules),
    )
    shred.journal_fields(
        conn,
        customer_id=plan.customer_id,
        at=at,
        run_id=run_id,
        fields=drop,
        reason=reason,
        customer_created=created_at,
    )
    return counts
