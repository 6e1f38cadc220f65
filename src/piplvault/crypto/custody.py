"""Split custody of the unseal secret: k-of-n Shamir shares (SLIP-39 mnemonics).

A small company's directors can each hold one share; any ``threshold`` of them together
unseal the server, and no one of them alone can. The shared secret is a random 256-bit value
that becomes the vault passphrase (the key hierarchy is unchanged); the shares are SLIP-39
word lists, so they can be written on paper and checked word by word.
"""

from __future__ import annotations

import hashlib
import os

import shamir_mnemonic
from shamir_mnemonic import MnemonicError

from piplvault.errors import ValidationError

PREFIX = "slip39:"


def new_secret() -> bytes:
    return os.urandom(32)


def passphrase_of(secret: bytes) -> str:
    """The vault passphrase that the shared secret stands for."""
    return PREFIX + secret.hex()


def split(secret: bytes, *, threshold: int, shares: int) -> list[str]:
    """``shares`` mnemonics of which any ``threshold`` recover ``secret``."""
    if not 1 <= threshold <= shares <= 16:
        raise ValidationError("Need 1 ≤ threshold ≤ shares ≤ 16")
    if threshold == 1 and shares > 1:
        raise ValidationError(
            "A threshold of 1 would let any one holder unseal: use ≥ 2"
        )
    groups = shamir_mnemonic.generate_mnemonics(1, [(threshold, shares)], secret)
    return list(groups[0])


def combine(mnemonics: list[str]) -> bytes:
    """The secret from enough shares; a clear error for too few, mixed or mistyped ones."""
    cleaned = [" ".join(m.split()) for m in mnemonics if m.strip()]
    try:
        return bytes(shamir_mnemonic.combine_mnemonics(cleaned))
    except MnemonicError as exc:
        raise ValidationError(f"The unseal shares do not combine: {exc}") from exc


def fingerprint(mnemonic: str) -> str:
    """A short fingerprint of one share, for the record of who holds which."""
    return hashlib.sha256(" ".join(mnemonic.split()).encode()).hexdigest()[:12]
