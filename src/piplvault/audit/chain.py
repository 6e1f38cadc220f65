"""Audit entries and their hash chain.

Each entry's hash is SHA-256 over the previous hash and a canonical JSON encoding of the
entry's fields, so an edited, deleted, inserted or reordered entry breaks the chain. The
head (last sequence number and hash) is also signed in checkpoints with the vault's Ed25519
key, so recomputing the whole chain after an edit is detected too.

Entries never hold personal values: ``details`` carries ids, field names and counts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from piplvault.core.canonical import canonical_json

GENESIS_HASH = "0" * 64

#: Outcomes an entry can record.
OUTCOMES = ("ok", "denied", "failed")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    target: str
    purpose: str
    outcome: str
    details: str
    prev_hash: str
    hash: str

    def details_dict(self) -> dict[str, Any]:
        loaded = json.loads(self.details)
        return loaded if isinstance(loaded, dict) else {"value": loaded}


def canonical_details(details: dict[str, Any]) -> str:
    return canonical_json(details).decode("utf-8")


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    target: str,
    purpose: str,
    outcome: str,
    details: str,
) -> str:
    body = canonical_json([seq, at, actor, action, target, purpose, outcome, details])
    return hashlib.sha256(prev_hash.encode("utf-8") + body).hexdigest()


def content_hash(entry: AuditEntry) -> str:
    """The hash ``entry`` must carry: over its previous hash and its other fields."""
    return entry_hash(
        prev_hash=entry.prev_hash,
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        target=entry.target,
        purpose=entry.purpose,
        outcome=entry.outcome,
        details=entry.details,
    )


#: Checkpoint signature formats: 1 signed (seq, hash) only; 2 signs every stored column.
CHECKPOINT_FORMAT = 2


def checkpoint_message(
    seq: int, head_hash: str, *, key_version: int, at: str, format: int = 2
) -> bytes:
    """What a checkpoint's signature covers: with format 2, every column of its row."""
    if format == 1:  # legacy rows, accepted only until the vault re-signs them
        return f"piplvault/audit-checkpoint/{seq}/{head_hash}".encode()
    return (
        f"piplvault/audit-checkpoint/v2/{seq}/{head_hash}/{key_version}/{at}".encode()
    )
