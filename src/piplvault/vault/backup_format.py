"""The ``.pvbak`` file: frames, signed manifest, trailer; reading and verifying it.

File layout::

    MAGIC
    frame*        u32 length || AES-256-GCM(backup key B, record, aad = id|index|last)
    manifest      canonical JSON (no personal data)
    signature     Ed25519 over the manifest (64 bytes)
    u32 manifest length || END

A record is ``T`` + a table header (JSON: table, columns), ``R`` + a chunk of that table's
rows, ``E`` + a chunk sealed a second time under the backup-epoch key (``customer_keys``),
or the final ``Z``. Format 2 (current) encodes a chunk column-wise
(:mod:`piplvault.vault.backup_codec`); format 1 held JSON rows with blobs in hex. Both are
verified and restored; only format 2 is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from piplvault.crypto.signing import verify
from piplvault.documents.certificate import canonical, public_key_fingerprint
from piplvault.errors import IntegrityError, ValidationError

MAGIC_V1 = b"PIPLVAULT-BACKUP/1\n"
MAGIC = b"PIPLVAULT-BACKUP/2\n"
END = b"PVBAK-END/1\n"
FORMAT_V1 = "piplvault-backup/1"
FORMAT = "piplvault-backup/2"
#: The format each header announces; its manifest must name the same.
FORMATS = {MAGIC_V1: FORMAT_V1, MAGIC: FORMAT}
_U32 = struct.Struct("<I")
SIGNATURE_BYTES = 64


class FrameWriter:
    """Write MAGIC, sealed frames and the trailer to ``out``, hashing as it goes: the body
    hash (frames only) goes into the manifest, the file hash into the backups table."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self.body = hashlib.sha256()
        self.file = hashlib.sha256()
        self.frames = 0
        self._write(MAGIC)

    def _write(self, data: bytes) -> None:
        self.file.update(data)
        self._out.write(data)

    def frame(self, blob: bytes) -> None:
        head = _U32.pack(len(blob))
        self.body.update(head)
        self.body.update(blob)
        self._write(head)
        self._write(blob)
        self.frames += 1

    def finish(self, manifest_body: bytes, signature: bytes) -> None:
        self._write(manifest_body + signature + _U32.pack(len(manifest_body)) + END)


def frame_aad(backup_id: str, index: int, last: bool) -> bytes:
    return f"piplvault-backup/{backup_id}/{index}/{int(last)}".encode()


def chunk_aad(backup_id: str, table: str, chunk_no: int) -> bytes:
    """Associated data of a chunk sealed under the backup-epoch key."""
    return f"{backup_id}/{table}/{chunk_no}".encode()


def read_manifest(path: Path) -> tuple[dict[str, Any], bytes, int]:
    """(manifest, signature, body end offset); IntegrityError if the file is malformed."""
    try:
        with path.open("rb") as f:
            magic = f.read(len(MAGIC))
            if magic not in FORMATS:
                raise IntegrityError(f"{path}: not a piplvault backup (bad header)")
            size = f.seek(0, os.SEEK_END)
            tail = len(END) + _U32.size
            if size < len(MAGIC) + tail + SIGNATURE_BYTES:
                raise IntegrityError(f"{path}: backup is truncated")
            f.seek(size - tail)
            raw = f.read(tail)
            if raw[_U32.size :] != END:
                raise IntegrityError(
                    f"{path}: backup is truncated or damaged (no trailer)"
                )
            (mlen,) = _U32.unpack(raw[: _U32.size])
            start = size - tail - SIGNATURE_BYTES - mlen
            if start < len(MAGIC):
                raise IntegrityError(f"{path}: backup trailer is damaged")
            f.seek(start)
            body = f.read(mlen)
            signature = f.read(SIGNATURE_BYTES)
    except OSError as exc:
        raise ValidationError(f"Cannot read backup {path}: {exc}") from exc
    try:
        manifest = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityError(f"{path}: backup manifest is damaged") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMATS[magic]:
        raise IntegrityError(f"{path}: unknown backup format")
    if canonical(manifest) != body:
        raise IntegrityError(f"{path}: backup manifest was edited")
    return manifest, signature, start


def verify_backup(
    path: Path, *, public_key: Ed25519PublicKey | None = None
) -> dict[str, Any]:
    """Check the signature and the hash of every frame; return the manifest."""
    manifest, signature, end = read_manifest(path)
    embedded = embedded_signer(manifest, path)
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
        for frame in read_frames(f, end, path):
            digest.update(_U32.pack(len(frame)))
            digest.update(frame)
            frames += 1
    if (
        digest.hexdigest() != manifest["body"]["sha256"]
        or frames != manifest["body"]["frames"]
    ):
        raise IntegrityError(
            f"{path}: backup contents do not match the signed manifest (tampered or truncated)"
        )
    return manifest


def embedded_signer(manifest: dict[str, Any], path: Path) -> Ed25519PublicKey:
    embedded = serialization.load_pem_public_key(manifest["public_key_pem"].encode())
    if not isinstance(embedded, Ed25519PublicKey):
        raise IntegrityError(f"{path}: backup signer key is not Ed25519")
    return embedded


def read_frames(f: IO[bytes], end: int, path: Path) -> Iterator[bytes]:
    while f.tell() < end:
        head = f.read(_U32.size)
        if len(head) != _U32.size:
            raise IntegrityError(f"{path}: backup body is truncated")
        (n,) = _U32.unpack(head)
        if f.tell() + n > end:
            raise IntegrityError(f"{path}: backup frame runs past the body (damaged)")
        yield f.read(n)


def backup_frames(path: Path) -> int:
    """How many frames a backup holds (its manifest says; the bar's total)."""
    manifest, _, _ = read_manifest(path)
    return int(manifest["body"]["frames"])
