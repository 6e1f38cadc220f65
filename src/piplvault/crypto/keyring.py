"""The vault key hierarchy: master key → vault keys → per-customer data keys (DEKs).

Vault keys (field-encryption root ``kek``, blind-index key ``blind``, Ed25519 ``signing``) are
random, versioned, and stored only wrapped under the master key. DEKs are random per customer
and stored only wrapped under the current ``kek`` version. Destroying a customer's wrapped DEK
crypto-shreds every value encrypted under it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from piplvault.crypto.aead import Sealer, new_key
from piplvault.errors import IntegrityError, WrongPassphraseError

KEY_PURPOSES = ("kek", "blind", "signing")


@dataclass(frozen=True, slots=True, kw_only=True)
class WrappedKey:
    purpose: str
    version: int
    blob: bytes


def _key_aad(purpose: str, version: int) -> bytes:
    return f"piplvault/vault-key/{purpose}/v{version}".encode()


def _dek_aad(customer_id: int, kek_version: int) -> bytes:
    return f"piplvault/dek/{customer_id}/kek-v{kek_version}".encode()


def _field_aad(customer_id: int, field: str, version: int, dek_version: int) -> bytes:
    return f"{customer_id}\x1f{field}\x1f{version}\x1f{dek_version}".encode()


def new_vault_keys(master: bytes) -> list[WrappedKey]:
    """Fresh version-1 vault keys, wrapped under ``master``."""
    sealer = Sealer(master)
    return [
        WrappedKey(purpose=p, version=1, blob=sealer.seal(new_key(), _key_aad(p, 1)))
        for p in KEY_PURPOSES
    ]


class SealingKeys:
    """What an import worker process needs: the current KEK to wrap new DEKs and the
    blind-index key. Picklable (sent to worker processes through a pipe, never stored)."""

    __slots__ = (
        "_blind",
        "_blind_mac",
        "_kek",
        "_record_mac",
        "_sealer",
        "kek_version",
    )

    def __init__(self, kek: bytes, kek_version: int, blind: bytes) -> None:
        self._kek = kek
        self.kek_version = kek_version
        self._blind = blind
        self._sealer = Sealer(kek)
        self._blind_mac = hmac.new(blind, digestmod=hashlib.sha256)
        self._record_mac = hmac.new(_derive(blind, RECORD_MAC_INFO), digestmod="sha256")

    def __reduce__(self) -> tuple[type[SealingKeys], tuple[bytes, int, bytes]]:
        return (SealingKeys, (self._kek, self.kek_version, self._blind))

    def wrap_dek(self, customer_id: int, dek: bytes) -> bytes:
        return self._sealer.seal(dek, _dek_aad(customer_id, self.kek_version))

    def blind_tag(self, kind: str, normalised: str) -> bytes:
        """HMAC-SHA256 tag (first 16 bytes) of a normalised value, domain-separated by kind."""
        mac = self._blind_mac.copy()
        mac.update(kind.encode() + b"\x00" + normalised.encode("utf-8"))
        return mac.digest()[:16]

    def record_mac(self, customer_id: int, data: bytes) -> bytes:
        """MAC over a customer's packed record (its field → version → ciphertext map),
        bound to the customer id: a field dropped, a superseded version copied back or
        another customer's record swapped in no longer matches (issue 10, attack 4)."""
        mac = self._record_mac.copy()
        mac.update(b"record\x00" + str(customer_id).encode() + b"\x00" + data)
        return mac.digest()[:16]

    def index_mac(self, kind: str, tag: bytes, customer_id: int) -> bytes:
        """MAC over one blind-index row: a tag pointed at another customer fails."""
        mac = self._record_mac.copy()
        mac.update(
            b"index\x00" + kind.encode() + b"\x00" + tag + str(customer_id).encode()
        )
        return mac.digest()[:16]


#: HKDF info for the record/index MAC key, derived from the blind-index key.
RECORD_MAC_INFO = b"piplvault/record-mac/v1"


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


