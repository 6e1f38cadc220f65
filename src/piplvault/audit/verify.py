"""Verify the audit log: chain, sequence, head, every signed checkpoint and every anchor.

Anchors (``audit.anchor``) are heads recorded outside the log — the signed head file beside
the vault, certificates, reports, packages, backup manifests, a ``SEQ:HASH`` the operator
noted. The log must contain each anchor's entry with its hash: a truncated log is caught.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select

from piplvault.audit.anchor import Anchor, check_anchor, find_head
from piplvault.audit.chain import (
    CHECKPOINT_FORMAT,
    GENESIS_HASH,
    checkpoint_message,
    content_hash,
)
from piplvault.audit.log import CHECKPOINT_FORMAT_KEY, entries
from piplvault.crypto.signing import verify as verify_signature
from piplvault.errors import AuditChainError
from piplvault.store.meta import read_meta
from piplvault.store.schema import audit_checkpoints, audit_head, destruction_runs


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    entries: int
    checkpoints: int
    head_seq: int
    head_hash: str
    anchors: int = 0
    warnings: list[str] = field(default_factory=list)


def verify_log(
    conn: Connection,
    public: Ed25519PublicKey,
    *,
    anchors: Iterable[Anchor] = (),
    strict_checkpoints: bool = False,
) -> AuditReport:
    """Check the whole log; raise AuditChainError naming the first bad entry.

    ``strict_checkpoints``: every checkpoint must be signed in the current format (the
    signed head file says the vault was upgraded; legacy signatures are then refused).
    """
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
        if (
            content_hash(entry) != entry.hash
        ):  # its prev_hash is ``prev``, checked above
            raise AuditChainError(
                f"Audit entry {entry.seq} was edited (its hash does not match its content)",
                seq=entry.seq,
            )
        hashes[entry.seq] = entry.hash
        prev, expected_seq = entry.hash, expected_seq + 1
    last = expected_seq - 1
    if last == 0:
        raise AuditChainError(
            "The audit log is empty, but every vault's log starts with its "
            "'vault-created' entry: the log was wiped",
            seq=1,
        )
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if head is None:
        raise AuditChainError(
            "The audit head row is missing (table audit_head was emptied)", seq=last
        )
    if int(head.seq) != last or str(head.hash) != prev:
        raise AuditChainError(
            f"Audit head says entry {head.seq} but the log ends at entry {last} "
            "(entries were removed from the end or the head was altered)",
            seq=min(int(head.seq), last) + 1,
        )
    strict = strict_checkpoints or (
        read_meta(conn, CHECKPOINT_FORMAT_KEY) == str(CHECKPOINT_FORMAT)
    )
    count = _verify_checkpoints(conn, public, hashes, last, strict=strict)
    known = [*anchors, *_certificate_anchors(conn)]
    for anchor in known:
        check_anchor(anchor, hashes, last)
    return AuditReport(
        entries=last,
        checkpoints=count,
        head_seq=last,
        head_hash=prev,
        anchors=len(known),
    )


def _certificate_anchors(conn: Connection) -> list[Anchor]:
    """Heads recorded in the destruction certificates the vault issued."""
    out = []
    for run_id, text in conn.execute(
        select(destruction_runs.c.run_id, destruction_runs.c.certificate)
    ):
        try:
            found = find_head(json.loads(text))
        except ValueError:
            continue
        if found is not None:
            out.append(Anchor(found[0], found[1], f"certificate {run_id}"))
    return out


def _verify_checkpoints(
    conn: Connection,
    public: Ed25519PublicKey,
    hashes: dict[int, str],
    last: int,
    *,
    strict: bool,
) -> int:
    count = 0
    signed_head = 0
    for cp in conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.seq)):
        seq = int(cp.seq)
        formats = (2,) if strict else (2, 1)
        signed = any(
            verify_signature(
                public,
                bytes(cp.signature),
                checkpoint_message(
                    seq, cp.hash, key_version=cp.key_version, at=cp.at, format=f
                ),
            )
            for f in formats
        )
        if not signed:
            raise AuditChainError(
                f"Audit checkpoint at entry {seq} has an invalid signature "
                "(a checkpoint column was changed or the signature forged)",
                seq=seq,
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
