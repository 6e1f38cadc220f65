"""Derive the master key from the vault passphrase (Argon2id; parameters stored, key never)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from piplvault.errors import ConfigError

#: OWASP's minimum is m=19 MiB, t=2, p=1; we default well above it.
DEFAULT_MEMORY_KIB = 64 * 1024
DEFAULT_ITERATIONS = 3
DEFAULT_LANES = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class KdfParams:
    """Argon2id parameters, stored in the vault so the same key can be derived again."""

    algorithm: str = "argon2id"
    salt: bytes
    memory_kib: int = DEFAULT_MEMORY_KIB
    iterations: int = DEFAULT_ITERATIONS
    lanes: int = DEFAULT_LANES

    @classmethod
    def new(cls, *, memory_kib: int = DEFAULT_MEMORY_KIB) -> KdfParams:
        return cls(salt=os.urandom(16), memory_kib=memory_kib)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["salt"] = self.salt.hex()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> KdfParams:
        if data.get("algorithm") != "argon2id":
            raise ConfigError(
                f"Unknown key-derivation algorithm {data.get('algorithm')!r}"
            )
        return cls(
            salt=bytes.fromhex(str(data["salt"])),
            memory_kib=int(str(data["memory_kib"])),
            iterations=int(str(data["iterations"])),
            lanes=int(str(data["lanes"])),
        )


def derive_master_key(passphrase: str, params: KdfParams) -> bytes:
    """The 256-bit master key for ``passphrase`` under ``params``."""
    if not passphrase:
        raise ConfigError("The vault passphrase is empty; set PIPLVAULT_PASSPHRASE")
    kdf = Argon2id(
        salt=params.salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(passphrase.encode("utf-8"))
