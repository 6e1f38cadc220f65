"""Handover packages (移交包): build one for a recipient or custodian, and receive one.

A package carries everything the recipient must keep honouring (PIPL Art. 22, R-22-2): the
minimised customer data, purposes and legal bases, consents with their evidence, retention
facts and rules, legal holds, pending rights requests and the shred journal — sealed to the
recipient's X25519 key and signed with the sender's Ed25519 key (crypto/envelope.py). The
plaintext exists only in memory. ``receive`` refuses a package that lacks any section.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from piplvault.core.customers import FieldDef
from piplvault.crypto import envelope
from piplvault.errors import IntegrityError, ValidationError
from piplvault.io.private_files import write_private
from piplvault.store.schema import (
    consents,
    customer_lifecycle,
    customer_purposes,
    legal_holds,
    purposes,
    shred_journal,
)
from piplvault.vault import policy
from piplvault.vault.importrows import PreparedRow, RowPreparer
from piplvault.vault.imports import ImportReport, _ImportRun
from piplvault.vault.records import load_field_defs, load_plain, save_field_defs

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
RECEIPT_FORMAT = "piplvault-receipt/1"


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """The recipient or custodian: legal name, USCC or ID number, contact, type."""

    name: str
    identifier: str
    contact: str
    kind: str = "recipient"

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
    items = []
    for cid in customer_ids:
        facts, plain = load_plain(conn, vault.keyring, cid)
        values = {k: v for k, (v, _) in plain.items() if k in keep}
        items.append(
            {
                "ref": cid,
                "kind": facts[0],
                "fields": values,
                "purposes": [p for p in _purposes_of(conn, cid) if p in purpose_keys],
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
        "rights_requests": [],
        "shred_journal": [
            {
                "customer_ref": r.customer_id,
                "at": r.at,
                "scope": r.scope,
                "reason": r.reason,
            }
            for r in conn.execute(select(shred_journal).order_by(shred_journal.c.seq))
        ],
    }
    manifest["section_sha256"] = section_digests(payload)
    return payload


def section_digests(payload: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of every section but the manifest, as the manifest records them."""
    return {
        s: hashlib.sha256(_canonical(payload[s])).hexdigest()
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
        _canonical(payload),
        recipient=recipient,
        sender=vault.keyring.signing_key,
        header=header,
    )
    write_private(out, document)
    return hashlib.sha256(document).hexdigest()


def receive(
    vault: Vault, path: Path, sender_key_pem: bytes, *, receipt_out: Path | None = None
) -> dict[str, Any]:
    """Verify, decrypt and import a package; write a signed receipt for the sender."""
    if not path.is_file():
        raise ValidationError(f"No package file at {path}")
    document = path.read_bytes()
    opened = envelope.open_envelope(
        document,
        recipient=vault.keyring.exchange_key,
        sender=envelope.load_signing_pem(sender_key_pem),
    )
    payload = json.loads(opened.payload)
    if not isinstance(payload, dict) or not isinstance(payload.get("manifest"), dict):
        raise IntegrityError("Package payload is malformed; nothing was imported")
    missing = [s for s in SECTIONS if s not in payload]
    if missing:
        raise IntegrityError(
            f"Package lacks section(s) {', '.join(missing)}; refused "
            "(R-22-2: the recipient must receive every obligation)"
        )
    _check_sections(payload)
    case_id = _safe_case_id(payload["manifest"].get("case_id"))
    with vault.write() as conn:
        _authorize_receipt(vault, conn, payload)
        mapping = _import_customers(vault, conn, payload, case_id)
        _import_obligations(vault, conn, payload, mapping, case_id)
        digest = hashlib.sha256(document).hexdigest()
        vault.record(
            conn,
            action="package-received",
            target=f"case:{case_id}",
            details={
                "customers": len(mapping),
                "package_sha256": digest,
                "purposes": payload["manifest"]["purposes"],
                "sender": payload["provenance"]["sender_vault"],
            },
        )
    receipt = _receipt(vault, payload, digest, len(mapping))
    target = receipt_out or path.with_name(f"receipt-{case_id}.json")
    write_private(target, receipt)
    return {
        "case_id": case_id,
        "customers": len(mapping),
        "receipt": str(target),
        "purposes": payload["manifest"]["purposes"],
        "package_sha256": digest,
        "customer_ids": sorted(set(mapping.values())),
    }


