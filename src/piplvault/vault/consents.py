"""Purposes and their legal bases; per-customer consents with evidence and withdrawal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault import discovery
from piplvault.core.customers import FIND_KINDS
from piplvault.core.policy import birth_date_from_id
from piplvault.errors import (
    InvalidValueError,
    NotFoundError,
    ValidationError,
)
from piplvault.io.tables import open_table
from piplvault.store import blind_index
from piplvault.store import consents as stored
from piplvault.store.engine import Connection
from piplvault.vault import policy
from piplvault.vault.purposes import (
    BASES,
    add_purpose,
    list_purposes,
    list_purposes_conn,
)
from piplvault.vault.records import (
    check_index_rows,
    customer_exists,
    load_field_defs,
    load_plain,
    require_customer,
)

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

SEPARATE = ("sensitive", "third-party", "public", "cross-border")


def _known_separate(flag: str) -> bool:
    """``sensitive`` …, or ``third-party:RECIPIENT`` — a separate consent to provide data
    to a third party names that recipient (PIPL Art. 23; issue 13 item 5) — or
    ``cross-border:RECIPIENT`` for an overseas recipient (PIPL Art. 39)."""
    kind, sep, named = flag.partition(":")
    if sep:
        return kind in ("third-party", "cross-border") and bool(named.strip())
    return flag in SEPARATE


def grant(
    vault: Vault,
    customer_id: int,
    purpose: str,
    *,
    separate: list[str] | None = None,
    channel: str = "cli",
    notice_version: str = "",
    basis: str = "consent",
    guardian: bool = False,
    at: str | None = None,
) -> dict[str, Any]:
    """Record a consent (or another basis) for one customer and purpose, with evidence."""
    with vault.write() as conn:
        vault.authorize(conn, action="manage-consents")
        row = _grant(
            vault,
            conn,
            customer_id,
            purpose,
            separate=separate or [],
            channel=channel,
            notice_version=notice_version,
            basis=basis,
            guardian=guardian,
            at=at,
        )
    return row


def grant_in(
    vault: Vault,
    conn: Connection,
    customer_id: int,
    purpose: str,
    *,
    separate: list[str],
    channel: str,
    notice_version: str,
    basis: str,
) -> dict[str, Any]:
    """``grant`` inside a caller's transaction (the caller has authorized it)."""
    return _grant(
        vault,
        conn,
        customer_id,
        purpose,
        separate=separate,
        channel=channel,
        notice_version=notice_version,
        basis=basis,
        guardian=False,
        at=None,
    )


def _grant(
    vault: Vault,
    conn: Connection,
    customer_id: int,
    purpose: str,
    *,
    separate: list[str],
    channel: str,
    notice_version: str,
    basis: str,
    guardian: bool,
    at: str | None,
) -> dict[str, Any]:
    resolved = policy.resolve_purpose(conn, purpose)
    bad = sorted(f for f in separate if not _known_separate(f))
    if bad:
        raise ValidationError(
            f"Unknown separate consent '{bad[0]}'; use {', '.join(SEPARATE)} "
            "(third-party names its recipient: third-party:USCC or third-party:CASE; "
            "cross-border:REGISTRATION for an overseas recipient)"
        )
    if basis not in BASES:
        raise ValidationError(
            f"Unknown legal basis '{basis}'; bases: {', '.join(BASES)}"
        )
    if basis == "consent" and not notice_version:
        raise ValidationError(
            "A consent needs the version of the notice that was shown "
            "(PIPL Arts. 14 and 17)",
            field="notice_version",
        )
    require_customer(conn, customer_id)
    # Separate consents accumulate: a new grant keeps earlier separate flags in force.
    previous = policy.latest_consent(conn, customer_id, resolved.key)
    flags = set(separate)
    if previous is not None and previous.withdrawn_at is None:
        flags |= set(filter(None, previous.separate.split(",")))
    granted_at = at or vault.now()
    stored.insert_consent(
        conn,
        customer_id=customer_id,
        purpose=resolved.key,
        basis=basis,
        granted_at=granted_at,
        channel=channel,
        notice_version=notice_version,
        operator=vault.actor,
        separate=",".join(sorted(flags)),
        guardian=int(guardian),
    )
    details = {
        "basis": basis,
        "separate": sorted(flags),
        "channel": channel,
        "notice_version": notice_version,
        "guardian": guardian,
    }
    vault.record(
        conn,
        action="consent-granted",
        target=f"customer:{customer_id}",
        purpose=resolved.key,
        details=details,
    )
    return {
        "customer_id": customer_id,
        "purpose": resolved.key,
        "granted_at": granted_at,
        **details,
    }


