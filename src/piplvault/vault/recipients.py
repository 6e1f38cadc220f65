"""The register of recipients PI is provided to (PIPL Art. 23; Arts. 38-39 abroad): name,
contact, USCC or foreign registration, contract, purposes, fields, country, the pinned keys
(as a transfer counterparty's, vault/counterparty.py) and, abroad, the export mechanism."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault import discovery
from piplvault.core import crossborder
from piplvault.errors import NotFoundError, ValidationError, VaultExistsError
from piplvault.store import recipients as store
from piplvault.store.engine import Connection
from piplvault.vault import counterparty, policy
from piplvault.vault.records import load_field_defs

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

ACTION = "share"
EXCHANGE_PEM = "exchange_pem"


def _split(text: str) -> list[str]:
    return sorted({p.strip() for p in text.split(",") if p.strip()})


def mechanism_record(
    kind: str | None,
    reference: str | None,
    expires: str | None,
    pipia: str | None,
    now: str,
) -> dict[str, Any] | None:
    """A cross-border mechanism as recorded: type, evidence, expiry, linked PIPIA."""
    if kind is None:
        if reference or expires:
            raise ValidationError(
                "A mechanism's evidence and expiry need the mechanism type",
                field="mechanism",
            )
        return None
    if kind not in crossborder.MECHANISMS:
        raise ValidationError(
            f"Unknown mechanism '{kind}'; mechanisms: {', '.join(crossborder.MECHANISMS)}"
        )
    if not reference or not reference.strip():
        raise ValidationError(
            "A mechanism needs its evidence: assessment approval, SCC "
            "filing number, certificate number, or the exemption ground (R-38-1)",
            field="mechanism_ref",
        )
    until = None
    if expires:
        try:
            until = dt.date.fromisoformat(expires).isoformat()
        except ValueError as exc:
            raise ValidationError(
                "The mechanism's expiry must be a date like 2029-11-30",
                field="mechanism_expires",
            ) from exc
    return {
        "type": kind,
        "reference": reference.strip(),
        "expires": until,
        "pipia": (pipia or "").strip(),
        "recorded_at": now,
    }


def add(
    vault: Vault,
    *,
    name: str,
    identifier: str,
    contact: str,
    country: str,
    contract: str,
    purposes: str,
    fields: str,
    exchange_key: bytes,
    signing_key: bytes | None = None,
    mechanism: str | None = None,
    mechanism_ref: str | None = None,
    mechanism_expires: str | None = None,
    pipia: str | None = None,
) -> dict[str, Any]:
    """Register a recipient; its exchange key is pinned (exports are sealed to it)."""
    country = country.strip().upper()
    identifier = identifier.strip().upper() if country == "CN" else identifier.strip()
    if not (name.strip() and contact.strip() and contract.strip() and identifier):
        raise ValidationError(
            "A recipient needs a name, an identifier, a contact and a contract",
            field=next(
                k
                for k, v in (
                    ("name", name),
                    ("identifier", identifier),
                    ("contact", contact),
                    ("contract", contract),
                )
                if not v.strip()
            ),
        )
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(
            "The country is a two-letter code: CN (mainland), US, DE, HK…",
            field="country",
        )
    if not crossborder.is_abroad(country) and not discovery.validate(
        "CN_USCC", identifier
    ):
        raise ValidationError(
            "The identifier of a mainland recipient must be its unified social credit "
            "code",
            field="identifier",
        )
    if not crossborder.is_abroad(country) and mechanism is not None:
        raise ValidationError("A mechanism is recorded only for a recipient abroad")
    party: dict[str, Any] = {}
    counterparty.pin(party, signing_pem=signing_key, exchange_pem=exchange_key)
    party[EXCHANGE_PEM] = exchange_key.decode("ascii")
    purpose_keys, field_keys = _split(purposes), _split(fields)
    if not purpose_keys or not field_keys:
        raise ValidationError(
            "Give the registered purposes and fields",
            field="purposes" if not purpose_keys else "fields",
        )
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        if store.find_by_identifier(conn, identifier) is not None:
            raise VaultExistsError(
                f"A recipient with identifier {identifier} is already registered"
            )
        purpose_keys = [policy.resolve_purpose(conn, p).key for p in purpose_keys]
        _check_fields(conn, field_keys)
        now = vault.now()
        party["mechanism"] = mechanism_record(
            mechanism, mechanism_ref, mechanism_expires, pipia, now
        )
        recipient_id = store.next_recipient_id(conn)
        store.insert_recipient(
            conn,
            id=recipient_id,
            name=name.strip(),
            identifier=identifier,
            contact=contact.strip(),
            country=country,
            contract=contract.strip(),
            purposes=",".join(purpose_keys),
            fields=",".join(field_keys),
            details=json.dumps(party, ensure_ascii=False),
            created_at=now,
            created_by=vault.actor,
        )
        vault.record(
            conn,
            action="recipient-added",
            target=f"recipient:{recipient_id}",
            details={
                "identifier": identifier,
                "country": country,
                "purposes": purpose_keys,
                "fields": field_keys,
                "pinned": counterparty.pinned(party),
                "mechanism": (party["mechanism"] or {}).get("type"),
            },
        )
        return describe(conn, recipient_id)


def set_mechanism(
    vault: Vault,
    recipient_id: str,
    *,
    mechanism: str,
    reference: str,
    expires: str | None,
    pipia: str | None,
) -> dict[str, Any]:
    """Record (or renew) a recipient's cross-border mechanism."""
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        row = load(conn, recipient_id)
        if not crossborder.is_abroad(str(row.country)):
            raise ValidationError(f"Recipient {recipient_id} is in mainland China")
        party = json.loads(row.details)
        party["mechanism"] = mechanism_record(
            mechanism, reference, expires, pipia, vault.now()
        )
        store.update_details(conn, recipient_id, json.dumps(party, ensure_ascii=False))
        vault.record(
            conn,
            action="recipient-mechanism",
            target=f"recipient:{recipient_id}",
            details={"mechanism": mechanism, "expires": party["mechanism"]["expires"]},
        )
        return describe(conn, recipient_id)