def verify_receipt(data: bytes, recipient_signing_pem: bytes) -> dict[str, Any]:
    """The receipt body, if its signature verifies under the recipient's key."""
    try:
        doc = json.loads(data)
        body, signature = doc["receipt"], base64.b64decode(doc["signature"])
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError("Not a piplvault receipt (unreadable)") from exc
    key = envelope.load_signing_pem(recipient_signing_pem)
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(signature, _canonical(body))
    except InvalidSignature as exc:
        raise IntegrityError(
            "Receipt signature is invalid: altered, or not signed by the "
            "given recipient key"
        ) from exc
    if body.get("format") != RECEIPT_FORMAT:
        raise IntegrityError("Unknown receipt format")
    return dict(body)


# --- helpers ---------------------------------------------------------------------------------


def _canonical(obj: Any) -> bytes:
    return json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


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


def _purposes_of(conn: Connection, cid: int) -> list[str]:
    return sorted(
        conn.execute(
            select(customer_purposes.c.purpose).where(
                customer_purposes.c.customer_id == cid
            )
        ).scalars()
    )


def _lifecycle_of(conn: Connection, cid: int) -> dict[str, Any]:
    row = conn.execute(
        select(customer_lifecycle).where(customer_lifecycle.c.customer_id == cid)
    ).first()
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
    for r in conn.execute(
        select(consents)
        .where(consents.c.purpose.in_(purpose_keys))
        .order_by(consents.c.id)
    ):
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
        for r in conn.execute(
            select(legal_holds).where(legal_holds.c.lifted_at.is_(None))
        )
        if r.customer_id in wanted
    ]


def _check_sections(payload: dict[str, Any]) -> None:
    expected = payload["manifest"].get("section_sha256", {})
    for section, digest in expected.items():
        if hashlib.sha256(_canonical(payload[section])).hexdigest() != digest:
            raise IntegrityError(
                f"Package section '{section}' does not match its manifest"
            )


#: Case ids as piplvault issues them (T-0001, D-0001…): never a path (issue 10, attack 16).
_CASE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


def _safe_case_id(value: Any) -> str:
    if not isinstance(value, str) or not _CASE_ID.match(value):
        raise IntegrityError(
            "Package case id is not a case id (letters, digits, '-' only); refused"
        )
    return value


def _authorize_receipt(vault: Vault, conn: Connection, payload: dict[str, Any]) -> None:
    """Receiving writes every package field under every package purpose: each passes the
    same purpose/grade/category check as an import (issue 10, attack 5)."""
    incoming = [FieldDef(**f) for f in payload["manifest"]["fields"]]
    for p in payload["purposes"]:
        purpose = policy.PurposeDef(
            key=str(p["key"]),
            name_zh=str(p["name_zh"]),
            basis=str(p["basis"]),
            necessity=str(p.get("necessity", "")),
        )
        policy.authorize(vault, conn, action="import", purpose=purpose, fields=incoming)


