"""Derive the master key from the vault passphrase (Argon2id; parameters stored, key never)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from piplvault.errors import ConfigError

#: OWASP's minimum is m=19 MiB, t=2, p=1; we default well above it.
DEFAULT_MEMORY_KIB = 64 * 1024
#: The OWASP Password Storage Cheat Sheet's equivalent Argon2id settings: (KiB, passes).
OWASP_ARGON2ID_FLOOR = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))
MAX_MEMORY_KIB = 4 * 1024 * 1024
#: The vault passphrase floor: this many characters and this zxcvbn score (0-4).
MIN_PASSPHRASE_CHARS = 10
MIN_PASSPHRASE_SCORE = 3
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
        """Fresh parameters; refused below the OWASP Argon2id floor (issue 10, attack 10).
        Between the floor rows, passes are raised to the row the memory cost meets."""
        return cls(
            salt=os.urandom(16),
            memory_kib=memory_kib,
            iterations=max(DEFAULT_ITERATIONS, passes_for(memory_kib)),
        )

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


def passes_for(memory_kib: int) -> int:
    """The fewest Argon2id passes OWASP accepts at ``memory_kib``; ConfigError below the
    floor or above the sane maximum."""
    if not 0 < memory_kib <= MAX_MEMORY_KIB:
        raise ConfigError(
            f"PIPLVAULT_KDF_MEMORY_KIB={memory_kib} is out of range; use "
            f"{OWASP_ARGON2ID_FLOOR[1][0]}..{MAX_MEMORY_KIB} (default {DEFAULT_MEMORY_KIB})"
        )
    for floor_kib, passes in OWASP_ARGON2ID_FLOOR:
        if memory_kib >= floor_kib:
            return passes
    lowest = OWASP_ARGON2ID_FLOOR[-1][0]
    raise ConfigError(
        f"PIPLVAULT_KDF_MEMORY_KIB={memory_kib} is below the OWASP Argon2id floor "
        f"({lowest} KiB; 19456 KiB with 2 passes is the usual minimum); nothing was "
        f"created — use the default {DEFAULT_MEMORY_KIB} or at least 19456"
    )


def check_passphrase_strength(passphrase: str) -> None:
    """Refuse a weak vault passphrase (length floor and a zxcvbn strength estimate)."""
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # only at init or change

    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise ConfigError(
            f"The vault passphrase is too short ({len(passphrase)} characters; at least "
            f"{MIN_PASSPHRASE_CHARS}); use several unrelated words — nothing was created"
        )
    estimate = zxcvbn(passphrase[:100])
    if int(estimate["score"]) < MIN_PASSPHRASE_SCORE:
        hint = estimate["feedback"].get("warning") or "it is easy to guess"
        raise ConfigError(
            f"The vault passphrase is too weak ({hint.rstrip('.')}; strength "
            f"{estimate['score']}/4, at least {MIN_PASSPHRASE_SCORE} needed); use several "
            "unrelated words — nothing was created"
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
