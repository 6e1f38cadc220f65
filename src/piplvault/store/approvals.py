"""SQL for second-approver requests (table ``approvals``, migration 0009).

Every state change is a compare-and-set on ``status`` inside the caller's transaction, so
two people deciding at once, or two runs using one approval, cannot both succeed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from piplvault.store.schema import approvals


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRow:
    """One stored approval request and its decision (no personal data)."""

    id: int
    operation: str
    params_sha256: str
    summary: dict[str, Any]
    requested_by: str
    requested_at: str
    expires_at: str
    status: str
    decided_by: str | None
    decided_at: str | None
    note: str
    used_at: str | None
    used_run: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "params_sha256": self.params_sha256,
            "summary": self.summary,
            "requested_by": self.requested_by,
            "requested_at": self.requested_at,
            "expires_at": self.expires_at,
            "status": self.status,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
            "note": self.note,
            "used_at": self.used_at,
            "used_run": self.used_run,
        }


def insert_request(
    conn: Connection,
    *,
    operation: str,
    params_sha256: str,
    summary: dict[str, Any],
    requested_by: str,
    requested_at: str,
    expires_at: str,
) -> int:
    """Store a pending request; its id."""
    result = conn.execute(
        insert(approvals).values(
            operation=operation,
            params_sha256=params_sha256,
            summary=json.dumps(summary, ensure_ascii=False, sort_keys=True),
            requested_by=requested_by,
            requested_at=requested_at,
            expires_at=expires_at,
            status="pending",
        )
    )
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no id for the approval request")
    return int(key[0])


def load(conn: Connection, approval_id: int) -> ApprovalRow | None:
    row = conn.execute(select(approvals).where(approvals.c.id == approval_id)).first()
    return None if row is None else _row(row)


def find_pending(
    conn: Connection,
    *,
    operation: str,
    params_sha256: str,
    requested_by: str,
    now: str,
) -> ApprovalRow | None:
    """An open request of this person for exactly this operation (asked again: reused)."""
    row = conn.execute(
        select(approvals)
        .where(
            approvals.c.operation == operation,
            approvals.c.params_sha256 == params_sha256,
            approvals.c.requested_by == requested_by,
            approvals.c.status.in_(("pending", "approved")),
            approvals.c.expires_at > now,
        )
        .order_by(approvals.c.id.desc())
    ).first()
    return None if row is None else _row(row)


def list_requests(conn: Connection, *, include_closed: bool) -> list[ApprovalRow]:
    query = select(approvals).order_by(approvals.c.id)
    if not include_closed:
        query = query.where(approvals.c.status.in_(("pending", "approved")))
    return [_row(r) for r in conn.execute(query)]


def decide(
    conn: Connection,
    approval_id: int,
    *,
    status: str,
    by: str,
    at: str,
    note: str,
    expires_at: str,
) -> bool:
    """pending → approved/rejected; False if it was no longer pending."""
    result = conn.execute(
        update(approvals)
        .where(approvals.c.id == approval_id, approvals.c.status == "pending")
        .values(
            status=status,
            decided_by=by,
            decided_at=at,
            note=note,
            expires_at=expires_at,
        )
    )
    return result.rowcount == 1


def mark_used(conn: Connection, approval_id: int, *, at: str, run: str) -> bool:
    """approved → used, once; False if it was not (or no longer) approved."""
    result = conn.execute(
        update(approvals)
        .where(approvals.c.id == approval_id, approvals.c.status == "approved")
        .values(status="used", used_at=at, used_run=run)
    )
    return result.rowcount == 1


def _row(row: Any) -> ApprovalRow:
    return ApprovalRow(
        id=int(row.id),
        operation=str(row.operation),
        params_sha256=str(row.params_sha256),
        summary=json.loads(row.summary or "{}"),
        requested_by=str(row.requested_by),
        requested_at=str(row.requested_at),
        expires_at=str(row.expires_at),
        status=str(row.status),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        note=str(row.note or ""),
        used_at=row.used_at,
        used_run=row.used_run,
    )