def withdraw(
    vault: Vault,
    customer_id: int,
    purpose: str,
    *,
    channel: str = "cli",
    at: str | None = None,
) -> dict[str, Any]:
    """Withdraw consent; every later read for this purpose is refused at once."""
    with vault.write() as conn:
        vault.authorize(conn, action="manage-consents")
        result = _withdraw(vault, conn, customer_id, purpose, channel=channel, at=at)
    return result


def withdraw_in(
    vault: Vault, conn: Connection, customer_id: int, purpose: str, *, channel: str
) -> dict[str, Any]:
    """Withdraw inside the caller's audited transaction (a rights request's fulfilment)."""
    return _withdraw(vault, conn, customer_id, purpose, channel=channel, at=None)


def _withdraw(
    vault: Vault,
    conn: Connection,
    customer_id: int,
    purpose: str,
    *,
    channel: str,
    at: str | None,
) -> dict[str, Any]:
    resolved = policy.resolve_purpose(conn, purpose)
    require_customer(conn, customer_id)
    latest = policy.latest_consent(conn, customer_id, resolved.key)
    when = at or vault.now()
    if latest is None:
        # Withdrawal without a recorded consent still binds: record it as such.
        stored.insert_consent(
            conn,
            customer_id=customer_id,
            purpose=resolved.key,
            basis="consent",
            granted_at=when,
            channel=channel,
            notice_version="",
            operator=vault.actor,
            withdrawn_at=when,
            withdraw_channel=channel,
        )
    elif latest.withdrawn_at is None:
        stored.mark_withdrawn(conn, latest.id, at=when, channel=channel)
    vault.record(
        conn,
        action="consent-withdrawn",
        target=f"customer:{customer_id}",
        purpose=resolved.key,
        details={"channel": channel},
    )
    return {
        "customer_id": customer_id,
        "purpose": resolved.key,
        "withdrawn_at": when,
        "channel": channel,
    }


def show(vault: Vault, customer_id: int) -> dict[str, Any]:
    """Every consent record of a customer, and the effective basis per purpose."""
    with vault.write() as conn:
        vault.authorize(conn, action="manage-consents")
        require_customer(conn, customer_id)
        records = [
            {
                "purpose": r.purpose,
                "basis": r.basis,
                "granted_at": r.granted_at,
                "channel": r.channel,
                "notice_version": r.notice_version,
                "operator": r.operator,
                "separate": list(filter(None, r.separate.split(","))),
                "guardian": bool(r.guardian),
                "withdrawn_at": r.withdrawn_at,
                "withdraw_channel": r.withdraw_channel,
            }
            for r in stored.consents_of(conn, customer_id)
        ]
        effective = {}
        for p in list_purposes_conn(conn):
            basis = policy.customer_basis(conn, customer_id, p)
            effective[p.key] = (
                None
                if basis is None
                else {
                    "basis": basis.basis,
                    "withdrawn_on": basis.withdrawn_on.isoformat()
                    if basis.withdrawn_on
                    else None,
                    "separate": sorted(basis.separate),
                }
            )
        vault.record(conn, action="consents-read", target=f"customer:{customer_id}")
    return {"customer_id": customer_id, "records": records, "effective": effective}


