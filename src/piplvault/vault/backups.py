"""Encrypted, authenticated, signed backups; restore with shred-journal replay; epoch keys.

File layout (``.pvbak``)::

    MAGIC
    frame*        u32 length || AES-256-GCM(backup key B, record, aad = id|index|last)
    manifest      canonical JSON (no personal data)
    signature     Ed25519 over the manifest (64 bytes)
    u32 manifest length || END

A record is one table header or one chunk of rows. The rows of ``customer_keys`` (the wrapped
customer data keys) are sealed a second time under the **backup-epoch key** E, which lives
only in the vault's key store (``backup_epochs``), never in any backup. ``backup prune``
destroys E when the epoch's retention window ends: from then on no copy of those backup files
can yield a data key, wherever the copy is. B is wrapped under the vault's key-encryption key;
the manifest carries the vault keys wrapped under the master key and the KDF parameters, so a
backup restores with the passphrase that was current when it was made.

Restore verifies the signature and the body hash before writing anything, rebuilds the
database in a staging file, replays the live vault's shred journal (and destroys every
customer whose epoch key is gone, with a destruction certificate), and only then renames the
staging file to ``vault.db``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, LargeBinary, Table, insert, select, text, update

from piplvault.crypto.aead import Sealer, new_key
from piplvault.crypto.kdf import KdfParams, derive_master_key
from piplvault.crypto.keyring import Keyring, WrappedKey, open_with_kek, seal_with_kek
from piplvault.crypto.signing import verify
from piplvault.documents.certificate import canonical, public_key_fingerprint
from piplvault.errors import (
    EpochKeyUnavailableError,
    IntegrityError,
    ValidationError,
    VaultExistsError,
)
from piplvault.io.private_files import make_private_dir, open_private
from piplvault.settings import DEFAULT_BACKUP_RETAIN_DAYS
from piplvault.store import migrate
from piplvault.store.engine import is_sqlite, make_engine, sqlite_url
from piplvault.store.meta import read_meta
from piplvault.store.schema import (
    audit_head,
    backup_epochs,
    backups,
    metadata,
    shred_journal,
)
from piplvault.vault.shred_run import checkpoint_wal

if TYPE_CHECKING:
    from piplvault.settings import Settings
    from piplvault.vault.service import Vault

MAGIC = b"PIPLVAULT-BACKUP/1\n"
END = b"PVBAK-END/1\n"
FORMAT = "piplvault-backup/1"
_U32 = struct.Struct("<I")
_ROWS_PER_FRAME = 5000
#: Never in a backup: the epoch key store itself.
_EXCLUDED = frozenset({"backup_epochs"})
_SEALED_TABLE = "customer_keys"
DEFAULT_RETAIN_DAYS = DEFAULT_BACKUP_RETAIN_DAYS
#: Ten years: longer than any retention statute the schedule knows.
MAX_RETAIN_DAYS = 3660


@dataclass(frozen=True, slots=True, kw_only=True)
class BackupInfo:
    path: Path
    manifest: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "path": str(self.path),
            "backup_id": m["backup_id"],
            "vault_id": m["vault_id"],
            "created_at": m["created_at"],
            "epoch": m["epoch"],
            "tables": m["tables"],
            "bytes": self.path.stat().st_size,
        }


# --- create -------------------------------------------------------------------------------


def create_backup(
    vault: Vault,
    directory: Path,
    *,
    retain_days: int = DEFAULT_RETAIN_DAYS,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> BackupInfo:
    """Write one backup file into ``directory`` (atomically) and return its path.

    ``on_total(frames)`` is called once the frames are known, ``progress(1)`` per frame
    written."""
    check_retain_days(retain_days)
    make_private_dir(directory)
    with vault.write() as conn:
        vault.authorize(conn, action="backup")
        backup_id = (
            vault.clock.now().strftime("%Y%m%dT%H%M%SZ") + "-" + os.urandom(4).hex()
        )
        epoch_id, expires_at, epoch_key = _current_epoch(vault, conn, retain_days)
        path = directory / f"piplvault-{backup_id}.pvbak"
        vault.record(
            conn,
            action="backup-created",
            target=f"backup:{backup_id}",
            details={"epoch": epoch_id, "file": path.name},
        )
        vault.sign_head(conn)
        manifest = _write_file(
            vault,
            conn,
            path,
            (backup_id, epoch_id, expires_at, epoch_key),
            progress=progress,
            on_total=on_total,
        )
        conn.execute(
            insert(backups).values(
                backup_id=backup_id,
                epoch_id=epoch_id,
                created_at=manifest["created_at"],
                path=str(path.resolve()),
                sha256=_file_sha256(path),
            )
        )
    return BackupInfo(path=path, manifest=manifest)


def check_retain_days(days: int) -> None:
    """``--retain-days`` must be 1..MAX_RETAIN_DAYS (issue 10, attacks 11 and 16)."""
    if not 1 <= days <= MAX_RETAIN_DAYS:
        raise ValidationError(
            f"--retain-days must be between 1 and {MAX_RETAIN_DAYS} (got {days}); "
            "nothing was written"
        )


def _current_epoch(
    vault: Vault, conn: Connection, retain_days: int
) -> tuple[str, str, bytes]:
    now = vault.clock.now()
    epoch_id = now.strftime("%Y-%m")
    row = conn.execute(
        select(backup_epochs).where(backup_epochs.c.epoch_id == epoch_id)
    ).first()
    aad = f"backup-epoch/{epoch_id}".encode()
    if row is not None and row.key_blob is not None:
        key = open_with_kek(
            vault.keyring,
            bytes(row.key_blob),
            aad,
            int(row.kek_version),
            what=f"backup epoch {epoch_id} key",
        )
        return epoch_id, str(row.expires_at), key
    if row is not None:
        raise ValidationError(
            f"Backup epoch {epoch_id} was already destroyed; nothing was written"
        )
    first_next = (now.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    expires = (first_next + dt.timedelta(days=retain_days)).strftime(
        "%Y-%m-%dT%H:%M:%S.000000Z"
    )
    key = new_key()
    version, blob = seal_with_kek(vault.keyring, key, aad)
    conn.execute(
        insert(backup_epochs).values(
            epoch_id=epoch_id,
            created_at=vault.now(),
            expires_at=expires,
            kek_version=version,
            key_blob=blob,
        )
    )
    vault.record(
        conn,
        action="backup-epoch-created",
        target=f"backup-epoch:{epoch_id}",
        details={"expires_at": expires},
    )
    return epoch_id, expires, key


def _write_file(
    vault: Vault,
    conn: Connection,
    path: Path,
    epoch_info: tuple[str, str, str, bytes],
    *,
    progress: Callable[[int], None] | None,
    on_total: Callable[[int], None] | None,
) -> dict[str, Any]:
    backup_id, epoch_id, expires_at, epoch_key = epoch_info
    bkey = new_key()
    sealer, epoch = Sealer(bkey), Sealer(epoch_key)
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    frames = 0
    with open_private(path) as out:
        out.write(MAGIC)
        records = list(_records(conn, counts, epoch, backup_id))
        if on_total is not None:
            on_total(len(records))
        for index, record in enumerate(records):
            blob = sealer.seal(
                record, _frame_aad(backup_id, index, index == len(records) - 1)
            )
            frame = _U32.pack(len(blob)) + blob
            digest.update(frame)
            out.write(frame)
            frames += 1
            if progress is not None:
                progress(1)
        kek_version, wrapped_b = seal_with_kek(
            vault.keyring, bkey, f"backup/{backup_id}".encode()
        )
        head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
        manifest = {
            "format": FORMAT,
            "backup_id": backup_id,
            "vault_id": read_meta(conn, "vault_id") or "",
            "created_at": vault.now(),
            "created_by": vault.actor,
            "epoch": {"id": epoch_id, "expires_at": expires_at},
            "kdf": json.loads(read_meta(conn, "kdf") or ""),
            "vault_keys": [
                {
                    "purpose": r.purpose,
                    "version": r.version,
                    "blob": base64.b64encode(bytes(r.blob)).decode("ascii"),
                }
                for r in conn.execute(
                    text("SELECT purpose, version, blob FROM vault_keys")
                )
            ],
            "backup_key": {
                "kek_version": kek_version,
                "blob": base64.b64encode(wrapped_b).decode("ascii"),
            },
            "body": {"sha256": digest.hexdigest(), "frames": frames},
            "tables": counts,
            "audit_head": {"seq": int(head.seq), "hash": str(head.hash)},
            "schema_revision": str(
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            ),
            "public_key_pem": vault.public_key_pem(),
            "signing_key_version": vault.keyring.current_version("signing"),
            "contains_personal_data": "encrypted only",
        }
        body = canonical(manifest)
        signature = vault.keyring.signing_key.sign(body)
        out.write(body + signature + _U32.pack(len(body)) + END)
    return manifest


def _records(
    conn: Connection, counts: dict[str, int], epoch: Sealer, backup_id: str
) -> Iterator[bytes]:
    for table in metadata.sorted_tables:
        if table.name in _EXCLUDED:
            continue
        names = [c.name for c in table.columns]
        binary = [
            i for i, c in enumerate(table.columns) if isinstance(c.type, LargeBinary)
        ]
        yield b"T" + json.dumps({"table": table.name, "columns": names}).encode()
        cols = ", ".join(names)
        result = conn.exec_driver_sql(f"SELECT {cols} FROM {table.name}")  # noqa: S608
        n, chunk_no = 0, 0
        while True:
            rows = result.fetchmany(_ROWS_PER_FRAME)
            if not rows:
                break
            n += len(rows)
            payload = json.dumps(
                [_encode_row(r, binary) for r in rows], separators=(",", ":")
            ).encode()
            if table.name == _SEALED_TABLE:
                aad = f"{backup_id}/{table.name}/{chunk_no}".encode()
                yield b"E" + epoch.seal(payload, aad)
            else:
                yield b"R" + payload
            chunk_no += 1
        counts[table.name] = n
    yield b"Z"


def _encode_row(row: Any, binary: list[int]) -> list[Any]:
    values = list(row)
    for i in binary:
        if values[i] is not None:
            values[i] = bytes(values[i]).hex()
    return values


# --- read and verify ----------------------------------------------------------------------


def read_manifest(path: Path) -> tuple[dict[str, Any], bytes, int]:
    """(manifest, signature, body end offset); IntegrityError if the file is malformed."""
    try:
        with path.open("rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise IntegrityError(f"{path}: not a piplvault backup (bad header)")
            size = f.seek(0, os.SEEK_END)
            tail = len(END) + _U32.size
            if size < len(MAGIC) + tail + 64:
                raise IntegrityError(f"{path}: backup is truncated")
            f.seek(size - tail)
            raw = f.read(tail)
            if raw[_U32.size :] != END:
                raise IntegrityError(
                    f"{path}: backup is truncated or damaged (no trailer)"
                )
            (mlen,) = _U32.unpack(raw[: _U32.size])
            start = size - tail - 64 - mlen
            if start < len(MAGIC):
                raise IntegrityError(f"{path}: backup trailer is damaged")
            f.seek(start)
            body = f.read(mlen)
            signature = f.read(64)
    except OSError as exc:
        raise ValidationError(f"Cannot read backup {path}: {exc}") from exc
    try:
        manifest = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityError(f"{path}: backup manifest is damaged") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IntegrityError(f"{path}: unknown backup format")
    if canonical(manifest) != body:
        raise IntegrityError(f"{path}: backup manifest was edited")
    return manifest, signature, start


def verify_backup(
    path: Path, *, public_key: Ed25519PublicKey | None = None
) -> dict[str, Any]:
    """Check the signature and the hash of every frame; return the manifest."""
    manifest, signature, end = read_manifest(path)
    embedded = serialization.load_pem_public_key(manifest["public_key_pem"].encode())
    if not isinstance(embedded, Ed25519PublicKey):
        raise IntegrityError(f"{path}: backup signer key is not Ed25519")
    key = public_key or embedded
    if public_key is not None and public_key_fingerprint(
        public_key
    ) != public_key_fingerprint(embedded):
        raise IntegrityError(
            f"{path}: backup was signed by a different vault key than the one given"
        )
    if not verify(key, signature, canonical(manifest)):
        raise IntegrityError(
            f"{path}: backup signature does not match its manifest (tampered)"
        )
    digest, frames = hashlib.sha256(), 0
    with path.open("rb") as f:
        f.seek(len(MAGIC))
        for frame in _frames(f, end, path):
            digest.update(_U32.pack(len(frame)) + frame)
            frames += 1
    if (
        digest.hexdigest() != manifest["body"]["sha256"]
        or frames != manifest["body"]["frames"]
    ):
        raise IntegrityError(
            f"{path}: backup contents do not match the signed manifest (tampered or truncated)"
        )
    return manifest


def _frames(f: IO[bytes], end: int, path: Path) -> Iterator[bytes]:
    while f.tell() < end:
        head = f.read(_U32.size)
        if len(head) != _U32.size:
            raise IntegrityError(f"{path}: backup body is truncated")
        (n,) = _U32.unpack(head)
        if f.tell() + n > end:
            raise IntegrityError(f"{path}: backup frame runs past the body (damaged)")
        yield f.read(n)


def _frame_aad(backup_id: str, index: int, last: bool) -> bytes:
    return f"piplvault-backup/{backup_id}/{index}/{int(last)}".encode()


# --- restore ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyStore:
    """What restore takes from the live vault: epoch keys and the shred journal."""

    epoch_keys: dict[str, bytes | None]  # None: destroyed
    journal: list[dict[str, Any]]
    vault_id: str
    #: the live vault's signing public keys (every version): a restore is pinned to them
    signers: tuple[Ed25519PublicKey, ...] = ()


def live_key_store(vault: Vault) -> KeyStore:
    with vault.write() as conn:
        vault.authorize(conn, action="restore")
        keys: dict[str, bytes | None] = {}
        for r in conn.execute(select(backup_epochs)):
            aad = f"backup-epoch/{r.epoch_id}".encode()
            keys[r.epoch_id] = (
                None
                if r.key_blob is None
                else open_with_kek(
                    vault.keyring,
                    bytes(r.key_blob),
                    aad,
                    int(r.kek_version),
                    what=f"backup epoch {r.epoch_id} key",
                )
            )
        journal = [
            dict(r._mapping)
            for r in conn.execute(select(shred_journal).order_by(shred_journal.c.seq))
        ]
        vault.record(
            conn,
            action="backup-key-store-read",
            target="backup-epochs",
            details={"epochs": sorted(keys), "journal_entries": len(journal)},
        )
    return KeyStore(
        epoch_keys=keys,
        journal=journal,
        vault_id=_vault_id(vault),
        signers=vault.keyring.signing_public_keys(),
    )


def _pinned_signer(
    path: Path, given: Ed25519PublicKey | None, key_store: KeyStore | None
) -> Ed25519PublicKey:
    """The key a restore trusts (issue 10, attack 12): ``--public-key`` if given, else the
    live vault's own signing key whose fingerprint the backup names — never the key the
    backup file carries, which anyone re-signing a manifest can swap."""
    if given is not None:
        return given
    if key_store is None or not key_store.signers:
        raise ValidationError(
            "Restoring without the live vault: name the signer with --public-key "
            "(the PEM from 'piplvault keys public'); a backup's own embedded key is not "
            "trusted"
        )
    manifest, _signature, _end = read_manifest(path)
    embedded = serialization.load_pem_public_key(manifest["public_key_pem"].encode())
    if isinstance(embedded, Ed25519PublicKey):
        wanted = public_key_fingerprint(embedded)
        for signer in key_store.signers:
            if public_key_fingerprint(signer) == wanted:
                return signer
    raise IntegrityError(
        f"{path}: backup is not signed by this vault's key (it was re-signed with a "
        "foreign key); nothing was restored"
    )


def backup_frames(path: Path) -> int:
    """How many frames a backup holds (its manifest says; the bar's total)."""
    manifest, _, _ = read_manifest(path)
    return int(manifest["body"]["frames"])


def _vault_id(vault: Vault) -> str:
    return vault.meta_value("vault_id") or ""


def restore_backup(
    path: Path,
    into: Path,
    settings: Settings,
    *,
    key_store: KeyStore | None,
    without_epoch_key: bool = False,
    public_key: Ed25519PublicKey | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Restore ``path`` into the empty directory ``into``; returns what happened.

    ``progress(1)`` is called per frame loaded; the total is ``backup_frames(path)``."""
    from piplvault.vault import restore as replay

    manifest = verify_backup(
        path, public_key=_pinned_signer(path, public_key, key_store)
    )
    target = into / "vault.db"
    if target.exists():
        raise VaultExistsError(
            f"{into} already holds a vault; restore into an empty directory"
        )
    if key_store is not None and key_store.vault_id != manifest["vault_id"]:
        raise ValidationError(
            "The live vault given is not the vault this backup came from"
        )
    passphrase = settings.passphrase.reveal() if settings.passphrase else ""
    master = derive_master_key(passphrase, KdfParams.from_dict(manifest["kdf"]))
    wrapped = [
        WrappedKey(
            purpose=k["purpose"],
            version=int(k["version"]),
            blob=base64.b64decode(k["blob"]),
        )
        for k in manifest["vault_keys"]
    ]
    keyring = Keyring(
        master, wrapped
    )  # WrongPassphraseError before anything is written
    bkey = open_with_kek(
        keyring,
        base64.b64decode(manifest["backup_key"]["blob"]),
        f"backup/{manifest['backup_id']}".encode(),
        int(manifest["backup_key"]["kek_version"]),
        what="backup key",
    )
    epoch_id = manifest["epoch"]["id"]
    epoch_key: bytes | None = None
    if key_store is not None and epoch_id in key_store.epoch_keys:
        epoch_key = key_store.epoch_keys[epoch_id]
    elif not without_epoch_key:
        raise EpochKeyUnavailableError(
            f"The key store for backup epoch {epoch_id} is not available: give the live "
            "vault with --home (same passphrase), or --without-epoch-key to restore with "
            "every customer crypto-erased; nothing was written"
        )
    make_private_dir(into)
    staging = into / "vault.db.restoring"
    for leftover in into.glob("vault.db.restoring*"):
        leftover.unlink()
    engine = make_engine(sqlite_url(staging))
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            loaded = _load_frames(conn, path, manifest, (bkey, epoch_key), progress)
        result = replay.finish_restore(
            engine,
            settings,
            keyring,
            manifest,
            key_store=key_store,
            epoch_expired=epoch_key is None,
            loaded=loaded,
        )
    finally:
        engine.dispose()
    if is_sqlite(engine):
        for suffix in ("-wal", "-shm"):
            Path(str(staging) + suffix).unlink(missing_ok=True)
    staging.replace(target)
    return {"restored_into": str(into), "backup_id": manifest["backup_id"], **result}


def _load_frames(
    conn: Connection,
    path: Path,
    manifest: dict[str, Any],
    keys: tuple[bytes, bytes | None],
    progress: Callable[[int], None] | None,
) -> dict[str, int]:
    bkey, epoch_key = keys
    sealer = Sealer(bkey)
    epoch = Sealer(epoch_key) if epoch_key is not None else None
    backup_id = manifest["backup_id"]
    _, _, end = read_manifest(path)
    tables = {t.name: t for t in metadata.sorted_tables}
    loaded: dict[str, int] = {}
    current: Table | None = None
    binary: list[int] = []
    chunk_no = 0
    total = int(manifest["body"]["frames"])
    with path.open("rb") as f:
        f.seek(len(MAGIC))
        for index, frame in enumerate(_frames(f, end, path)):
            record = sealer.open(
                frame,
                _frame_aad(backup_id, index, index == total - 1),
                what=f"backup frame {index}",
            )
            if progress is not None:
                progress(1)
            kind, payload = record[:1], record[1:]
            if kind == b"T":
                header = json.loads(payload)
                current = tables.get(header["table"])
                if current is None:
                    raise IntegrityError(
                        f"backup holds unknown table {header['table']}"
                    )
                binary = [
                    i
                    for i, c in enumerate(current.columns)
                    if isinstance(c.type, LargeBinary)
                ]
                conn.execute(current.delete())  # rows seeded by migrations
                loaded[current.name] = 0
                chunk_no = 0
            elif kind in (b"R", b"E") and current is not None:
                if kind == b"E":
                    if epoch is None:
                        chunk_no += 1
                        continue
                    payload = epoch.open(
                        payload,
                        f"{backup_id}/{current.name}/{chunk_no}".encode(),
                        what="backup key-store chunk",
                    )
                rows = [_decode_row(r, binary) for r in json.loads(payload)]
                _insert_rows(conn, current, rows)
                loaded[current.name] += len(rows)
                chunk_no += 1
            elif kind == b"Z":
                return loaded
    raise IntegrityError(f"{path}: backup ends without its final record (truncated)")


def _decode_row(row: list[Any], binary: list[int]) -> tuple[Any, ...]:
    for i in binary:
        if row[i] is not None:
            row[i] = bytes.fromhex(row[i])
    return tuple(row)


def _insert_rows(conn: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    names = ", ".join(c.name for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)  # noqa: S608


# --- prune --------------------------------------------------------------------------------


def prune_backups(vault: Vault, *, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Destroy the epoch keys whose window has ended, and delete those epochs' files."""
    when = as_of or vault.clock.now()
    moment = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # the epoch that month's backups are written under is never destroyed (attack 11)
    current = when.strftime("%Y-%m")
    destroyed, removed = [], []
    with vault.write() as conn:
        vault.authorize(conn, action="backup")
        for r in conn.execute(
            select(backup_epochs).where(
                backup_epochs.c.destroyed_at.is_(None),
                backup_epochs.c.expires_at <= moment,
                backup_epochs.c.epoch_id != current,
            )
        ).all():
            conn.execute(
                update(backup_epochs)
                .where(backup_epochs.c.epoch_id == r.epoch_id)
                .values(key_blob=None, kek_version=None, destroyed_at=vault.now())
            )
            destroyed.append(r.epoch_id)
            for b in conn.execute(
                select(backups).where(
                    backups.c.epoch_id == r.epoch_id, backups.c.pruned_at.is_(None)
                )
            ).all():
                Path(b.path).unlink(missing_ok=True)
                removed.append(b.path)
                conn.execute(
                    update(backups)
                    .where(backups.c.backup_id == b.backup_id)
                    .values(pruned_at=vault.now())
                )
            vault.record(
                conn,
                action="backup-epoch-destroyed",
                target=f"backup-epoch:{r.epoch_id}",
                details={"expires_at": r.expires_at, "files_removed": len(removed)},
            )
    checkpoint_wal(vault)
    return {"epochs_destroyed": destroyed, "files_removed": removed}


def list_backups(vault: Vault) -> list[dict[str, Any]]:
    with vault.reading("backup", "restore") as conn:
        epochs = {r.epoch_id: r for r in conn.execute(select(backup_epochs))}
        out = []
        for b in conn.execute(select(backups).order_by(backups.c.created_at)):
            e = epochs.get(b.epoch_id)
            out.append(
                {
                    **dict(b._mapping),
                    "epoch_expires_at": e.expires_at if e else None,
                    "epoch_destroyed_at": e.destroyed_at if e else None,
                }
            )
    return out


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
