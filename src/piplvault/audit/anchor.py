"""Audit-head anchors outside the database (issue 10, attack 3: truncation).

The hash chain and checkpoints live in the same database an attacker can edit: deleting the
tail of ``audit_log`` and ``audit_checkpoints`` and moving ``audit_head`` back leaves a
consistent, shorter log. An *anchor* is a (seq, hash) pair kept elsewhere; the log must hold
entry ``seq`` with exactly that hash. Anchors come from:

- ``audit-head.json`` beside the vault (signed with the vault's Ed25519 key, rewritten after
  every commit — never moved backwards or onto a different chain). It is one 512-byte
  sector of JSON padded with spaces, rewritten in place and synced under an exclusive
  lock on the vault directory; readers take the same lock shared, so none sees a write
  half-done;
- any document piplvault issued: destruction certificates, closing reports, packages,
  receipts, backup manifests (``{"audit": {"head_seq", "head_hash"}}`` or
  ``{"audit_head": {"seq", "hash"}}``), passed as ``audit verify --expect-head FILE``;
- ``--expect-head SEQ:HASH`` noted down by the operator.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from piplvault.crypto.signing import verify as verify_signature
from piplvault.errors import AuditChainError, ValidationError
from piplvault.io.private_files import overwrite_private, write_private
from piplvault.store.meta import read_meta
from piplvault.store.prepared import Prepared
from piplvault.store.schema import audit_head, audit_log

HEAD_FILE = "audit-head.json"
#: The head file's size: one disk sector, so an in-place rewrite is one atomic write.
HEAD_FILE_BYTES = 512
_SEQ_HASH = re.compile(r"^(\d{1,18}):([0-9a-f]{64})$")


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str
    source: str


def head_message(vault_id: str, seq: int, head_hash: str, at: str) -> bytes:
    return f"piplvault/audit-head/v1/{vault_id}/{seq}/{head_hash}/{at}".encode()


@contextmanager
def publishing(home: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on the vault directory itself while publishing (no lock file
    is written; processes of one server take turns); ``shared`` for a reader."""
    if not home.is_dir():
        yield
        return
    fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def publish_head(
    conn: Connection, home: Path, key: Ed25519PrivateKey, *, at: str
) -> None:
    """Rewrite the signed head file with the committed head — unless the file records a
    head the log does not contain (truncation or rewrite): that evidence is kept; a file
    that cannot be read is OSError, and nothing is written. The caller holds
    :func:`publishing`."""
    plan = _plan(conn, home, key, at=at)
    if plan is not None and plan.data is not None:
        _write(plan, plan.data)


@dataclass(frozen=True, slots=True)
class HeadPlan:
    """:func:`publish_head`'s decision, taken inside the transaction about to commit,
    whose write lock keeps the log as it is: the head file's bytes then (None: no file),
    and what to write once committed (None: leave the file as it is)."""

    path: Path
    seen: bytes | None
    data: bytes | None
    vault_id: str
    signer: bytes
    anchor: Anchor


def plan_head(
    conn: Connection, home: Path, key: Ed25519PrivateKey, *, at: str
) -> HeadPlan | None:
    """Decide the publication in the committing transaction ``conn`` (its head, read
    before the commit), so that after it only :func:`apply_plan` is left: no second
    snapshot to read the head and check the file's one again. None when it cannot be
    decided now (the caller then decides after the commit). The file is read without the
    publishers' lock: a rewrite caught half-done differs from the file :func:`apply_plan`
    then finds, so the plan is dropped, never carried out."""
    try:
        return _plan(conn, home, key, at=at)
    except (OSError, SQLAlchemyError):
        return None


def apply_plan(plan: HeadPlan) -> bool:
    """Carry out ``plan`` if the head file is still exactly as it was planned on; False
    (nothing done) if another process published meanwhile, or anyone changed it: the
    caller then decides afresh with :func:`publish_head`. The caller holds
    :func:`publishing`."""
    if _file_bytes(plan.path) != plan.seen:
        return False
    if plan.data is not None:
        _write(plan, plan.data)
    return True


def _plan(
    conn: Connection, home: Path, key: Ed25519PrivateKey, *, at: str
) -> HeadPlan | None:
    head = _HEAD.first(conn)
    vault_id = read_meta(conn, "vault_id") or ""
    if head is None or not home.is_dir():
        return None
    path = home / HEAD_FILE
    seq, head_hash = int(head.seq), str(head.hash)
    public = key.public_key()
    new = Anchor(seq, head_hash, str(path))
    signer = public.public_bytes_raw()
    seen = _file_bytes(path)
    keep = HeadPlan(path, seen, None, vault_id, signer, new)
    try:
        old = None if seen is None else _parse_head_file(path, seen, public, vault_id)
    except AuditChainError:
        return keep  # a forged or foreign file: kept for audit verify to report
    if old is not None:
        if old.seq >= seq:
            return keep
        if _HASH_AT.scalars(conn, seq=old.seq) != [old.hash]:
            return keep
    data = _head_bytes(key, vault_id=vault_id, seq=seq, head_hash=head_hash, at=at)
    return HeadPlan(path, seen, data, vault_id, signer, new)


_HEAD = Prepared(select(audit_head.c.seq, audit_head.c.hash))
_HASH_AT = Prepared(select(audit_log.c.hash).where(audit_log.c.seq == bindparam("seq")))


