"""Receiving a handover package (移交包): verify the exact bytes and the sender's signature
before anything else, decrypt, check every section, import the customers with every
obligation they carry, and sign a receipt for the sender (R-22-2, R-22-3).

A custodian's package (deregistration) carries each retained record's statute: the record
arrives restricted to that statute's reader purposes until its keep-until date (13.13).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core.canonical import canonical_json
from piplvault.core.customers import FieldDef
from piplvault.crypto import envelope
from piplvault.errors import IntegrityError, ValidationError
from piplvault.io.private_files import write_private
from piplvault.store import handover as store
from piplvault.store.engine import Connection
from piplvault.vault import policy
from piplvault.vault.counterparty import RECEIPT_FORMAT
from piplvault.vault.handover import (
    SECTIONS,
    purpose_counts,
    purposes_of,
)
from piplvault.vault.importrows import PreparedRow, RowPreparer
from piplvault.vault.imports import ImportReport, _ImportRun
from piplvault.vault.records import load_field_defs, save_field_defs
from piplvault.vault.requests import receive_inherited

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


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
        requests_received = receive_inherited(
            vault, conn, payload["rights_requests"], mapping, case_id
        )
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
                "rights_requests": requests_received,
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
        "customers_per_purpose": purpose_counts(payload),
        "package_sha256": digest,
        "customer_ids": sorted(set(mapping.values())),
        "rights_requests": requests_received,
    }


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


def _check_sections(payload: dict[str, Any]) -> None:
    expected = payload["manifest"].get("section_sha256", {})
    for section, digest in expected.items():
        if hashlib.sha256(canonical_json(payload[section])).hexdigest() != digest:
            raise IntegrityError(
                f"Package section '{section}' does not match its manifest"
            )


def _import_customers(
    vault: Vault, conn: Connection, payload: dict[str, Any], case_id: str
) -> dict[int, int]:
    """Store the customers (matched to existing ones by blind index); ref → id."""
    now = vault.now()
    for p in payload["purposes"]:
        if store.has_purpose(conn, p["key"]):
            continue
        store.insert_purpose(
            conn,
            key=p["key"],
            name_zh=p["name_zh"],
            basis=p["basis"],
            necessity=p["necessity"],
            created_at=now,
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
        have = set(purposes_of(conn, cid))
        for p in c["purposes"]:
            if p in have:
                store.update_customer_purpose(conn, cid, p, source=source, at=now)
            else:
                store.insert_customer_purpose(conn, cid, p, source=source, at=now)
        life = c.get("lifecycle") or {}
        if life and not store.has_lifecycle(conn, cid):
            store.insert_lifecycle(conn, cid, **life)
        if c.get("retention"):
            _arrive_restricted(conn, cid, c["retention"], now)
    for k in payload["consents"]:
        store.insert_consent(
            conn,
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
    for h in payload["holds"]:
        store.insert_hold(
            conn,
            customer_id=mapping[int(h["customer_ref"])],
            reason=h["reason"],
            basis=h["basis"],
            placed_at=h["placed_at"],
            placed_by=f"inherited:{case_id}",
            ends_on=h["ends_on"],
        )


def _arrive_restricted(
    conn: Connection, cid: int, retention: dict[str, Any], now: str
) -> None:
    """A custodian keeps a retained record only for its statute: it arrives restricted,
    readable only for the statute's reader purposes, until its keep-until date (13.13)."""
    store.set_customer_status(conn, cid, "restricted")
    values = {
        "restricted_at": now,
        "restricted_until": retention.get("keep_until"),
        "restricted_rules": ",".join(retention.get("rules", [])),
    }
    if store.has_lifecycle(conn, cid):
        store.update_lifecycle(conn, cid, **values)
    else:
        store.insert_lifecycle(conn, cid, **values)


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
    signature = vault.keyring.signing_key.sign(canonical_json(body))
    return json.dumps(
        {"receipt": body, "signature": base64.b64encode(signature).decode()},
        ensure_ascii=False,
        indent=1,
    ).encode()
