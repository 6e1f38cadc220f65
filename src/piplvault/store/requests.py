"""SQL for individuals' rights requests (table ``rights_requests``, migration 0007).

Rows hold no plaintext personal value: who asked (name, contact, relationship evidence) is a
ciphertext the vault seals under the customer's data key before it gets here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from piplvault.errors import NotFoundError
from piplvault.store.schema import consents, customers, rights_requests


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestRow:
    """One stored request (``requester`` still sealed)."""

    id: int
    customer_id: int
    customer_created: str
    kind: str
    wants: str
    state: str
    channel: str
    received_at: str
    due_on: str
    due_source: str
    identity_method: str
    verified_at: str | None
    verified_by: str | None
    extended_to: str | None
    extension_reason: str | None
    requester: bytes | None
    details: dict[str, Any]
    outcome: dict[str, Any]
    refusal_ground: str | None
    opened_by: str
    updated_at: str
    closed_at: str | None

    @property
    def effective_due(self) -> str:
        """The due date in force (an extension moves it)."""
        return self.extended_to or self.due_on


def insert_request(conn: Connection, **values: Any) -> int:
    """Store a new request; its id."""
    values["details"] = json.dumps(values.get("details", {}), ensure_ascii=False)
    result = conn.execute(insert(rights_requests).values(**values))
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every supported driver returns it
        raise NotFoundError("The database did not return the new request's id")
    return int(key[0])


def set_requester(conn: Connection, request_id: int, sealed: bytes) -> None:
    conn.execute(
        update(rights_requests)
        .where(rights_requests.c.id == request_id)
        .values(requester=sealed)
    )


def update_request(conn: Connection, request_id: int, **values: Any) -> None:
    """Change columns of one request (``outcome``/``details`` given as dicts)."""
    for key in ("outcome", "details"):
        if key in values:
            values[key] = json.dumps(values[key], ensure_ascii=False, sort_keys=True)
    conn.execute(
        update(rights_requests)
        .where(rights_requests.c.id == request_id)
        .values(**values)
    )


def get_request(conn: Connection, request_id: int) -> RequestRow:
    row = conn.execute(
        select(rights_requests).where(rights_requests.c.id == request_id)
    ).first()
    if row is None:
        raise NotFoundError(f"No rights request with id {request_id}")
    return _row(row)


def list_requests(
    conn: Connection,
    *,
    states: Iterable[str] | None = None,
    customer_ids: Iterable[int] | None = None,
) -> list[RequestRow]:
    """Requests in id order, optionally only in ``states`` / for ``customer_ids``."""
    query = select(rights_requests).order_by(rights_requests.c.id)
    if states is not None:
        query = query.where(rights_requests.c.state.in_(list(states)))
    rows = [_row(r) for r in conn.execute(query)]
    if customer_ids is not None:
        wanted = set(customer_ids)
        rows = [r for r in rows if r.customer_id in wanted]
    return rows


def _row(row: Any) -> RequestRow:
    return RequestRow(
        id=int(row.id),
        customer_id=int(row.customer_id),
        customer_created=str(row.customer_created),
        kind=str(row.kind),
        wants=str(row.wants),
        state=str(row.state),
        channel=str(row.channel),
        received_at=str(row.received_at),
        due_on=str(row.due_on),
        due_source=str(row.due_source),
        identity_method=str(row.identity_method),
        verified_at=row.verified_at,
        verified_by=row.verified_by,
        extended_to=row.extended_to,
        extension_reason=row.extension_reason,
        requester=bytes(row.requester) if row.requester is not None else None,
        details=json.loads(row.details or "{}"),
        outcome=json.loads(row.outcome or "{}"),
        refusal_ground=row.refusal_ground,
        opened_by=str(row.opened_by),
        updated_at=str(row.updated_at),
        closed_at=row.closed_at,
    )


def recipients_of(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """Handlers this customer's data went to, or is going to, through a transfer or a
    custodian handover case (name, contact, case, state; no personal data)."""
    from piplvault.store.schema import case_customers, cases

    query = (
        select(cases.c.id, cases.c.kind, cases.c.state, cases.c.party)
        .join(case_customers, case_customers.c.case_id == cases.c.id)
        .where(
            case_customers.c.customer_id == customer_id,
            case_customers.c.included == 1,
        )
        .order_by(cases.c.id)
    )
    out = []
    for row in conn.execute(query):
        party = json.loads(row.party or "{}")
        if not party.get("name"):
            continue
        out.append(
            {
                "case": str(row.id),
                "kind": str(row.kind),
                "state": str(row.state),
                "name": str(party.get("name", "")),
                "contact": str(party.get("contact", "")),
            }
        )
    return out


def count_by_kind_and_state(conn: Connection) -> list[dict[str, Any]]:
    """How many requests of each type are in each state (no personal data)."""
    rows = conn.execute(
        select(rights_requests.c.kind, rights_requests.c.state, func.count())
        .group_by(rights_requests.c.kind, rights_requests.c.state)
        .order_by(rights_requests.c.kind, rights_requests.c.state)
    ).all()
    return [
        {"kind": str(kind), "state": str(state), "count": int(n)}
        for kind, state, n in rows
    ]


def customer_created(conn: Connection, customer_id: int) -> str | None:
    """When the customer now under ``customer_id`` was created, or None if there is none."""
    created = conn.execute(
        select(customers.c.created_at).where(customers.c.id == customer_id)
    ).scalar()
    return None if created is None else str(created)


def customer_status(conn: Connection, customer_id: int) -> str | None:
    """The customer's lifecycle status, or None once it is gone (shredded)."""
    status = conn.execute(
        select(customers.c.status).where(customers.c.id == customer_id)
    ).scalar()
    return None if status is None else str(status)


def consents_of(conn: Connection, customer_id: int) -> list[Row[Any]]:
    """The customer's consent records, in the order they were recorded."""
    return list(
        conn.execute(
            select(consents)
            .where(consents.c.customer_id == customer_id)
            .order_by(consents.c.id)
        )
    )
