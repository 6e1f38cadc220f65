"""Verify the audit log: chain, sequence, head, and every signed checkpoint."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select

from piplvault.audit.chain import GENESIS_HASH, checkpoint_message, entry_hash
from piplvault.audit.log import entries
from piplvault.crypto.signing import verify as verify_signature
from piplvault.errors import AuditChainError
from piplvault.store.schema import audit_checkpoints, audit_head


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    entries: int
    checkpoints: int
    head_seq: int
    head_hash: str


def verify_log(conn: Connection, public: Ed25519PublicKey) -> AuditReport:
    """Check the whole log; raise AuditChainError naming the first bad entry."""
    hashes: dict[int, str] = {}
    prev, expected_seq = GENESIS_HASH, 1
    for entry in entries(conn):
        if entry.seq != expected_seq:
            raise AuditChainError(
                f"Audit entry {expected_seq} is missing or out of order "
                f"(found entry {entry.seq} next)",
                seq=expected_seq,
            )
        if entry.prev_hash != prev:
            raise AuditChainError(
                f"Audit entry {entry.seq} does not follow entry {entry.seq - 1} "
                "(previous-hash mismatch: an entry was deleted, inserted or reordered)",
                seq=entry.seq,
            )
        recomputed = entry_hash(
            prev_hash=prev,
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            purpose=entry.purpose,
            outcome=entry.outcome,
            details=entry.details,
        )
        if recomputed != entry.hash:
            raise AuditChainError(
                f"Audit entry {entry.seq} was edited (its hash does not match its content)",
                seq=entry.seq,
            )
        hashes[entry.seq] = entry.hash
        prev, expected_seq = entry.hash, expected_seq + 1
    last = expected_seq - 1
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    if int(head.seq) != last or str(head.hash) != prev:
        raise AuditChainError(
            f"Audit head says entry {head.seq} but the log ends at entry {last} "
            "(entries were removed from the end or the head was altered)",
            seq=min(int(head.seq), last) + 1,
        )
    count = _verify_checkpoints(conn, public, hashes, last)
    return AuditReport(entries=last, checkpoints=count, head_seq=last, head_hash=prev)


def _verify_checkpoints(
    conn: Connection, public: Ed25519PublicKey, hashes: dict[int, str], last: int
) -> int:
    count = 0
    signed_head = 0
    for cp in conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.seq)):
        seq = int(cp.seq)
        if not verify_signature(
            public, bytes(cp.signature), checkpoint_message(seq, cp.hash)
        ):
            raise AuditChainError(
                f"Audit checkpoint at entry {seq} has an invalid signature", seq=seq
            )
        if seq > last:
            raise AuditChainError(
                f"Audit checkpoint signs entry {seq} but the log ends at entry {last} "
                "(entries were removed from the end)",
                seq=last + 1,
            )
        if hashes.get(seq) != cp.hash:
            raise AuditChainError(
                f"Audit entry {seq} differs from what checkpoint {seq} signed "
                "(the chain was rewritten)",
                seq=seq,
            )
        count += 1
        signed_head = seq
    if last and signed_head != last:
        raise AuditChainError(
            f"Audit entries {signed_head + 1}..{last} are not covered by a signed "
            "checkpoint (they were added outside piplvault)",
            seq=signed_head + 1,
        )
    return count
