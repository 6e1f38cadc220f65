"""Provide PI to a registered recipient (PIPL Art. 23, R-23-1; abroad Arts. 38-39, R-38-1,
R-39-1, R-XB-1): per customer a live separate consent naming that recipient (and, abroad,
a separate cross-border consent naming it), fields minimised to the registered fields of
the purpose, sealed to the recipient's pinned X25519 key, signed, and logged (R-NDS-12-1).

Abroad, the year's distinct persons and sensitive-PI persons (from 1 January, this export
included) decide the mechanism needed; an export the recorded mechanism does not cover, or
whose mechanism expired or lacks its PIPIA, is refused (audited) and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core import crossborder
from piplvault.core.canonical import canonical_json
from piplvault.core.cases import categories_for
from piplvault.crypto import envelope
from piplvault.errors import PermissionDeniedError, ValidationError, VaultError
from piplvault.io.private_files import write_private
from piplvault.store import recipients as store
from piplvault.store.engine import Connection
from piplvault.vault import company, counterparty, policy
from piplvault.vault.recipients import ACTION, EXCHANGE_PEM, load
from piplvault.vault.records import load_field_defs, load_plain, require_customer

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

FORMAT = "piplvault-share/1"


def rules(vault: Vault) -> crossborder.CrossBorderRules:
    return crossborder.CrossBorderRules.parse(
        vault.settings.crossborder_thresholds,
        cii=vault.settings.incident_operator == "cii",
    )


def _refuse(error: VaultError, recipient_id: str, purpose: str) -> VaultError:
    info = {"action": "share-export", "target": f"recipient:{recipient_id}",
            "purpose": purpose, "fields": []}  # fmt: skip
    setattr(error, "audit", info)  # noqa: B010  read back with getattr by Vault.write
    return error


def flags_for(row: Any) -> tuple[set[str], set[str]]:
    """The separate-consent flags that name this recipient (Art. 23; abroad Art. 39)."""
    names = {str(row.identifier), str(row.id)}
    return {f"third-party:{n}" for n in names}, {f"cross-border:{n}" for n in names}


def export(
    vault: Vault,
    recipient_id: str,
    *,
    purpose: str,
    customers: list[int] | None,
    out: Path,
) -> dict[str, Any]:
    """Seal the minimised data of ``customers`` (default: every customer whose consent
    names this recipient for ``purpose``) to the recipient; audited either way."""
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        row = load(conn, recipient_id)
        resolved = policy.resolve_purpose(conn, purpose)
        registered = [p for p in str(row.purposes).split(",") if p]
        if resolved.key not in registered:
            raise _refuse(
                PermissionDeniedError(
                    f"Purpose '{resolved.key}' is not registered for recipient "
                    f"{recipient_id} (registered: {', '.join(registered)})",
                    reason="purpose-not-registered",
                ),
                recipient_id,
                resolved.key,
            )
        defs = load_field_defs(conn)
        allowed = categories_for([resolved.key])
        keep = sorted(
            k
            for k in str(row.fields).split(",")
            if k in defs and defs[k].category in allowed
        )
        if not keep:
            raise ValidationError(
                f"No registered field of recipient {recipient_id} serves purpose "
                f"'{resolved.key}' (categories {', '.join(sorted(allowed))})"
            )
        abroad = crossborder.is_abroad(str(row.country))
        third, cross = flags_for(row)
        ids = customers if customers else _consented(conn, resolved, third)
        if not ids:
            raise ValidationError(
                f"No customer has a separate consent naming recipient {recipient_id} "
                f"for '{resolved.key}' ('piplvault consents grant … --separate "
                f"third-party:{row.identifier}'); nothing was exported"
            )
        people: dict[int, bool] = {}
        items = []
        for cid in sorted(set(ids)):
            require_customer(conn, cid)
            _check_consent(conn, cid, resolved, third, cross if abroad else set(), row)
            _facts, plain = load_plain(conn, vault.keyring, cid)
            fields = {k: plain[k][0] for k in keep if k in plain}
            policy.authorize(
                vault, conn, action="export", purpose=resolved, customer_id=cid,
                fields=[defs[k] for k in fields],
            )  # fmt: skip
            people[cid] = any(defs[k].sensitivity == "sensitive" for k in fields)
            items.append({"id": cid, "fields": fields})
        volume = _check_abroad(vault, conn, row, people) if abroad else None
        party = json.loads(row.details)
        payload = {
            "format": FORMAT,
            "manifest": {
                "recipient": {k: row._mapping[k] for k in ("id", "name", "identifier",
                                                           "contact", "country")},
                "sender": company.of(vault, conn).to_dict(),
                "purpose": resolved.key,
                "fields": keep,
                "customers": len(items),
                "created_at": vault.now(),
                "legal_basis": "PIPL Art. 23" + ("; Arts. 38-39" if abroad else ""),
            },
            "customers": items,
        }  # fmt: skip
        document = envelope.seal(
            canonical_json(payload),
            recipient=envelope.load_exchange_pem(party[EXCHANGE_PEM].encode("ascii")),
            sender=vault.keyring.signing_key,
            header={"kind": "share", "recipient_id": recipient_id,
                    "customers": len(items), "sender_public_key": vault.public_key_pem()},
        )  # fmt: skip
        write_private(out, document)
        digest = hashlib.sha256(document).hexdigest()
        store.insert_export(
            conn, people=people, recipient_id=recipient_id, at=vault.now(),
            actor=vault.actor, purpose=resolved.key, customers=len(items),
            fields=",".join(keep), cross_border=int(abroad), sha256=digest,
        )  # fmt: skip
        vault.record(
            conn,
            action="share-exported",
            target=f"recipient:{recipient_id}",
            purpose=resolved.key,
            details={
                "customer_ids": sorted(people),
                "fields": keep,
                "sha256": digest,
                "cross_border": abroad,
                "volume": volume,
                "pinned": counterparty.pinned(party),
            },
        )
    return {
        "recipient": recipient_id,
        "out": str(out),
        "sha256": digest,
        "customers": len(items),
        "fields": keep,
        "cross_border": abroad,
        "volume": volume,
        "pinned": counterparty.pinned(party),
    }


def _consented(
    conn: Connection, purpose: policy.PurposeDef, flags: set[str]
) -> list[int]:
    """Customers whose effective (latest, not withdrawn) consent for ``purpose`` names
    the recipient; each is checked again, with every other rule, by the caller."""
    candidates = {
        cid
        for cid, separate in store.live_consent_flags(conn, purpose.key)
        if flags & set(separate.split(","))
    }
    found = []
    for cid in sorted(candidates):
        basis = policy.customer_basis(conn, cid, purpose)
        if basis is not None and basis.withdrawn_on is None and flags & basis.separate:
            found.append(cid)
    return found


def _check_consent(
    conn: Connection,
    cid: int,
    purpose: policy.PurposeDef,
    third: set[str],
    cross: set[str],
    row: Any,
) -> None:
    basis = policy.customer_basis(conn, cid, purpose)
    live = basis is not None and basis.withdrawn_on is None
    separate = set(basis.separate) if basis is not None else set()
    missing = None
    if not live or not third & separate:
        missing = f"third-party:{row.identifier}"
        why = "PIPL Art. 23"
    elif cross and not cross & separate:
        missing = f"cross-border:{row.identifier}"
        why = "PIPL Art. 39"
    if missing is not None:
        raise _refuse(
            PermissionDeniedError(
                f"Customer {cid} has no live separate consent '{missing}' for purpose "
                f"'{purpose.key}' ({why}); nothing was exported",
                reason="separate-consent-missing",
            ),
            str(row.id),
            purpose.key,
        )


def _check_abroad(
    vault: Vault, conn: Connection, row: Any, people: dict[int, bool]
) -> dict[str, Any]:
    """The year's volume with this export, the mechanism it needs, and the check."""
    today = vault.clock.now().date()
    since = dt.datetime(today.year, 1, 1, tzinfo=dt.UTC).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ"
    )
    year = store.abroad_since(conn, since)
    for cid, sensitive in people.items():
        year[cid] = year.get(cid, False) or sensitive
    current = rules(vault)
    persons, sensitive_persons = len(year), sum(year.values())
    need = crossborder.required(persons, sensitive_persons, current)
    mechanism = json.loads(row.details).get("mechanism") or {}
    volume = {
        "since": since[:10],
        "persons": persons,
        "sensitive_persons": sensitive_persons,
        "needs": need,
        "mechanism": mechanism.get("type"),
        "rules": current.to_dict(),
    }
    problem = None
    if not crossborder.covers(mechanism.get("type"), need):
        problem = (
            f"{persons:,} persons ({sensitive_persons:,} with sensitive PI) sent abroad "
            f"since {since[:10]} need '{need}', but recipient {row.id} has "
            f"{mechanism.get('type') or 'no mechanism'} recorded (R-XB-1, PIPL Art. 38)"
        )
    elif mechanism and crossborder.is_expired(
        dt.date.fromisoformat(mechanism["expires"])
        if mechanism.get("expires")
        else None,
        today,
    ):
        problem = (
            f"Recipient {row.id}'s {mechanism['type']} expired on {mechanism['expires']} "
            "(R-XB-3)"
        )
    elif (
        need != "none"
        and mechanism.get("type") != "exemption"
        and not mechanism.get("pipia")
    ):
        problem = (
            f"Recipient {row.id}'s mechanism has no linked PIPIA (PIPL Art. 55(4))"
        )
    if problem is not None:
        raise _refuse(
            PermissionDeniedError(
                problem + "; nothing was exported", reason="cross-border-mechanism"
            ),
            str(row.id),
            "",
        )
    return volume


def abroad_status(vault: Vault) -> dict[str, Any]:
    """Persons and sensitive-PI persons sent abroad since 1 January; what that needs."""
    with vault.reading(ACTION, "report") as conn:
        today = vault.clock.now().date()
        since = f"{today.year:04d}-01-01T00:00:00.000000Z"
        year = store.abroad_since(conn, since)
    current = rules(vault)
    persons, sensitive = len(year), sum(year.values())
    return {
        "since": since[:10],
        "persons": persons,
        "sensitive_persons": sensitive,
        "needs": crossborder.required(persons, sensitive, current),
        "rules": current.to_dict(),
    }