class Keyring:
    """Unwrapped vault keys for one open vault. Holds secrets: never logged, never stored."""

    def __init__(self, master: bytes, wrapped: list[WrappedKey]) -> None:
        sealer = Sealer(master)
        self._keys: dict[tuple[str, int], bytes] = {}
        for key in wrapped:
            try:
                raw = sealer.open(
                    key.blob, _key_aad(key.purpose, key.version), what="key"
                )
            except IntegrityError as exc:
                raise WrongPassphraseError(
                    "Wrong passphrase: it does not unlock this vault; nothing was changed"
                ) from exc
            self._keys[(key.purpose, key.version)] = raw
        missing = [p for p in KEY_PURPOSES if self.current_version(p) == 0]
        if missing:
            raise IntegrityError(
                f"Vault key store is missing keys: {', '.join(missing)}"
            )
        self.kek_version = self.current_version("kek")
        self._kek = {v: Sealer(k) for (p, v), k in self._keys.items() if p == "kek"}
        self.sealing = SealingKeys(
            self._keys[("kek", self.kek_version)],
            self.kek_version,
            self._keys[("blind", self.current_version("blind"))],
        )
        signing_raw = self._keys[("signing", self.current_version("signing"))]
        self.signing_key = Ed25519PrivateKey.from_private_bytes(signing_raw)
        self.exchange_key = derive_exchange_key(signing_raw)
        self.sealed = False

    def signing_public_keys(self) -> tuple[Ed25519PublicKey, ...]:
        """The public half of every signing-key version this vault holds (pinning)."""
        return tuple(
            Ed25519PrivateKey.from_private_bytes(raw).public_key()
            for (purpose, _v), raw in sorted(self._keys.items())
            if purpose == "signing"
        )

    def current_version(self, purpose: str) -> int:
        return max((v for (p, v) in self._keys if p == purpose), default=0)

    def wipe(self) -> None:
        """Drop every unwrapped key (sealing the server). Best effort: ``bytes`` objects are
        immutable in Python and copies may survive in freed memory until it is reused."""
        self._keys.clear()
        self._kek.clear()
        self.kek_version = 0
        self.sealed = True

    # --- customer data keys -----------------------------------------------------------
    def wrap_dek(self, customer_id: int, dek: bytes) -> bytes:
        return self.sealing.wrap_dek(customer_id, dek)

    def unwrap_dek(self, customer_id: int, blob: bytes, kek_version: int) -> bytes:
        sealer = self._kek.get(kek_version)
        if sealer is None:
            raise IntegrityError(
                f"customer {customer_id}: data key wrapped under unknown key version "
                f"{kek_version}"
            )
        return sealer.open(
            blob,
            _dek_aad(customer_id, kek_version),
            what=f"customer {customer_id} data key",
        )

    # --- blind indexes ----------------------------------------------------------------
    def blind_tag(self, kind: str, normalised: str) -> bytes:
        """HMAC-SHA256 tag (first 16 bytes) of a normalised value, domain-separated by kind."""
        return self.sealing.blind_tag(kind, normalised)


class FieldCipher:
    """Encrypts one customer's field values under its DEK, bound to (customer, field, versions)."""

    __slots__ = ("_customer_id", "_dek_version", "_sealer")

    def __init__(self, customer_id: int, dek: bytes, dek_version: int = 1) -> None:
        self._customer_id = customer_id
        self._dek_version = dek_version
        self._sealer = Sealer(dek)

    def encrypt(self, field: str, version: int, value: str) -> bytes:
        aad = _field_aad(self._customer_id, field, version, self._dek_version)
        return self._sealer.seal(value.encode("utf-8"), aad)

    def decrypt(self, field: str, version: int, blob: bytes) -> str:
        aad = _field_aad(self._customer_id, field, version, self._dek_version)
        what = f"customer {self._customer_id} field '{field}' v{version}"
        return self._sealer.open(blob, aad, what=what).decode("utf-8")


# --- lifecycle (issue 5): sealing under the KEK, rotation -------------------------------


def wrap_vault_key(master: bytes, purpose: str, version: int, raw: bytes) -> WrappedKey:
    """Wrap one raw vault key under ``master`` (used by key rotation)."""
    blob = Sealer(master).seal(raw, _key_aad(purpose, version))
    return WrappedKey(purpose=purpose, version=version, blob=blob)


def rewrap_vault_keys(keyring: Keyring, new_master: bytes) -> list[WrappedKey]:
    """Every vault key of ``keyring`` wrapped under ``new_master`` (passphrase change)."""
    raw = keyring._keys  # same module: the keyring's own secrets
    return [wrap_vault_key(new_master, p, v, k) for (p, v), k in sorted(raw.items())]


def seal_with_kek(keyring: Keyring, plaintext: bytes, aad: bytes) -> tuple[int, bytes]:
    """Seal ``plaintext`` under the current KEK; returns (kek version, blob)."""
    version = keyring.kek_version
    return version, keyring._kek[version].seal(plaintext, b"kek-sealed\x00" + aad)


def open_with_kek(
    keyring: Keyring, blob: bytes, aad: bytes, version: int, *, what: str
) -> bytes:
    """Open a blob sealed by :func:`seal_with_kek`; IntegrityError names ``what``."""
    sealer = keyring._kek.get(version)
    if sealer is None:
        raise IntegrityError(
            f"{what}: sealed under key-encryption key v{version}, which this vault no "
            "longer has (retired)"
        )
    return sealer.open(blob, b"kek-sealed\x00" + aad, what=what)


def key_versions(keyring: Keyring) -> list[tuple[str, int]]:
    return sorted(keyring._keys)


def derive_exchange_key(signing_raw: bytes) -> X25519PrivateKey:
    """The vault's X25519 key for receiving handover packages, derived from its signing
    seed with HKDF-SHA256 (domain-separated), so it needs no storage of its own and follows
    signing-key rotation."""
    seed = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"piplvault/x25519-exchange/v1",
    ).derive(signing_raw)
    return X25519PrivateKey.from_private_bytes(seed)
