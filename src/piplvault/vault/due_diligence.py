"""The due-diligence pack a buyer asks for before signing (issue 13 item 10).

A signed report with **no personal information** — only counts and definitions: the data map
(fields, categories, sensitivity, grades, value counts), consent and legal-basis coverage per
purpose, recipients (transfer cases) and what the vault does not record (processors,
incidents), retention holds and restrictions, rights requests honoured (deletions by kind),
backups, and the audit head. It is signed with the vault's Ed25519 key in the same canonical
form as destruction certificates, so ``piplvault transfer verify-report`` (or anyone with the
public key) can check it was not edited.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core.canonical import canonical_json
from piplvault.crypto.signing import verify
from piplvault.documents.certificate import (
    load_public_key,
    public_key_fingerprint,
    sign_certificate,
)
from piplvault.errors import IntegrityError
from piplvault.io.private_files import write_private
from piplvault.store import due_diligence as store
from piplvault.store import requests as requests_store
from piplvault.store.audit_head import read_audit_head
from piplvault.store.customer_ids import all_customer_ids
from piplvault.store.deregistration import open_hold_count
from piplvault.store.engine import Connection
from piplvault.vault import company, deregistration, policy

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

REPORT_TYPE = "piplvault-due-diligence-report"


def write_report(vault: Vault, out: Path, *, prospective_buyer: str) -> dict[str, Any]:
    """Build, sign and write the report; audited (who asked, the report's digest)."""
    with vault.write() as conn:
        vault.authorize(conn, action="report")
        body = _body(vault, conn, prospective_buyer.strip())
        data = sign_certificate(
            body,
            vault.keyring.signing_key,
            key_version=vault.keyring.current_version("signing"),
        )
        write_private(out, data)
        digest = hashlib.sha256(data).hexdigest()
        vault.record(
            conn,
            action="due-diligence-report",
            target="vault",
            details={"for": body["prepared_for"], "sha256": digest},
        )
    return {"report": str(out), "sha256": digest, "summary": body["summary"]}


def verify_report(data: bytes, public_key_path: Path) -> dict[str, Any]:
    """The report if intact and signed by the given key (IntegrityError otherwise)."""
    public = load_public_key(public_key_path)
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityError("Report is not valid JSON: damaged or edited") from exc
    if not isinstance(document, dict) or document.get("type") != REPORT_TYPE:
        raise IntegrityError("Not a piplvault due-diligence report")
    if canonical_json(document) + b"\n" != data:
        raise IntegrityError("Report bytes are not in their signed form: it was edited")
    sig = document.pop("signature", None)
    if not isinstance(sig, dict) or sig.get(
        "public_key_sha256"
    ) != public_key_fingerprint(public):
        raise IntegrityError("Report was not signed by the public key given")
    if not verify(
        public, base64.b64decode(str(sig.get("value", ""))), canonical_json(document)
    ):
        raise IntegrityError("Report signature does not match its contents: edited")
    return document


def _body(vault: Vault, conn: Connection, buyer: str) -> dict[str, Any]:
    inventory = deregistration.inventory(vault, conn)
    sensitivity: Counter[str] = Counter()
    for f in inventory["fields"]:
        sensitivity[f["sensitivity"] or "none"] += int(f["values"])
    coverage = _coverage(conn)
    head_seq, head_hash = read_audit_head(conn)
    return {
        "type": REPORT_TYPE,
        "format_version": 1,
        "title": "尽职调查个人信息数据报告 Due-diligence personal-information report",
        "handler": company.require_named(vault, conn).to_dict(),
        "prepared_for": buyer,
        "generated_at": vault.now(),
        "contains_personal_data": False,
        "summary": {
            "customers": inventory["customers"],
            "persons": inventory["persons"],
            "by_kind": inventory["by_kind"],
            "by_status": inventory["by_status"],
        },
        "data_map": {
            "fields": inventory["fields"],
            "values_by_category": inventory["values_by_category"],
            "values_by_sensitivity": dict(sorted(sensitivity.items())),
        },
        "purposes_and_consent_coverage": coverage,
        "consents": inventory["consents"],
        "recipients": inventory["recipients"],
        "processors": "not recorded in the vault: list entrusted processors (PIPL Art. 21) "
        "in the deal documents",
        "incidents": "not recorded in the vault: disclose security incidents "
        "(PIPL Art. 57) in the deal documents",
        "retention": _retention(conn),
        "rights_requests": _rights(conn),
        "backups": inventory["backups"],
        "audit": {"head_seq": head_seq, "head_hash": head_hash},
    }


def _coverage(conn: Connection) -> list[dict[str, Any]]:
    """Per purpose: how many customers have a live basis, a withdrawn one, or none."""
    ids = all_customer_ids(conn)
    out = []
    for key in store.purpose_keys(conn):
        purpose = policy.resolve_purpose(conn, key)
        counts: Counter[str] = Counter()
        for cid in ids:
            basis = policy.customer_basis(conn, cid, purpose)
            if basis is None:
                counts["no_basis"] += 1
            elif basis.withdrawn_on is not None:
                counts["withdrawn"] += 1
            else:
                counts["live"] += 1
                counts.update(f"separate_{s.partition(':')[0]}" for s in basis.separate)
        out.append(
            {
                "purpose": purpose.key,
                "name_zh": purpose.name_zh,
                "basis": purpose.basis,
                "customers_live": counts["live"],
                "customers_withdrawn": counts["withdrawn"],
                "customers_without_basis": counts["no_basis"],
                "separate_consents": {
                    k.removeprefix("separate_"): v
                    for k, v in sorted(counts.items())
                    if k.startswith("separate_")
                },
            }
        )
    return out


def _retention(conn: Connection) -> dict[str, Any]:
    return {
        "legal_holds_active": open_hold_count(conn),
        "customers_restricted": store.count_customers_in_status(conn, "restricted"),
        "customers_with_last_transaction_date": store.count_with_last_transaction(conn),
    }


def _rights(conn: Connection) -> dict[str, Any]:
    return {
        "destruction_runs_by_kind": {
            kind: {"runs": n, "customers": total}
            for kind, n, total in store.destruction_runs_by_kind(conn)
        },
        "requests_by_kind_and_state": requests_store.count_by_kind_and_state(conn),
    }
