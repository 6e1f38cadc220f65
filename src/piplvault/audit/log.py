"""Append audit entries inside the caller's transaction, sign checkpoints, read entries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from piplvault.audit.chain import (
    CHECKPOINT_FORMAT,
    GENESIS_HASH,
    AuditEntry,
    canonical_details,
    checkpoint_message,
    content_hash,
)
from piplvault.audit.events import require_registered
from piplvault.audit.note import AuditEntryFields
from piplvault.crypto.signing import verify as verify_signature
from piplvault.errors import AuditUnavailableError
from piplvault.store.meta import read_meta, write_meta
from piplvault.store.prepared import Prepared
from piplvault.store.schema import audit_checkpoints, audit_head, audit_log

_NO_HEAD = (
    "The audit head row is missing (table audit_head was emptied), so nothing can be "
    "audited and nothing was done; run 'piplvault audit verify' and restore from a backup"
)

#: ``meta`` key: the checkpoint signature format every row of this vault is in.
CHECKPOINT_FORMAT_KEY = "audit_checkpoint_format"

#: Sign a checkpoint at least every this many entries (and at the end of every command).
CHECKPOINT_EVERY = 1000


def init_head(conn: Connection) -> None:
    conn.execute(insert(audit_head).values(id=1, seq=0, hash=GENESIS_HASH))


def append(
    conn: Connection,
    *,
    at: str,
    actor: str,
    action: str,
    target: str,
    purpose: str = "",
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in ``conn``'s open transaction; raise AuditUnavailableError if not
    (also for an action missing from the registry in ``audit/events.py``). ``details``
    already carry the request's id, when there is one (``Vault.audit_entry``)."""
    entry: AuditEntryFields = {
        "actor": actor,
        "action": action,
        "target": target,
        "purpose": purpose,
        "outcome": outcome,
        "details": details or {},
    }
    return append_many(conn, at=at, entries=[entry])[0]


def append_many(
    conn: Connection, *, at: str, entries: list[AuditEntryFields]
) -> list[AuditEntry]:
    """Append ``entries``, in order, in ``conn``'s open transaction: the head read once and
    moved once for all of them (the server's audit writer appends each round's entries
    together). All or none: AuditUnavailableError as :func:`append` raises it."""
    for fields in entries:
        require_registered(fields["action"])
    try:
        row = _HEAD_FOR_UPDATE.first(conn)
        if row is None:
            raise AuditUnavailableError(_NO_HEAD)
        seq, prev = int(row.seq), str(row.hash)
        made = []
        for fields in entries:
            seq += 1
            entry = _chained(seq, prev, at, fields)
            _INSERT_ENTRY.run(conn, **_entry_row(entry))
            made.append(entry)
            prev = entry.hash
        if made:
            _MOVE_HEAD.run(conn, seq=seq, hash=prev)
    except SQLAlchemyError as exc:
        raise AuditUnavailableError(
            f"The audit log could not be written ({exc.__class__.__name__}); "
            "the operation was not carried out"
        ) from exc
    return made


def _chained(seq: int, prev: str, at: str, fields: AuditEntryFields) -> AuditEntry:
    """The entry ``fields`` as number ``seq`` of the chain, after hash ``prev``."""
    unhashed = AuditEntry(
        seq=seq,
        at=at,
        actor=fields["actor"],
        action=fields["action"],
        target=fields["target"],
        purpose=fields["purpose"],
        outcome=fields["outcome"],
        details=canonical_details(fields["details"] or {}),
        prev_hash=prev,
        hash="",
    )
    return replace(unhashed, hash=content_hash(unhashed))


def checkpoint(
    conn: Connection, key: Ed25519PrivateKey, *, key_version: int, at: str
) -> int | None:
    """Sign the current head unless it is already signed; return the signed seq."""
    try:
        head = _HEAD.first(conn)
        if head is None:
            raise AuditUnavailableError(_NO_HEAD)
        seq = int(head.seq)
        if seq == 0:
            return None
        _resign_legacy(conn, key)
        done = _CHECKPOINT_AT.first(conn, seq=seq)
        if done is not None:
            return seq
        signature = key.sign(
            checkpoint_message(seq, str(head.hash), key_version=key_version, at=at)
        )
        _INSERT_CHECKPOINT.run(
            conn,
            seq=seq,
            hash=str(head.hash),
            signature=signature,
            key_version=key_version,
            at=at,
        )
    except SQLAlchemyError as exc:
        raise AuditUnavailableError(
            f"The audit checkpoint could not be written ({exc.__class__.__name__})"
        ) from exc
    return seq


def _resign_legacy(conn: Connection, key: Ed25519PrivateKey) -> None:
    """Once per vault: re-sign format-1 checkpoints (seq and hash only) in format 2
    (every column), after checking their format-1 signature; then note it in ``meta``."""
    if read_meta(conn, CHECKPOINT_FORMAT_KEY) == str(CHECKPOINT_FORMAT):
        return
    public = key.public_key()
    for cp in conn.execute(select(audit_checkpoints)).all():
        seq, head_hash = int(cp.seq), str(cp.hash)
        legacy = checkpoint_message(
            seq, head_hash, key_version=cp.key_version, at=cp.at, format=1
        )
        if not verify_signature(public, bytes(cp.signature), legacy):
            continue  # left as it is: audit verify reports it
        signature = key.sign(
            checkpoint_message(seq, head_hash, key_version=cp.key_version, at=cp.at)
        )
        conn.execute(
            update(audit_checkpoints)
            .where(audit_checkpoints.c.seq == seq)
            .values(signature=signature)
        )
    write_meta(conn, CHECKPOINT_FORMAT_KEY, str(CHECKPOINT_FORMAT))


def entries(
    conn: Connection, *, since_seq: int = 0, since_at: str | None = None
) -> Iterator[AuditEntry]:
    query = (
        select(audit_log).where(audit_log.c.seq > since_seq).order_by(audit_log.c.seq)
    )
    if since_at is not None:
        query = query.where(audit_log.c.at >= since_at)
    for row in conn.execute(query):
        yield AuditEntry(**row._asdict())


def _entry_row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


# the statements every audited request runs (compiled once: store/prepared.py)
_HEAD = Prepared(select(audit_head.c.seq, audit_head.c.hash))
_HEAD_FOR_UPDATE = Prepared(
    select(audit_head.c.seq, audit_head.c.hash)
    .where(audit_head.c.id == 1)
    .with_for_update()
)
_INSERT_ENTRY = Prepared(
    insert(audit_log).values({c.name: bindparam(c.name) for c in audit_log.columns})
)
_MOVE_HEAD = Prepared(
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(seq=bindparam("seq"), hash=bindparam("hash"))
)
_CHECKPOINT_AT = Prepared(
    select(audit_checkpoints.c.seq).where(audit_checkpoints.c.seq == bindparam("seq"))
)
_INSERT_CHECKPOINT = Prepared(
    insert(audit_checkpoints).values(
        {
            name: bindparam(name)
            for name in ("seq", "hash", "signature", "key_version", "at")
        }
    )
)