def write_head_file(
    home: Path,
    key: Ed25519PrivateKey,
    *,
    vault_id: str,
    seq: int,
    head_hash: str,
    at: str,
) -> None:
    path = home / HEAD_FILE
    data = _head_bytes(key, vault_id=vault_id, seq=seq, head_hash=head_hash, at=at)
    signer = key.public_key().public_bytes_raw()
    plan = HeadPlan(
        path, None, data, vault_id, signer, Anchor(seq, head_hash, str(path))
    )
    _write(plan, data)


def _head_bytes(
    key: Ed25519PrivateKey, *, vault_id: str, seq: int, head_hash: str, at: str
) -> bytes:
    signature = key.sign(head_message(vault_id, seq, head_hash, at)).hex()
    body = {
        "type": "piplvault-audit-head",
        "vault_id": vault_id,
        "audit_head": {"seq": seq, "hash": head_hash},
        "at": at,
        "signature": signature,
    }
    text = json.dumps(body, indent=2).encode("utf-8")
    # padded with spaces (JSON allows them) to one sector, when it fits (it always does
    # for a vault id of up to ~190 characters): then rewritten in place from now on
    return text.ljust(HEAD_FILE_BYTES - 1) + b"\n"


def _write(plan: HeadPlan, data: bytes) -> None:
    if not overwrite_private(plan.path, data):
        write_private(plan.path, data)
    _WRITTEN[plan.path] = (data, plan.signer, plan.vault_id, plan.anchor)


#: The head file this process wrote last, by path: its exact bytes, the signing key and
#: vault, and what the bytes say. A file holding exactly those bytes, read for that key and
#: vault, carries this process's own signature, so the server (which rewrites the file after
#: every commit) need not verify it again.
_WRITTEN: dict[Path, tuple[bytes, bytes, str, Anchor]] = {}


def read_head_file(
    home: Path, public: Ed25519PublicKey, vault_id: str
) -> Anchor | None:
    """The signed head beside the vault, or None when there is none (a forged or foreign
    file is an AuditChainError: someone tampered with the anchor). Read under the
    publishers' lock (shared), so never in the middle of a server's rewrite."""
    with publishing(home, shared=True):
        return _read_head_file(home, public, vault_id)


def _file_bytes(path: Path) -> bytes | None:
    """The file's bytes; None when there is no such (regular) file."""
    if not path.is_file():
        return None
    return path.read_bytes()


def _read_head_file(
    home: Path, public: Ed25519PublicKey, vault_id: str
) -> Anchor | None:
    path = home / HEAD_FILE
    try:
        data = _file_bytes(path)
    except OSError as exc:
        raise AuditChainError(f"The audit head file {path} is unreadable") from exc
    return None if data is None else _parse_head_file(path, data, public, vault_id)


def _parse_head_file(
    path: Path, data: bytes, public: Ed25519PublicKey, vault_id: str
) -> Anchor:
    written = _WRITTEN.get(path)
    if written is not None and written[:3] == (
        data,
        public.public_bytes_raw(),
        vault_id,
    ):
        return written[3]
    try:
        doc = json.loads(data.decode("utf-8"))
        seq, head_hash = int(doc["audit_head"]["seq"]), str(doc["audit_head"]["hash"])
        message = head_message(str(doc["vault_id"]), seq, head_hash, str(doc["at"]))
        signature = bytes.fromhex(str(doc["signature"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise AuditChainError(f"The audit head file {path} is unreadable") from exc
    if doc["vault_id"] != vault_id or not verify_signature(public, signature, message):
        raise AuditChainError(
            f"The audit head file {path} is not signed by this vault (it was forged)"
        )
    return Anchor(seq, head_hash, str(path))


def parse_expected(value: str) -> Anchor:
    """``--expect-head``: ``SEQ:HASH`` or a file that carries an audit head."""
    match = _SEQ_HASH.match(value.strip().lower())
    if match:
        return Anchor(int(match.group(1)), match.group(2), "--expect-head")
    path = Path(value)
    if not path.is_file():
        raise ValidationError(
            f"--expect-head '{value}' is neither SEQ:HASH (64 hex digits) nor a file"
        )
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"--expect-head: {path} is not a JSON document") from exc
    found = find_head(doc)
    if found is None:
        raise ValidationError(f"--expect-head: {path} carries no audit head")
    return Anchor(found[0], found[1], str(path))


def find_head(doc: Any) -> tuple[int, str] | None:
    """The audit head a piplvault document carries, wherever it sits in it."""
    if isinstance(doc, dict):
        audit = doc.get("audit")
        if isinstance(audit, dict) and {"head_seq", "head_hash"} <= audit.keys():
            return int(audit["head_seq"]), str(audit["head_hash"])
        head = doc.get("audit_head")
        if isinstance(head, dict) and {"seq", "hash"} <= head.keys():
            return int(head["seq"]), str(head["hash"])
        children: list[Any] = list(doc.values())
    elif isinstance(doc, list):
        children = doc
    else:
        return None
    for child in children:
        found = find_head(child)
        if found is not None:
            return found
    return None


def check_anchor(anchor: Anchor, hashes: dict[int, str], last: int) -> None:
    """Raise AuditChainError unless the log holds entry ``anchor.seq`` with its hash."""
    if anchor.seq > last:
        raise AuditChainError(
            f"The audit log ends at entry {last} but {anchor.source} records entry "
            f"{anchor.seq}: entries {last + 1}..{anchor.seq} were removed (truncated)",
            seq=last + 1,
        )
    if anchor.seq > 0 and hashes.get(anchor.seq) != anchor.hash:
        raise AuditChainError(
            f"Audit entry {anchor.seq} differs from the head {anchor.source} records "
            "(the log was rewritten)",
            seq=anchor.seq,
        )
