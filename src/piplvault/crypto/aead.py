"""AES-256-GCM sealing with associated data; the one place ciphertext formats are defined.

A sealed blob is ``ALG (1 byte) || nonce (12) || ciphertext || tag (16)``. The algorithm
byte lets other profiles (e.g. SM4-GCM) coexist later. Associated data binds a blob to its
place (customer id, field, versions), so a blob moved elsewhere fails to open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from piplvault.errors import IntegrityError

ALG_AES256GCM = 1
#: What the ``*_into`` methods take as input.
Bytes = bytes | bytearray | memoryview
_NONCE = 12


class Sealer:
    """Seal and open blobs under one 256-bit key."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return (
            bytes((ALG_AES256GCM,)) + nonce + self._aead.encrypt(nonce, plaintext, aad)
        )

    @staticmethod
    def sealed_size(plaintext_bytes: int) -> int:
        """How long a sealed blob of ``plaintext_bytes`` is."""
        return 1 + _NONCE + plaintext_bytes + 16

    def seal_into(self, plaintext: Bytes, aad: bytes, out: memoryview) -> None:
        """:meth:`seal` into ``out``, which must be exactly ``sealed_size`` long: large
        blobs (backup frames) reuse one buffer instead of allocating each time."""
        nonce = os.urandom(_NONCE)
        out[0] = ALG_AES256GCM
        out[1 : 1 + _NONCE] = nonce
        self._aead.encrypt_into(nonce, plaintext, aad, out[1 + _NONCE :])

    def open_into(
        self, blob: memoryview, aad: bytes, out: bytearray, *, what: str
    ) -> memoryview:
        """:meth:`open` into ``out`` (at least the plaintext's length); the plaintext is
        the returned view of it, valid until ``out`` is used again."""
        if len(blob) < 1 + _NONCE + 16 or blob[0] != ALG_AES256GCM:
            raise IntegrityError(
                f"{what}: ciphertext is truncated or of an unknown format"
            )
        size = len(blob) - 1 - _NONCE - 16
        if len(out) < size:
            raise ValueError("open_into: the output buffer is too small")
        plain = memoryview(out)[:size]
        try:
            self._aead.decrypt_into(
                blob[1 : 1 + _NONCE], blob[1 + _NONCE :], aad, plain
            )
        except InvalidTag as exc:
            raise IntegrityError(
                f"{what}: ciphertext failed authentication (tampered, moved or wrong key)"
            ) from exc
        return plain

    def open(self, blob: bytes, aad: bytes, *, what: str) -> bytes:
        """Open ``blob``; ``what`` names the object (never its value) in the error."""
        if len(blob) < 1 + _NONCE + 16 or blob[0] != ALG_AES256GCM:
            raise IntegrityError(
                f"{what}: ciphertext is truncated or of an unknown format"
            )
        try:
            return self._aead.decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], aad)
        except InvalidTag as exc:
            raise IntegrityError(
                f"{what}: ciphertext failed authentication (tampered, moved or wrong key)"
            ) from exc


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(32)