def _check_fields(conn: Connection, keys: list[str]) -> None:
    defs = load_field_defs(conn)
    unknown = [k for k in keys if k not in defs]
    if unknown:
        raise ValidationError(
            f"Unknown field '{unknown[0]}'; fields: {', '.join(sorted(defs)) or 'none yet'}"
        )


def load(conn: Connection, recipient_id: str) -> Any:
    row = store.load_recipient(conn, recipient_id)
    if row is None:
        raise NotFoundError(
            f"No recipient '{recipient_id}'; see 'piplvault recipients list'"
        )
    return row


def describe(conn: Connection, recipient_id: str) -> dict[str, Any]:
    """The register entry, pinned fingerprints and exports made (no personal data)."""
    row = load(conn, recipient_id)
    party = json.loads(row.details)
    exports = store.exports_of(conn, recipient_id)
    return {
        "id": row.id,
        "name": row.name,
        "identifier": row.identifier,
        "contact": row.contact,
        "country": row.country,
        "abroad": crossborder.is_abroad(str(row.country)),
        "contract": row.contract,
        "purposes": [p for p in str(row.purposes).split(",") if p],
        "fields": [f for f in str(row.fields).split(",") if f],
        "pinned": counterparty.pinned(party),
        "mechanism": party.get("mechanism"),
        "exports": [
            {
                "at": e.at,
                "purpose": e.purpose,
                "customers": int(e.customers),
                "sha256": e.sha256,
                "actor": e.actor,
            }
            for e in exports
        ],
    }


def list_recipients(vault: Vault) -> list[dict[str, Any]]:
    with vault.reading(ACTION, "report") as conn:
        return [describe(conn, str(r.id)) for r in store.list_recipients(conn)]


def show(vault: Vault, recipient_id: str) -> dict[str, Any]:
    with vault.reading(ACTION, "report") as conn:
        return describe(conn, recipient_id)


def read_key(path: Path | None) -> bytes | None:
    return None if path is None else path.read_bytes()
