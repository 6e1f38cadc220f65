"""Length-prefixed JSON frames over a stream socket (the workers' audit writer).

A frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON (one object).
"""

from __future__ import annotations

import json
import struct
from typing import Any

_LENGTH = struct.Struct(">I")
#: A frame longer than this is a broken peer, not a message.
MAX_FRAME = 1 << 24


def frame(doc: dict[str, Any]) -> bytes:
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    return _LENGTH.pack(len(body)) + body


class Frames:
    """Whole frames out of a byte stream that arrives in pieces."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        docs, buffer, at = [], self._buffer, 0
        while len(buffer) - at >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(buffer, at)
            if length > MAX_FRAME:
                raise ValueError(f"a frame of {length} bytes (a broken peer)")
            end = at + _LENGTH.size + length
            if end > len(buffer):
                break
            docs.append(json.loads(bytes(buffer[at + _LENGTH.size : end])))
            at = end
        del buffer[:at]
        return docs
