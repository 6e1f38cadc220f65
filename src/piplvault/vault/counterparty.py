"""Pinned counterparty keys: who may sign for a handover package (issue 10 item 1).

A transfer recipient or deregistration custodian is named on its case. Its Ed25519 signing
key (and the X25519 exchange key the package is sealed to) is *pinned* on the case when it is
named, or at the latest when the package is built: the case stores the signing key and both
fingerprints, and every output shows the fingerprints so that the operator can read them to
the counterparty over the telephone (out of band) before anything is destroyed.

From then on only a receipt that verifies under the pinned key and names that package's
SHA-256, that case and that customer count completes the case. A key supplied on the command
line that is not the pinned one is refused, with nothing destroyed — a receipt signed with a
freshly generated key cannot shred the source data or seal the vault.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature

from piplvault.core.canonical import canonical_json
from piplvault.crypto import envelope
from piplvault.errors import IntegrityError, WorkflowError

SIGNING_PEM = "signing_key"
SIGNING_FP = "signing_fingerprint"
EXCHANGE_FP = "exchange_fingerprint"
RECEIPT_FORMAT = "piplvault-receipt/1"


def readable(fingerprint: str) -> str:
    """A fingerprint in groups of four, to read aloud: ``ab12 cd34 …``."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


def signing_fingerprint(pem: bytes) -> str:
    return envelope.fingerprint(envelope.load_signing_pem(pem))


def exchange_fingerprint(pem: bytes) -> str:
    return envelope.fingerprint(envelope.load_exchange_pem(pem))


def pin(
    party: dict[str, Any],
    *,
    signing_pem: bytes | None = None,
    exchange_pem: bytes | None = None,
    who: str = "recipient",
) -> list[str]:
    """Pin the given keys on ``party`` (in place); return what was newly pinned.

    A key that differs from one already pinned is refused: re-pinning needs a new case."""
    added = []
    if signing_pem is not None:
        fp = signing_fingerprint(signing_pem)
        if party.get(SIGNING_FP) not in (None, fp):
            raise _mismatch(who, "signing", party[SIGNING_FP], fp)
        if SIGNING_FP not in party:
            party[SIGNING_PEM] = signing_pem.decode("ascii")
            party[SIGNING_FP] = fp
            added.append("signing")
    if exchange_pem is not None:
        fp = exchange_fingerprint(exchange_pem)
        if party.get(EXCHANGE_FP) not in (None, fp):
            raise _mismatch(who, "exchange", party[EXCHANGE_FP], fp)
        if EXCHANGE_FP not in party:
            party[EXCHANGE_FP] = fp
            added.append("exchange")
    return added


def _mismatch(who: str, kind: str, pinned: str, given: str) -> IntegrityError:
    return IntegrityError(
        f"The {who}'s {kind} key given ({readable(given)}) is not the key pinned on the "
        f"case ({readable(pinned)}); nothing was changed. Confirm the {who}'s key by "
        "telephone; a different key needs a new case"
    )


def pinned(party: dict[str, Any]) -> dict[str, str]:
    """The pinned fingerprints (for status and the operator to confirm out of band)."""
    return {
        k: readable(str(party[k])) for k in (SIGNING_FP, EXCHANGE_FP) if party.get(k)
    }


def public_party(party: dict[str, Any]) -> dict[str, Any]:
    """The party without the stored PEM (fingerprints kept)."""
    return {k: v for k, v in party.items() if k != SIGNING_PEM}


def require_signing_pin(party: dict[str, Any], who: str, option: str) -> None:
    if not party.get(SIGNING_FP):
        raise WorkflowError(
            f"The {who}'s signing key is not pinned on the case: give it with {option} "
            f"('piplvault keys public' on the {who}'s vault) and confirm its fingerprint "
            "by telephone ('piplvault keys fingerprint' there)"
        )


def verify_receipt(
    party: dict[str, Any],
    receipt: bytes,
    *,
    case_id: str,
    package_sha256: str,
    customers: int,
    supplied_pem: bytes | None = None,
    who: str = "recipient",
) -> dict[str, Any]:
    """The receipt body, if signed by the pinned key and naming this package, case and
    customer count. ``supplied_pem`` (an operator's --…-signing-key) must be the pinned key."""
    if not party.get(SIGNING_FP) or not party.get(SIGNING_PEM):
        raise IntegrityError(
            f"No {who} signing key is pinned on case {case_id}; no receipt can be "
            "accepted (nothing was destroyed)"
        )
    if supplied_pem is not None:
        fp = signing_fingerprint(supplied_pem)
        if fp != party[SIGNING_FP]:
            raise IntegrityError(
                f"The receipt key given ({readable(fp)}) is not the {who}'s key pinned on "
                f"case {case_id} ({readable(party[SIGNING_FP])}); refused, nothing was "
                "destroyed"
            )
    try:
        doc = json.loads(receipt)
        body, signature = doc["receipt"], base64.b64decode(doc["signature"])
        if not isinstance(body, dict):
            raise TypeError("receipt body")
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError("Not a piplvault receipt (unreadable)") from exc
    key = envelope.load_signing_pem(str(party[SIGNING_PEM]).encode("ascii"))
    try:
        key.verify(signature, canonical_json(body))
    except InvalidSignature as exc:
        raise IntegrityError(
            f"The receipt is not signed by the {who}'s key pinned on case {case_id} "
            f"({readable(party[SIGNING_FP])}); refused, nothing was destroyed"
        ) from exc
    expected = {
        "format": RECEIPT_FORMAT,
        "case_id": case_id,
        "package_sha256": package_sha256,
        "customers": customers,
        "recipient_signing_fingerprint": party[SIGNING_FP],
    }
    for field, want in expected.items():
        if body.get(field) != want:
            raise IntegrityError(
                f"The receipt's {field} ({body.get(field)}) is not this case's ({want}); "
                "refused, nothing was destroyed"
            )
    return dict(body)
