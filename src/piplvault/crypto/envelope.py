"""Seal a payload to a recipient's X25519 public key and sign it with the sender's Ed25519 key.

Hybrid encryption: an ephemeral X25519 key agrees a secret with the recipient's key; HKDF-SHA256
(salt = ephemeral ‖ recipient public keys) derives an AES-256-GCM key; the header is the
associated data. The Ed25519 signature covers the header and the ciphertext's SHA-256, so any
edited byte, or a package re-addressed to someone else, fails verification.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from piplvault.core.canonical import canonical_json
from piplvault.errors import IntegrityError

FORMAT = "piplvault-envelope/1"


@dataclass(frozen=True, slots=True)
class Opened:
    header: dict[str, Any]
    payload: bytes


def raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: X25519PublicKey | Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()[:32]


def exchange_pem(key: X25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_exchange_pem(data: bytes) -> X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise IntegrityError("The recipient key is not a PEM public key") from exc
    if not isinstance(key, X25519PublicKey):
        raise IntegrityError(
            "The recipient key is not an X25519 key "
            "(export it with 'piplvault keys exchange')"
        )
    return key


def load_signing_pem(data: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise IntegrityError("The sender key is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise IntegrityError(
            "The sender key is not an Ed25519 key "
            "(export it with 'piplvault keys public')"
        )
    return key


def _aead_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral + recipient,
        info=b"piplvault/envelope/v1",
    ).derive(shared)


def _signed_bytes(header: dict[str, Any], ciphertext: bytes) -> bytes:
    return canonical_json(header) + hashlib.sha256(ciphertext).digest()


def seal(
    payload: bytes,
    *,
    recipient: X25519PublicKey,
    sender: Ed25519PrivateKey,
    header: dict[str, Any],
) -> bytes:
    """The envelope document (JSON bytes) for ``payload``."""
    ephemeral = X25519PrivateKey.generate()
    eph_raw = raw_public(ephemeral.public_key())
    full = {
        **header,
        "format": FORMAT,
        "ephemeral": base64.b64encode(eph_raw).decode(),
        "recipient_fingerprint": fingerprint(recipient),
        "sender_fingerprint": fingerprint(sender.public_key()),
        "nonce": base64.b64encode(os.urandom(12)).decode(),
    }
    key = _aead_key(ephemeral.exchange(recipient), eph_raw, raw_public(recipient))
    ciphertext = AESGCM(key).encrypt(
        base64.b64decode(full["nonce"]), payload, canonical_json(full)
    )
    signature = sender.sign(_signed_bytes(full, ciphertext))
    return _document_bytes(
        {
            "header": full,
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "signature": base64.b64encode(signature).decode(),
        }
    )


def _document_bytes(document: dict[str, Any]) -> bytes:
    """The one byte form of an envelope document: the sender writes it, the recipient
    accepts nothing else (so the file's SHA-256 names the package unambiguously)."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def read_header(document: bytes) -> dict[str, Any]:
    return dict(_parse(document)[0])


def open_envelope(
    document: bytes, *, recipient: X25519PrivateKey, sender: Ed25519PublicKey
) -> Opened:
    """Verify the signature, the addressee and the ciphertext; return header and payload."""
    header, ciphertext, signature = _parse(document)
    try:
        sender.verify(signature, _signed_bytes(header, ciphertext))
    except InvalidSignature as exc:
        raise IntegrityError(
            "Package signature is invalid: it was altered or was not "
            "signed by the given sender key"
        ) from exc
    if header.get("recipient_fingerprint") != fingerprint(recipient.public_key()):
        raise IntegrityError(
            "Package is addressed to another recipient (its recipient key "
            "fingerprint is not this vault's); nothing was imported"
        )
    eph = base64.b64decode(header["ephemeral"])
    key = _aead_key(
        recipient.exchange(X25519PublicKey.from_public_bytes(eph)),
        eph,
        raw_public(recipient.public_key()),
    )
    try:
        payload = AESGCM(key).decrypt(
            base64.b64decode(header["nonce"]), ciphertext, canonical_json(header)
        )
    except InvalidTag as exc:
        raise IntegrityError("Package contents failed authentication") from exc
    return Opened(header=header, payload=payload)


def _parse(document: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    try:
        data = json.loads(document)
        header = data["header"]
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError("format")  # a list, a string… is not a header (attack 16)
        parsed = (
            header,
            base64.b64decode(data["ciphertext"], validate=True),
            base64.b64decode(data["signature"], validate=True),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IntegrityError(
            "Not a piplvault package (unreadable or truncated)"
        ) from exc
    if _document_bytes(data) != document:
        raise IntegrityError(
            "Package file was edited after it was signed (its bytes are not the "
            "sender's canonical form, so its SHA-256 no longer names the package); "
            "refused before anything was imported — ask the sender for the original file"
        )
    return parsed
