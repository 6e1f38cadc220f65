"""Restore a backup: pinned signer, verify, bulk-load a staging database, replay.

Restore verifies the signature and the body hash before writing anything, rebuilds the
database in a staging file (set at a time: :class:`piplvault.store.dump.StagingLoad`),
replays the live vault's shred journal (and destroys every customer whose epoch key is gone,
with a destruction certificate, :mod:`piplvault.vault.restore`), and only then renames the
staging file to ``vault.db``. A failed restore leaves no staging file behind.

A backup of a SQLite vault carries the database file, page by page (format 3,
:mod:`piplvault.vault.backup_pages`): it becomes the staging file as it is, the
epoch-sealed ``customer_keys`` pages are put back, and it is migrated to this version's
schema if it is older. A format-2 backup of a SQLite vault carries a database image and
``customer_keys`` as epoch-sealed rows, which are inserted. A backup of a PostgreSQL
vault (or of format 1) carries rows, loaded into a freshly migrated staging database.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from piplvault.crypto.aead import Sealer
from piplvault.crypto.kdf import KdfParams, derive_master_key
from piplvault.crypto.keyring import Keyring, WrappedKey, open_with_kek
from piplvault.documents.certificate import public_key_fingerprint
from piplvault.errors import (
    EpochKeyUnavailableError,
    IntegrityError,
    ValidationError,
    VaultExistsError,
)
from piplvault.io.private_files import make_private_dir, open_private
from piplvault.settings import CONFIG_FILE
from piplvault.store import backup_catalog as catalog
from piplvault.store import dump, migrate
from piplvault.store.engine import make_engine, sqlite_url
from piplvault.vault import backup_pages
from piplvault.vault.backup_codec import decode_chunk, decode_json_rows
from piplvault.vault.backup_format import (
    FORMAT_V1,
    MAGIC,
    SEALED_TABLE,
    check_body,
    chunk_aad,
    frame_aad,
    read_frames,
    read_manifest,
    verify_signature,
)

if TYPE_CHECKING:
    from piplvault.settings import Settings
    from piplvault.vault.service import Vault


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
        for r in catalog.all_epochs(conn):
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
        journal = catalog.journal_entries(conn)
        vault.record(
            conn,
            action="backup-key-store-read",
            target="backup-epochs",
            details={"epochs": sorted(keys), "journal_entries": len(journal)},
        )
    return KeyStore(
        epoch_keys=keys,
        journal=journal,
        vault_id=vault.meta_value("vault_id") or "",
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

    manifest, end = verify_signature(
        path, public_key=_pinned_signer(path, public_key, key_store)
    )
    target = into / "vault.db"
    # A vault is its database file or, on PostgreSQL, the piplvault.toml naming its
    # database: either means the directory is taken.
    if target.exists() or (into / CONFIG_FILE).exists():
        raise VaultExistsError(
            f"{into} already holds a vault; restore into an empty directory"
        )
    if key_store is not None and key_store.vault_id != manifest["vault_id"]:
        raise ValidationError(
            "The live vault given is not the vault this backup came from"
        )
    keyring, bkey = _unlock(manifest, settings)
    epoch_id = manifest["epoch"]["id"]
    epoch_key: bytes | None = None
    if key_store is not None and epoch_id in key_store.epoch_keys:
        epoch_key = key_store.epoch_keys[epoch_id]
    elif not without_epoch_key:
        raise EpochKeyUnavailableError(
            f"The key store for backup epoch {epoch_id} is not available: name the live "
            "vault ('piplvault backup restore FILE --home LIVE', same passphrase), or "
            "restore with every customer crypto-erased ('piplvault backup restore FILE "
            "--without-epoch-key'); nothing was written"
        )
    make_private_dir(into)
    staging = into / "vault.db.restoring"
    _remove_staging(into)
    engines = []
    # The body's hash is checked on a thread of its own while the frames are opened (each
    # authenticated under B, which only the signed manifest yields), and before anything
    # else happens to the staged database: one pass over the file instead of two.
    hashing = ThreadPoolExecutor(1, thread_name_prefix="restore-hash")
    try:
        body = hashing.submit(check_body, path, manifest, end)
        try:
            records = _open_records(path, manifest, bkey, progress)
            first = next(records, None)
            layout = {b"M": "pages", b"I": "image"}.get(
                first[0] if first else b"", "rows"
            )
            if layout == "pages" and first is not None:
                backup_pages.stage_pages(
                    staging,
                    first[1],
                    records,
                    epoch_key=epoch_key,
                    backup_id=manifest["backup_id"],
                )
            elif layout == "image" and first is not None:
                first = _write_image(staging, first[1], records)
        except IntegrityError:
            body.result()  # a damaged body is said as such
            raise
        body.result()
        engine = make_engine(sqlite_url(staging))
        engines.append(engine)
        if (
            layout == "rows"
            or migrate.current_revision(engine) != migrate.head_revision()
        ):
            migrate.upgrade(engine)  # an image of an older vault, or an empty database
        if layout == "pages":
            loaded = backup_pages.page_layout_counts(
                manifest["tables"], epoch_key=epoch_key, sealed_table=SEALED_TABLE
            )
        else:
            with dump.StagingLoad(
                engine, staging, drop_indexes=layout == "rows"
            ) as load:
                loaded = _load_rows(
                    load, chain([first] if first else [], records), manifest, epoch_key
                )
            if layout == "image":
                loaded = {**manifest["tables"], **loaded}
        result = replay.finish_restore(
            engine,
            settings,
            keyring,
            manifest,
            key_store=key_store,
            epoch_expired=epoch_key is None,
            loaded=loaded,
        )
    except BaseException:
        for engine in engines:
            engine.dispose()
        _remove_staging(into)
        raise
    finally:
        hashing.shutdown(wait=True, cancel_futures=True)
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(str(staging) + suffix).unlink(missing_ok=True)
    staging.replace(target)
    return {"restored_into": str(into), "backup_id": manifest["backup_id"], **result}


def _remove_staging(into: Path) -> None:
    for leftover in into.glob("vault.db.restoring*"):
        leftover.unlink()


def _unlock(manifest: dict[str, Any], settings: Settings) -> tuple[Keyring, bytes]:
    """The backup's keyring (WrongPassphraseError before anything is written) and its
    backup key B."""
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
    keyring = Keyring(master, wrapped)
    bkey = open_with_kek(
        keyring,
        base64.b64decode(manifest["backup_key"]["blob"]),
        f"backup/{manifest['backup_id']}".encode(),
        int(manifest["backup_key"]["kek_version"]),
        what="backup key",
    )
    return keyring, bkey


def _open_records(
    path: Path,
    manifest: dict[str, Any],
    bkey: bytes,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[bytes, memoryview]]:
    """Every record of the (verified) file, opened: (kind, payload). Records are opened
    into one reused buffer: a payload is valid until the next record is taken."""
    sealer = Sealer(bkey)
    backup_id = manifest["backup_id"]
    total = int(manifest["body"]["frames"])
    _, _, end = read_manifest(path)
    plain = bytearray()
    with path.open("rb") as f:
        f.seek(len(MAGIC))
        for index, frame in enumerate(read_frames(f, end, path)):
            if len(plain) < len(frame):
                plain = bytearray(len(frame))  # the views handed out keep the old one
            record = sealer.open_into(
                frame,
                frame_aad(backup_id, index, index == total - 1),
                plain,
                what=f"backup frame {index}",
            )
            if progress is not None:
                progress(1)
            yield bytes(record[:1]), record[1:]


def _write_image(
    staging: Path, head: memoryview, records: Iterator[tuple[bytes, memoryview]]
) -> tuple[bytes, memoryview]:
    """Write the database image (``I`` records) as the staging file; return the first
    record after it."""
    with open_private(staging) as out:
        out.write(head)
        for kind, payload in records:
            if kind != b"I":
                return kind, payload
            out.write(payload)
    raise IntegrityError(
        f"{staging}: backup ends inside its database image (truncated)"
    )


def _load_rows(
    load: dump.StagingLoad,
    records: Iterator[tuple[bytes, memoryview]],
    manifest: dict[str, Any],
    epoch_key: bytes | None,
) -> dict[str, int]:
    epoch = Sealer(epoch_key) if epoch_key is not None else None
    backup_id = manifest["backup_id"]
    json_rows = manifest["format"] == FORMAT_V1
    loaded: dict[str, int] = {}
    current: dump.TableSpec | None = None
    columns: list[str] = []
    binary: list[bool] = []
    chunk_no = 0
    for kind, payload in records:
        if kind == b"T":
            header = json.loads(bytes(payload))
            current = dump.table_spec(str(header["table"]))
            columns = [str(c) for c in header["columns"]]
            blobs = dict(zip(current.columns, current.binary, strict=True))
            binary = [blobs.get(c, False) for c in columns]
            load.clear(current)  # rows seeded by migrations
            loaded[current.name] = 0
            chunk_no = 0
        elif kind in (b"R", b"E") and current is not None:
            if kind == b"E" and epoch is None:
                chunk_no += 1
                continue
            # rows hold slices of the chunk: never of the reused record buffer
            chunk = (
                epoch.open(
                    bytes(payload),
                    chunk_aad(backup_id, current.name, chunk_no),
                    what="backup key-store chunk",
                )
                if kind == b"E" and epoch is not None
                else bytes(payload)
            )
            rows = decode_json_rows(chunk, binary) if json_rows else decode_chunk(chunk)
            load.insert(current, columns, rows)
            loaded[current.name] += len(rows)
            chunk_no += 1
        elif kind == b"Z":
            return loaded
        else:
            raise IntegrityError("backup holds a record out of place (damaged)")
    raise IntegrityError("backup ends without its final record (truncated)")
