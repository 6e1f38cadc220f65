"""Handover packages (移交包): build one for a recipient or custodian, and receive one.

A package carries everything the recipient must keep honouring (PIPL Art. 22, R-22-2): the
minimised customer data, purposes and legal bases, consents with their evidence, retention
facts and rules, legal holds, pending rights requests and the shred journal — sealed to the
recipient's X25519 key and signed with the sender's Ed25519 key (crypto/envelope.py). The
plaintext exists only in memory. ``receive`` refuses a package that lacks any section.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core.canonical import canonical_json
from piplvault.core.customers import FieldDef
from piplvault.crypto import envelope
from piplvault.io.private_files import write_private
from piplvault.store import handover as store
from piplvault.store.engine import Connection
from piplvault.vault import policy
from piplvault.vault.records import load_field_defs, load_plain

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

SECTIONS = (
    "manifest",
    "provenance",
    "purposes",
    "customers",
    "consents",
    "retention_rules",
    "holds",
    "rights_requests",
    "shred_journal",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """The recipient or custodian: legal name, USCC or ID number, contact, type."""

    name: str
    identifier: str
    contact: str
    kind: str = "recipient"

    @classmethod
    def of(cls, party: dict[str, Any]) -> Party:
        """The party as a case records it (pinned key fields left out)."""
        return cls(
            name=str(party["name"]),
            identifier=str(party["identifier"]),
            contact=str(party["contact"]),
            kind=str(party.get("kind", "recipient")),
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "identifier": self.identifier,
            "contact": self.contact,
            "kind": self.kind,
        }


def build_payload(
    vault: Vault,
    conn: Connection,
    *,
    customer_ids: list[int],
    field_keys: set[str] | None,
    purpose_keys: list[str],
    party: Party,
    case_id: str,
    kind: str,
    deal: str,
    retention_rules: str,
    extra_customer: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The package payload for ``customer_ids``, minimised to ``field_keys``."""
    defs = load_field_defs(conn)
    keep = set(defs) if field_keys is None else field_keys
    purpose_defs = [policy.resolve_purpose(conn, p) for p in purpose_keys]
    items = []
    for cid in customer_ids:
        facts, plain = load_plain(conn, vault.keyring, cid)
        values = {k: v for k, (v, _) in plain.items() if k in keep}
        items.append(
            {
                "ref": cid,
                "kind": facts[0],
                "fields": values,
                "purposes": carried_purposes(conn, cid, purpose_defs),
                "lifecycle": _lifecycle_of(conn, cid),
                **(extra_customer or {}).get(cid, {}),
            }
        )
    sent_fields = sorted({k for c in items for k in c["fields"]})
    manifest = {
        "case_id": case_id,
        "kind": kind,
        "deal": deal,
        "customers": len(items),
        "fields": [_field_dict(defs[k]) for k in sent_fields],
        "legal_basis_per_category": _bases_per_category(
            conn, defs, sent_fields, purpose_keys
        ),
        "purposes": purpose_keys,
        "created_at": vault.now(),
    }
    payload = {
        "manifest": manifest,
        "provenance": {
            "sender_vault": vault.meta_value("vault_id"),
            "case_id": case_id,
            "deal": deal,
            "recipient": party.to_dict(),
            "sent_by": vault.actor,
        },
        "purposes": [_purpose_dict(conn, p) for p in purpose_keys],
        "customers": items,
        "consents": _consents_of(conn, customer_ids, purpose_keys),
        "retention_rules": retention_rules,
        "holds": _holds_of(conn, customer_ids),
        "rights_requests": _open_requests(vault, conn, customer_ids),
        "shred_journal": [
            {
                "customer_ref": r.customer_id,
                "at": r.at,
                "scope": r.scope,
                "reason": r.reason,
            }
            for r in store.shred_journal_rows(conn)
        ],
    }
    manifest["section_sha256"] = section_digests(payload)
    return payload


def carried_purposes(
    conn: Connection, cid: int, purpose_defs: list[policy.PurposeDef]
) -> list[str]:
    """The case purposes this customer's own legal basis covers (a live consent, a basis
    for everyone, or the contract it was collected under): each travels with it (13.1)."""
    out = []
    for p in purpose_defs:
        basis = policy.customer_basis(conn, cid, p)
        if basis is not None and basis.withdrawn_on is None:
            out.append(p.key)
    return out


def purpose_counts(payload: dict[str, Any]) -> dict[str, int]:
    """How many customers carry each purpose (for the operator; no personal data)."""
    counts: dict[str, int] = {}
    for c in payload["customers"]:
        for p in c["purposes"]:
            counts[p] = counts.get(p, 0) + 1
    return dict(sorted(counts.items()))


