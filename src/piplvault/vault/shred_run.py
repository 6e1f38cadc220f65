"""One destruction run: crypto-shred the customers due, restrict the ones a statute keeps,
journal it, and sign a destruction certificate (PIPL Art. 47; NIST SP 800-88 cryptographic
erase).

Shredding destroys each customer's wrapped data key (``customer_keys`` row) and removes every
row that belonged to it — record, field history, blind-index tags, purposes, consents — in
one audited transaction, in set-based SQL over a temporary id table (100,000 customers take
seconds). SQLite runs with ``secure_delete=ON``, so freed pages are zeroed. A shred journal
entry (customer id, time, run, reason; no personal data) is kept forever and replayed on
restore. The certificate names customers only by pseudonym.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core.retention import CustomerPlan, Outcome, Schedule
from piplvault.documents.certificate import (
    CERTIFICATE_TYPE,
    sign_certificate,
    write_certificate_files,
)
from piplvault.errors import CertificateNotWrittenError
from piplvault.store import destruction_runs, shred
from piplvault.store.audit_head import read_audit_head
from piplvault.store.engine import Connection
from piplvault.store.meta import read_meta
from piplvault.store.records import field_names
from piplvault.vault import approvals, company
from piplvault.vault.records import load_field_defs
from piplvault.vault.restriction import restrict
from piplvault.vault.retention import category

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

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
CHUNK = 500


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


@dataclass(slots=True, kw_only=True)
class ShredRun:
    """A committed run and its signed certificate, before the files are written."""

    run_id: str
    certificate: bytes
    destroyed: int
    restricted: int
    by_category: dict[str, int]


def destroy(
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
) -> ShredRun:
    """Carry out these plans (DESTROY: shred; RESTRICT: restrict) in the caller's
    transaction, audit the run and store its signed certificate."""
    run_id = vault.clock.now().strftime("%Y%m%dT%H%M%SZ") + "-" + os.urandom(3).hex()
    approvals.consume(vault, conn, approval, run=run_id, params=approval_params)
    now = vault.now()
    defs = load_field_defs(conn)
    full = [p.customer_id for p in plans if p.outcome is Outcome.DESTROY]
    partial = [p for p in plans if p.outcome is Outcome.RESTRICT]
    by_category: Counter[str] = Counter()
    for data in shred.packed_records(conn, full, chunk=CHUNK * 20):
        by_category.update(category(defs, n) for n in field_names(data))
    if on_total is not None:
        on_total(len(full) + len(partial))
    for start in range(0, len(full), CHUNK):
        chunk = full[start : start + CHUNK]
        shred.shred_customers(conn, chunk, run_id=run_id, at=now, reason=reason)
        if progress is not None:
            progress(len(chunk))
    for plan in partial:
        by_category.update(
            restrict(
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
    head_seq, head_hash = read_audit_head(conn)
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
        "audit": {"head_seq": head_seq, "head_hash": head_hash},
    }
    data = sign_certificate(
        body,
        vault.keyring.signing_key,
        key_version=vault.keyring.current_version("signing"),
    )
    destruction_runs.insert_run(
        conn,
        run_id=run_id,
        at=now,
        actor=vault.actor,
        kind=kind,
        customers=len(full) + len(partial),
        certificate=data.decode("utf-8"),
        certificate_sha256=hashlib.sha256(data).hexdigest(),
    )
    return ShredRun(
        run_id=run_id,
        certificate=data,
        destroyed=len(full),
        restricted=len(partial),
        by_category=dict(by_category),
    )


def write_run(vault: Vault, run: ShredRun, out_dir: Path | None) -> DestructionResult:
    """After the commit: fold the WAL, then write the certificate files (JSON, HTML)."""
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


def checkpoint_wal(vault: Vault) -> None:
    """Fold the WAL into the database and truncate it, so freed pages leave no residue."""
    shred.checkpoint_wal(vault.engine)


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


def _pseudonym(vault: Vault, customer_id: int) -> str:
    return vault.keyring.blind_tag("certificate", str(customer_id)).hex()
