"""The copy of everything held about a person (PIPL Art. 45): fields with their values,
purposes and legal bases, consents, recipients and retention — built in memory for an
access, portability or explanation reply, never stored in the vault.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piplvault.store import requests as store
from piplvault.store.engine import Connection
from piplvault.vault import company, policy, retention
from piplvault.vault.records import load_field_defs, load_plain

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


def personal_copy(
    vault: Vault, conn: Connection, row: store.RequestRow, *, with_values: bool = True
) -> dict[str, Any]:
    """Everything held about the person: fields, purposes and bases, consents,
    recipients and retention (in memory; written only outside the vault directory)."""
    from piplvault.documents.labels import CATEGORY_ZH

    cid = row.customer_id
    defs = load_field_defs(conn)
    facts, plain = load_plain(conn, vault.keyring, cid)
    fields = []
    for key, (value, version) in sorted(plain.items()):
        d = defs.get(key)
        category = d.category if d else "business"
        item = {
            "field": key,
            "label": d.label if d else key,
            "category": category,
            "category_zh": CATEGORY_ZH.get(category, category),
            "sensitivity": d.sensitivity if d else None,
            "version": version,
        }
        if with_values:
            item["value"] = value
        fields.append(item)
    plan = retention.customer_plan(vault, conn, cid)
    return {
        "request": f"R-{row.id}",
        "generated_at": vault.now(),
        "handler": company.require_named(vault, conn).to_dict(),
        "customer": {"ref": cid, "kind": facts[0], "status": facts[1]},
        "fields": fields,
        "purposes": _purposes(conn, cid),
        "consents": _consents(conn, cid),
        "recipients": store.recipients_of(conn, cid),
        "retention": {
            **plan.to_dict(),
            "rules": _rule_sources(vault, plan.rules),
        },
    }


def _purposes(conn: Connection, cid: int) -> list[dict[str, Any]]:
    from piplvault.vault.handover import purposes_of

    out = []
    for key in purposes_of(conn, cid):
        p = policy.resolve_purpose(conn, key)
        basis = policy.customer_basis(conn, cid, p)
        out.append(
            {
                "key": p.key,
                "name_zh": p.name_zh,
                "basis": basis.basis if basis else p.basis,
                "withdrawn": bool(basis and basis.withdrawn_on),
                "necessity": p.necessity,
            }
        )
    return out


def _consents(conn: Connection, cid: int) -> list[dict[str, Any]]:
    return [
        {
            "purpose": r.purpose,
            "basis": r.basis,
            "granted_at": r.granted_at,
            "channel": r.channel,
            "withdrawn_at": r.withdrawn_at,
        }
        for r in store.consents_of(conn, cid)
    ]


def _rule_sources(vault: Vault, keys: tuple[str, ...]) -> list[dict[str, str]]:
    schedule = retention.load_schedule(vault)
    return [
        {"rule": r.key, "title": r.title, "source": r.source}
        for r in (schedule.rule(k) for k in keys)
    ]


def live_bases(conn: Connection, cid: int) -> set[str]:
    from piplvault.vault.handover import purposes_of

    found = set()
    for key in purposes_of(conn, cid):
        basis = policy.customer_basis(conn, cid, policy.resolve_purpose(conn, key))
        if basis is not None and basis.withdrawn_on is None:
            found.add(basis.basis)
    return found


def consented_purposes(conn: Connection, cid: int) -> list[str]:
    keys = sorted(
        {
            r.purpose
            for r in store.consents_of(conn, cid)
            if r.withdrawn_at is None and r.basis == "consent"
        }
    )
    return keys