def _import_customers(
    vault: Vault, conn: Connection, payload: dict[str, Any], case_id: str
) -> dict[int, int]:
    """Store the customers (matched to existing ones by blind index); ref → id."""
    now = vault.now()
    for p in payload["purposes"]:
        if conn.execute(
            select(purposes.c.key).where(purposes.c.key == p["key"])
        ).first():
            continue
        conn.execute(
            insert(purposes).values(
                key=p["key"],
                name_zh=p["name_zh"],
                basis=p["basis"],
                necessity=p["necessity"],
                created_at=now,
            )
        )
    incoming = [FieldDef(**f) for f in payload["manifest"]["fields"]]
    save_field_defs(conn, load_field_defs(conn), incoming, now)
    first_purpose = payload["manifest"]["purposes"][0]
    report = ImportReport(
        file=f"package:{case_id}", encoding="package", sheet=None, dry_run=False
    )
    run = _ImportRun(vault, conn, [], report, f"package:{case_id}", first_purpose)
    preparer = RowPreparer(
        [], run.defs, vault.keyring.sealing, forced_kind=None, on_invalid="flag"
    )
    rows = []
    for n, c in enumerate(payload["customers"], start=2):
        row = PreparedRow(
            number=n,
            customer_id=run.id_base + n - 2,
            kind=c["kind"],
            values=dict(c["fields"]),
            cell_entities=dict(c.get("cell_entities", {})),
            flags=[],
            invalid=[],
            rejected=False,
        )
        preparer.seal_row(row)
        rows.append(row)
    run.absorb(rows, abort_on_invalid=False)
    return {int(c["ref"]): run.placed[n] for n, c in enumerate(payload["customers"], 2)}


def _import_obligations(
    vault: Vault,
    conn: Connection,
    payload: dict[str, Any],
    mapping: dict[int, int],
    case_id: str,
) -> None:
    now = vault.now()
    source = f"inherited:{case_id}"
    for c in payload["customers"]:
        cid = mapping[int(c["ref"])]
        have = set(_purposes_of(conn, cid))
        for p in c["purposes"]:
            if p in have:
                conn.execute(
                    update(customer_purposes)
                    .where(
                        customer_purposes.c.customer_id == cid,
                        customer_purposes.c.purpose == p,
                    )
                    .values(source=source, at=now)
                )
            else:
                conn.execute(
                    insert(customer_purposes).values(
                        customer_id=cid, purpose=p, source=source, at=now
                    )
                )
        life = c.get("lifecycle") or {}
        if (
            life
            and conn.execute(
                select(customer_lifecycle.c.customer_id).where(
                    customer_lifecycle.c.customer_id == cid
                )
            ).first()
            is None
        ):
            conn.execute(insert(customer_lifecycle).values(customer_id=cid, **life))
    for k in payload["consents"]:
        conn.execute(
            insert(consents).values(
                customer_id=mapping[int(k["customer_ref"])],
                purpose=k["purpose"],
                basis=k["basis"],
                granted_at=k["granted_at"],
                channel=f"{k['channel']} (inherited:{case_id})",
                notice_version=k["notice_version"],
                operator=k["operator"],
                separate=k["separate"],
                guardian=int(k["guardian"]),
                withdrawn_at=k["withdrawn_at"],
                withdraw_channel=k["withdraw_channel"],
            )
        )
    for h in payload["holds"]:
        conn.execute(
            insert(legal_holds).values(
                customer_id=mapping[int(h["customer_ref"])],
                reason=h["reason"],
                basis=h["basis"],
                placed_at=h["placed_at"],
                placed_by=f"inherited:{case_id}",
                ends_on=h["ends_on"],
            )
        )


def _receipt(vault: Vault, payload: dict[str, Any], digest: str, count: int) -> bytes:
    body = {
        "format": RECEIPT_FORMAT,
        "case_id": payload["manifest"]["case_id"],
        "package_sha256": digest,
        "customers": count,
        "purposes": payload["manifest"]["purposes"],
        "recipient_vault": vault.meta_value("vault_id"),
        "recipient_signing_fingerprint": envelope.fingerprint(
            vault.keyring.signing_key.public_key()
        ),
        "received_at": vault.now(),
        "received_by": vault.actor,
        "sections": list(SECTIONS),
    }
    signature = vault.keyring.signing_key.sign(_canonical(body))
    return json.dumps(
        {"receipt": body, "signature": base64.b64encode(signature).decode()},
        ensure_ascii=False,
        indent=1,
    ).encode()
