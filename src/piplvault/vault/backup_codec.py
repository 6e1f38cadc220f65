"""Encode a batch of table rows into one backup record, column by column, and back.

Backup format 2 stores a chunk of rows column-wise, so encoding and decoding run in C
(``json`` for text and numbers, one ``join`` and one length array for binary columns)
instead of Python work per row and value, which bounded format 1 (JSON rows with every blob
in hex)::

    chunk   = u32 rows || u16 columns || column*
    column  = kind (1 byte) || u32 length || payload
    kind J  = JSON array of the column's values (text, integers, null)
    kind B  = i64 length per value (-1: NULL) || the non-NULL values concatenated

The values are the vault's own ciphertexts, wrapped keys, tags and metadata; a chunk is
sealed (AES-256-GCM) before it is written, so none of this is ever on disk in the clear.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from collections.abc import Sequence
from itertools import accumulate, pairwise
from typing import Any

from piplvault.core.canonical import canonical_json
from piplvault.errors import IntegrityError

_HEAD = struct.Struct("<IH")
_COL = struct.Struct("<cI")
_BIG_ENDIAN = sys.byteorder == "big"


def encode_chunk(rows: Sequence[Sequence[Any]], binary: Sequence[bool]) -> bytes:
    """One chunk of ``rows`` (all of the same columns); ``binary`` marks blob columns."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in binary]
    parts = [_HEAD.pack(len(rows), len(binary))]
    for values, is_binary in zip(columns, binary, strict=True):
        kind, payload = (
            (b"B", _encode_binary(values)) if is_binary else (b"J", _json(values))
        )
        parts += [_COL.pack(kind, len(payload)), payload]
    return b"".join(parts)


def decode_chunk(chunk: bytes) -> list[tuple[Any, ...]]:
    """The rows of a chunk, as tuples in column order."""
    try:
        count, width = _HEAD.unpack_from(chunk, 0)
        pos = _HEAD.size
        columns: list[list[Any]] = []
        for _ in range(width):
            kind, size = _COL.unpack_from(chunk, pos)
            pos += _COL.size
            payload = chunk[pos : pos + size]
            if len(payload) != size:
                raise ValueError("truncated column")
            pos += size
            values = (
                _decode_binary(payload, count) if kind == b"B" else json.loads(payload)
            )
            if kind not in (b"B", b"J") or len(values) != count:
                raise ValueError("bad column")
            columns.append(values)
        if pos != len(chunk):
            raise ValueError("trailing bytes")
    except (struct.error, ValueError, TypeError) as exc:
        raise IntegrityError("backup chunk is malformed") from exc
    return list(zip(*columns, strict=True)) if width else [() for _ in range(count)]


def decode_json_rows(payload: bytes, binary: Sequence[bool]) -> list[tuple[Any, ...]]:
    """The rows of a format-1 chunk: a JSON array of rows, blobs in hex."""
    try:
        rows = json.loads(payload)
        blobs = [i for i, is_binary in enumerate(binary) if is_binary]
        for row in rows:
            for i in blobs:
                if row[i] is not None:
                    row[i] = bytes.fromhex(row[i])
        return [tuple(row) for row in rows]
    except (ValueError, TypeError, IndexError) as exc:
        raise IntegrityError("backup chunk is malformed") from exc


def _json(values: Sequence[Any]) -> bytes:
    return canonical_json(list(values))  # compact JSON of one column's values


def _encode_binary(values: Sequence[Any]) -> bytes:
    if None in values:
        lengths = array("q", [-1 if v is None else len(v) for v in values])
        data = b"".join([v for v in values if v is not None])
    else:  # bytes, or any bytes-like value a driver returns
        lengths = array("q", map(len, values))
        data = b"".join(values)
    if _BIG_ENDIAN:
        lengths.byteswap()
    return lengths.tobytes() + data


def _decode_binary(payload: bytes, count: int) -> list[bytes | None]:
    lengths = array("q")
    base = count * lengths.itemsize
    lengths.frombytes(payload[:base])
    if _BIG_ENDIAN:
        lengths.byteswap()
    if min(lengths, default=0) >= 0:
        offsets = list(accumulate(lengths, initial=base))
        if offsets[-1] != len(payload):
            raise ValueError("binary column length mismatch")
        return [payload[a:b] for a, b in pairwise(offsets)]
    out: list[bytes | None] = []
    pos = base
    for n in lengths:
        if n < 0:
            out.append(None)
        else:
            out.append(payload[pos : pos + n])
            pos += n
    if pos != len(payload):
        raise ValueError("binary column length mismatch")
    return out