def section_digests(payload: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of every section but the manifest, as the manifest records them."""
    return {
        s: hashlib.sha256(canonical_json(payload[s])).hexdigest()
        for s in SECTIONS
        if s != "manifest"
    }


def seal_package(
    vault: Vault, payload: dict[str, Any], recipient_key_pem: bytes, out: Path
) -> str:
    """Encrypt and sign ``payload`` into ``out``; return the file's SHA-256."""
    recipient = envelope.load_exchange_pem(recipient_key_pem)
    manifest = payload["manifest"]
    header = {
        "case_id": manifest["case_id"],
        "kind": manifest["kind"],
        "customers": manifest["customers"],
        "created_at": manifest["created_at"],
        "sender_public_key": vault.public_key_pem(),
    }
    document = envelope.seal(
        canonical_json(payload),
        recipient=recipient,
        sender=vault.keyring.signing_key,
        header=header,
    )
    write_private(out, document)
    return hashlib.sha256(document).hexdigest()


# --- helpers ---------------------------------------------------------------------------------


def _field_dict(d: FieldDef) -> dict[str, Any]:
    return {
        "key": d.key,
        "label": d.label,
        "entity": d.entity,
        "kind": d.kind,
        "sensitivity": d.sensitivity,
        "grade": d.grade,
        "category": d.category,
    }


def purposes_of(conn: Connection, cid: int) -> list[str]:
    return store.purposes_of(conn, cid)


def _lifecycle_of(conn: Connection, cid: int) -> dict[str, Any]:
    row = store.lifecycle_row(conn, cid)
    if row is None:
        return {}
    return {
        "relationship_ended_on": row.relationship_ended_on,
        "last_transaction_on": row.last_transaction_on,
        "restricted_until": row.restricted_until,
        "restricted_rules": row.restricted_rules,
    }


def _purpose_dict(conn: Connection, key: str) -> dict[str, Any]:
    p = policy.resolve_purpose(conn, key)
    return {
        "key": p.key,
        "name_zh": p.name_zh,
        "basis": p.basis,
        "necessity": p.necessity,
    }


def _bases_per_category(
    conn: Connection,
    defs: dict[str, FieldDef],
    keys: list[str],
    purpose_keys: list[str],
) -> dict[str, list[str]]:
    bases = sorted({policy.resolve_purpose(conn, p).basis for p in purpose_keys})
    return {c: bases for c in sorted({defs[k].category for k in keys})}


def _consents_of(
    conn: Connection, ids: list[int], purpose_keys: list[str]
) -> list[dict[str, Any]]:
    wanted = set(ids)
    out = []
    for r in store.consents_for(conn, purpose_keys):
        if r.customer_id in wanted:
            out.append(
                {
                    "customer_ref": r.customer_id,
                    "purpose": r.purpose,
                    "basis": r.basis,
                    "granted_at": r.granted_at,
                    "channel": r.channel,
                    "notice_version": r.notice_version,
                    "operator": r.operator,
                    "separate": r.separate,
                    "guardian": bool(r.guardian),
                    "withdrawn_at": r.withdrawn_at,
                    "withdraw_channel": r.withdraw_channel,
                }
            )
    return out


def _open_requests(
    vault: Vault, conn: Connection, ids: list[int]
) -> list[dict[str, Any]]:
    """Rights requests still open for these customers: the recipient must answer them
    (PIPL Art. 22). Who asked travels only inside the sealed package."""
    from piplvault.vault.requests import open_for, requester_of

    return [
        {
            "customer_ref": r.customer_id,
            "request_ref": r.id,
            "kind": r.kind,
            "wants": r.wants,
            "state": r.state,
            "channel": r.channel,
            "received_at": r.received_at,
            "due_on": r.due_on,
            "extended_to": r.extended_to,
            "identity_method": r.identity_method,
            "verified_at": r.verified_at,
            "details": r.details,
            "requester": requester_of(vault, conn, r),
        }
        for r in open_for(conn, ids)
    ]


def _holds_of(conn: Connection, ids: list[int]) -> list[dict[str, Any]]:
    wanted = set(ids)
    return [
        {
            "customer_ref": r.customer_id,
            "reason": r.reason,
            "basis": r.basis,
            "placed_at": r.placed_at,
            "ends_on": r.ends_on,
        }
        for r in store.open_holds(conn)
        if r.customer_id in wanted
    ]
