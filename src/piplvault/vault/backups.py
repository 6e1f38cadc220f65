"""Encrypted, authenticated, signed backups: create, prune, list; backup-epoch keys.

The file format is in :mod:`piplvault.vault.backup_format`, restore in
:mod:`piplvault.vault.backup_restore` (both re-exported here). The rows of ``customer_keys``
(the wrapped customer data keys) are sealed a second time under the **backup-epoch key** E,
which lives only in the vault's key store (``backup_epochs``), never in any backup.
``backup prune`` destroys E when the epoch's retention window ends: from then on no copy of
those backup files can yield a data key, wherever the copy is. The backup key B is wrapped
under the vault's key-encryption key; the manifest carries the vault keys wrapped under the
master key and the KDF parameters, so a backup restores with the passphrase that was
current when it was made.

A backup is set-based. On SQLite it is the database image as the backup's transaction sees
it, taken in memory with ``backup_epochs`` and ``customer_keys`` securely deleted, in frames
of ``IMAGE_BYTES_PER_FRAME``; the ``customer_keys`` rows follow as epoch-sealed row chunks.
On PostgreSQL every table is read in large driver batches as column-wise chunks of up to
``ROWS_PER_FRAME`` rows. Nothing is compressed: the personal data are ciphertexts already.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.crypto.aead import Sealer, new_key
from piplvault.crypto.keyring import open_with_kek, seal_with_kek
from piplvault.documents.certificate import canonical
from piplvault.errors import ValidationError
from piplvault.io.private_files import make_private_dir, open_private_direct
from piplvault.settings import DEFAULT_BACKUP_RETAIN_DAYS
from piplvault.store import backup_catalog as catalog
from piplvault.store import dump
from piplvault.store.audit_head import read_audit_head
from piplvault.store.engine import Connection
from piplvault.store.keys import vault_key_rows
from piplvault.store.meta import read_meta
from piplvault.vault import backup_pages
from piplvault.vault.backup_codec import encode_chunk
from piplvault.vault.backup_format import (
    _U32,
    END,
    FORMAT,
    MAGIC,
    SEALED_TABLE,
    FrameWriter,
    backup_frames,
    chunk_aad,
    frame_aad,
    read_manifest,
    verify_backup,
)
from piplvault.vault.backup_restore import KeyStore, live_key_store, restore_backup
from piplvault.vault.shred_run import checkpoint_wal

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

__all__ = [  # the backup API, with what the format and restore modules provide
    "END",
    "MAGIC",
    "_U32",
    "BackupInfo",
    "KeyStore",
    "backup_frames",
    "check_retain_days",
    "create_backup",
    "list_backups",
    "live_key_store",
    "prune_backups",
    "read_manifest",
    "restore_backup",
    "verify_backup",
]

#: Rows per frame: large enough that per-frame costs (AES-GCM call, header) vanish.
ROWS_PER_FRAME = 20000
#: Bytes of a SQLite database image per frame.
IMAGE_BYTES_PER_FRAME = 8 << 20
#: Never in a backup: the epoch key store itself.
_EXCLUDED = frozenset({"backup_epochs"})
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
    with vault.write() as conn:  # committed first: the backup transaction writes last
        vault.authorize(conn, action="backup")
        epoch_id, expires_at, epoch_key = _current_epoch(vault, conn, retain_days)
    backup_id = vault.clock.now().strftime("%Y%m%dT%H%M%SZ") + "-" + os.urandom(4).hex()
    path = directory / f"piplvault-{backup_id}.pvbak"
    try:
        with vault.write() as conn:
            vault.authorize(conn, action="backup")
            # the vault as committed when this transaction began: nothing written yet
            manifest, file_sha256 = _write_file(
                vault,
                conn,
                path,
                (backup_id, epoch_id, expires_at, epoch_key),
                progress=progress,
                on_total=on_total,
            )
            vault.record(
                conn,
                action="backup-created",
                target=f"backup:{backup_id}",
                details={"epoch": epoch_id, "file": path.name},
            )
            catalog.insert_backup(
                conn,
                backup_id=backup_id,
                epoch_id=epoch_id,
                created_at=manifest["created_at"],
                path=str(path.resolve()),
                sha256=file_sha256,
            )
    except BaseException:  # the commit too: no audit entry, no backup file
        path.unlink(missing_ok=True)
        raise
    return BackupInfo(path=path, manifest=manifest)


def check_retain_days(days: int) -> None:
    """``--retain-days`` must be 1..MAX_RETAIN_DAYS (issue 10, attacks 11 and 16)."""
    if not 1 <= days <= MAX_RETAIN_DAYS:
        raise ValidationError(
            f"The retention must be between 1 and {MAX_RETAIN_DAYS} days (got {days}); "
            "nothing was written",
            field="retain_days",
        )


def _current_epoch(
    vault: Vault, conn: Connection, retain_days: int
) -> tuple[str, str, bytes]:
    now = vault.clock.now()
    epoch_id = now.strftime("%Y-%m")
    row = catalog.epoch_row(conn, epoch_id)
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
    catalog.insert_epoch(
        conn,
        epoch_id=epoch_id,
        created_at=vault.now(),
        expires_at=expires,
        kek_version=version,
        key_blob=blob,
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
) -> tuple[dict[str, Any], str]:
    """Write the file; return its manifest and the SHA-256 of the whole file."""
    backup_id, epoch_id, expires_at, epoch_key = epoch_info
    bkey = new_key()
    sealer, epoch = Sealer(bkey), Sealer(epoch_key)
    specs = dump.dump_tables(_EXCLUDED)
    counts = {s.name: dump.count_rows(conn, s) for s in specs}
    seq, head_hash = read_audit_head(conn)
    records, total, layout = _layout(conn, specs, counts, epoch, backup_id)
    if on_total is not None:
        on_total(total)
    with open_private_direct(path) as out, FrameWriter(out, sealer) as writer:
        for record in records:
            writer.seal(record, frame_aad(backup_id, writer.frames, record == b"Z"))
            if progress is not None:
                progress(1)
        kek_version, wrapped_b = seal_with_kek(
            vault.keyring, bkey, f"backup/{backup_id}".encode()
        )
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
                    "purpose": purpose,
                    "version": version,
                    "blob": base64.b64encode(blob).decode("ascii"),
                }
                for purpose, version, blob in vault_key_rows(conn)
            ],
            "backup_key": {
                "kek_version": kek_version,
                "blob": base64.b64encode(wrapped_b).decode("ascii"),
            },
            "body": {"sha256": writer.body_sha256(), "frames": writer.frames},
            "tables": counts,
            "layout": layout,
            "audit_head": {"seq": seq, "hash": head_hash},
            "schema_revision": dump.schema_revision(conn),
            "public_key_pem": vault.public_key_pem(),
            "signing_key_version": vault.keyring.current_version("signing"),
            "contains_personal_data": "encrypted only",
        }
        body = canonical(manifest)
        file_sha256 = writer.finish(body, vault.keyring.signing_key.sign(body))
    return manifest, file_sha256


def _layout(
    conn: Connection,
    specs: list[dump.TableSpec],
    counts: dict[str, int],
    epoch: Sealer,
    backup_id: str,
) -> tuple[Iterator[bytes | memoryview], int, str]:
    """The records of the backup, how many frames they make, and the layout's name.

    A SQLite vault is copied page by page from its checkpointed file (``pages``); when a
    reader keeps the WAL from being checkpointed, as a database image made through SQLite
    (``sqlite-image``); a PostgreSQL vault as row chunks (``rows``)."""
    plan = backup_pages.plan_pages(
        conn, left_out=_EXCLUDED, sealed=frozenset({SEALED_TABLE})
    )
    if plan is not None:
        records = backup_pages.page_records(plan, epoch=epoch, backup_id=backup_id)
        return records, plan.frames, "pages"
    sealed = [s for s in specs if s.name == SEALED_TABLE]
    # the image must hold neither the epoch key store nor the DEKs under B only
    scrub = [*sealed, *(dump.table_spec(name) for name in sorted(_EXCLUDED))]
    image = dump.sqlite_image(conn, scrub)
    row_specs = specs if image is None else sealed
    image_frames = -(-len(image) // IMAGE_BYTES_PER_FRAME) if image else 0
    chunks = sum(1 + -(-counts[s.name] // ROWS_PER_FRAME) for s in row_specs)
    records = chain(
        _image_records(image), _records(conn, row_specs, counts, epoch, backup_id)
    )
    return (
        records,
        image_frames + chunks + 1,
        "rows" if image is None else "sqlite-image",
    )


def _image_records(image: bytes | None) -> Iterator[bytes]:
    """``I`` records: the database image (customer keys scrubbed out), in slices."""
    view = memoryview(image or b"")
    for start in range(0, len(view), IMAGE_BYTES_PER_FRAME):
        yield b"I" + view[start : start + IMAGE_BYTES_PER_FRAME]


def _records(
    conn: Connection,
    specs: list[dump.TableSpec],
    counts: dict[str, int],
    epoch: Sealer,
    backup_id: str,
) -> Iterator[bytes]:
    for spec in specs:
        header = {"table": spec.name, "columns": list(spec.columns)}
        yield b"T" + json.dumps(header).encode()
        n, chunk_no = 0, 0
        for rows in dump.read_batches(conn, spec, ROWS_PER_FRAME):
            n += len(rows)
            payload = encode_chunk(rows, spec.binary)
            if spec.name == SEALED_TABLE:
                aad = chunk_aad(backup_id, spec.name, chunk_no)
                yield b"E" + epoch.seal(payload, aad)
            else:
                yield b"R" + payload
            chunk_no += 1
        counts[spec.name] = n
    yield b"Z"


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
        for r in catalog.expired_epochs(conn, moment, current):
            catalog.destroy_epoch_key(conn, r.epoch_id, vault.now())
            destroyed.append(r.epoch_id)
            for b in catalog.live_backups_of_epoch(conn, r.epoch_id):
                Path(b.path).unlink(missing_ok=True)
                removed.append(b.path)
                catalog.mark_pruned(conn, b.backup_id, vault.now())
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
        epochs = {r.epoch_id: r for r in catalog.all_epochs(conn)}
        out = []
        for b in catalog.backup_rows(conn):
            e = epochs.get(b["epoch_id"])
            out.append(
                {
                    **b,
                    "epoch_expires_at": e.expires_at if e else None,
                    "epoch_destroyed_at": e.destroyed_at if e else None,
                }
            )
    return out