def import_consents(
    vault: Vault,
    path: Path,
    *,
    match: str,
    match_column: str,
    purpose: str | None = None,
    purpose_column: str | None = None,
    granted_column: str | None = None,
    withdrawn_column: str | None = None,
    channel: str = "import",
    notice_version: str = "",
    separate: list[str] | None = None,
) -> dict[str, Any]:
    """Import consents from a table, mapping columns; all rows or none (one transaction).

    Customers are matched by ``match`` (id, id_number, phone, email, uscc) on the value in
    ``match_column``; a row naming an unknown customer is an error naming its row.
    """
    if match != "id" and match not in FIND_KINDS:
        raise ValidationError(
            f"Match by id or one of {', '.join(FIND_KINDS)}", field="match"
        )
    if (purpose is None) == (purpose_column is None):
        raise ValidationError(
            "Give exactly one of a purpose and a purpose column", field="purpose"
        )
    table = open_table(path)
    for column in (match_column, purpose_column, granted_column, withdrawn_column):
        if column is not None and column not in table.headers:
            raise ValidationError(
                f"{path.name}: no column '{column}'; columns: "
                f"{', '.join(table.headers)}"
            )
    index = {h: i for i, h in enumerate(table.headers)}
    granted = withdrawn = 0
    with vault.write() as conn:
        vault.authorize(conn, action="manage-consents")
        for row_no, cells in enumerate(table.rows(), start=2):
            key = cells[index[match_column]].strip()
            customer_id = _match_customer(vault, conn, match, key)
            if customer_id is None:
                raise InvalidValueError(
                    "matches no customer; nothing was imported",
                    file=path.name,
                    row=row_no,
                    column=match_column,
                )
            p = purpose or cells[index[purpose_column or ""]].strip()
            at = _cell_time(cells, index, granted_column) or vault.now()
            _grant(
                vault,
                conn,
                customer_id,
                p,
                separate=separate or [],
                channel=channel,
                notice_version=notice_version or f"import:{path.name}",
                basis="consent",
                guardian=False,
                at=at,
            )
            granted += 1
            gone = _cell_time(cells, index, withdrawn_column)
            if gone:
                _withdraw(vault, conn, customer_id, p, channel=channel, at=gone)
                withdrawn += 1
    return {"file": path.name, "granted": granted, "withdrawn": withdrawn}


def _cell_time(
    cells: list[str], index: dict[str, int], column: str | None
) -> str | None:
    if column is None:
        return None
    value = cells[index[column]].strip()
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("/", "-"))
    except ValueError as exc:
        raise ValidationError(
            f"Column '{column}': '{value[:20]}' is not a date"
        ) from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _match_customer(
    vault: Vault, conn: Connection, match: str, value: str
) -> int | None:
    if match == "id":
        return (
            int(value)
            if value.isdecimal() and customer_exists(conn, int(value))
            else None
        )
    kind, entity = FIND_KINDS[match]
    tag = vault.keyring.blind_tag(kind, discovery.normalise(entity, value))
    found = blind_index.find_tag(conn, kind, tag)
    if found is None:
        return None
    check_index_rows(vault.keyring.sealing, [found])
    return found[2]


def check(
    vault: Vault,
    user: str,
    customer_id: int,
    field: str,
    purpose: str,
    action: str = "reveal",
) -> dict[str, Any]:
    """Explain whether ``user`` may ``action`` ``field`` of a customer for ``purpose``."""
    with vault.write() as conn:
        vault.authorize(conn, action="manage-policy")
        resolved = policy.resolve_purpose(conn, purpose)
        defs = load_field_defs(conn)
        if field not in defs:
            raise NotFoundError(
                f"Unknown field '{field}'; fields: {', '.join(sorted(defs))}"
            )
        _facts, plain = load_plain(conn, vault.keyring, customer_id)
        id_value = plain.get("id_number")
        birth = birth_date_from_id(id_value[0]) if id_value else None
        actor = policy.load_actor(vault, conn, user)
        decision = policy.decide(
            vault,
            conn,
            action=action,
            purpose=resolved,
            customer_id=customer_id,
            fields=[defs[field]],
            birth_date=birth,
            actor=actor,
        )
        vault.record(
            conn,
            action="policy-checked",
            target=f"customer:{customer_id}",
            purpose=resolved.key,
            details={
                "user": user,
                "field": field,
                "action": action,
                "allowed": decision.allowed,
                "reason": decision.reason,
            },
        )
    return {
        "user": user,
        "role": actor.role.name,
        "customer_id": customer_id,
        "field": field,
        "purpose": resolved.key,
        "action": action,
        **policy.explain(decision),
    }


__all__ = [
    "BASES",
    "add_purpose",
    "check",
    "grant",
    "grant_in",
    "import_consents",
    "list_purposes",
    "list_purposes_conn",
    "show",
    "withdraw",
    "withdraw_in",
]
