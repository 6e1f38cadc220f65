"""Pack a customer's per-field ciphertexts into one column value, and back.

Layout: ``u16 count`` then, per field, ``u16 name-length, name (UTF-8), u32 version,
u32 blob-length, blob``. Field names are schema names (``mobile``, ``客户编号``), never
values; each blob is an independent AES-256-GCM ciphertext bound to its field and version.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

from piplvault.errors import IntegrityError

_U16 = struct.Struct("<H")
_VER_LEN = struct.Struct("<II")


@dataclass(frozen=True, slots=True)
class SealedField:
    version: int
    blob: bytes


def pack(values: dict[str, SealedField]) -> bytes:
    parts = [_U16.pack(len(values))]
    for name, sealed in values.items():
        encoded = name.encode("utf-8")
        parts.append(_U16.pack(len(encoded)))
        parts.append(encoded)
        parts.append(_VER_LEN.pack(sealed.version, len(sealed.blob)))
        parts.append(sealed.blob)
    return b"".join(parts)


def unpack(data: bytes, *, customer_id: int) -> dict[str, SealedField]:
    try:
        (count,) = _U16.unpack_from(data, 0)
        pos = _U16.size
        out: dict[str, SealedField] = {}
        for _ in range(count):
            (name_len,) = _U16.unpack_from(data, pos)
            pos += _U16.size
            name = data[pos : pos + name_len].decode("utf-8")
            pos += name_len
            version, blob_len = _VER_LEN.unpack_from(data, pos)
            pos += _VER_LEN.size
            blob = data[pos : pos + blob_len]
            if len(blob) != blob_len:
                raise ValueError("truncated")
            pos += blob_len
            out[name] = SealedField(version, bytes(blob))
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise IntegrityError(
            f"customer {customer_id}: stored record is corrupt"
        ) from exc
    return out


def field_names(data: bytes) -> list[str]:
    """The field names present in a packed record, without touching ciphertexts."""
    (count,) = _U16.unpack_from(data, 0)
    pos = _U16.size
    names = []
    for _ in range(count):
        (name_len,) = _U16.unpack_from(data, pos)
        pos += _U16.size
        names.append(data[pos : pos + name_len].decode("utf-8"))
        pos += name_len
        _, blob_len = _VER_LEN.unpack_from(data, pos)
        pos += _VER_LEN.size + blob_len
    return names


def field_keys_of(data: bytes) -> str:
    """The ``customers.field_keys`` of a packed record: its field names, sorted, as a
    compact JSON array (a name may hold any character; names are plaintext in the
    record already, no value is read)."""
    return json.dumps(
        sorted(field_names(data)), ensure_ascii=False, separators=(",", ":")
    )
