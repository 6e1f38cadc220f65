"""Queries the web console needs beyond the use cases: a user's standing, open cases, and
the latest refusals in the audit log. Callers authorize first (``vault.reading``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from piplvault.store.schema import audit_log, cases, users

#: Case states after which nothing is left to do.
FINAL_STATES = ("closed", "source-destroyed", "sealed")


@dataclass(frozen=True, slots=True)
class OpenCase:
    id: str
    kind: str
    state: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    at: str
    actor: str
    action: str
    target: str
    purpose: str
    outcome: str
    details: str


def user_role(conn: Connection, name: str) -> str | None:
    """The role of an active user, or None if the user is unknown or disabled."""
    row = conn.execute(
        select(users.c.role, users.c.disabled_at).where(users.c.name == name)
    ).first()
    if row is None or row.disabled_at is not None:
        return None
    return str(row.role)


def open_cases(conn: Connection, *, limit: int = 50) -> list[OpenCase]:
    """Transfer and deregistration cases that are not finished, oldest first."""
    rows = conn.execute(
        select(cases.c.id, cases.c.kind, cases.c.state, cases.c.updated_at)
        .where(
            cases.c.kind.in_(("transfer", "deregistration")),
            cases.c.state.not_in(FINAL_STATES),
        )
        .order_by(cases.c.created_at)
        .limit(limit)
    ).all()
    return [
        OpenCase(str(r.id), str(r.kind), str(r.state), str(r.updated_at)) for r in rows
    ]


def recent_refusals(conn: Connection, *, limit: int = 10) -> list[AuditRow]:
    """The latest denied entries of the audit log, newest first."""
    rows, _total = audit_page(conn, outcome="denied", limit=limit)
    return rows


def audit_page(
    conn: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    target: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditRow], int]:
    """One page of audit entries (newest first) matching the filters, and how many match."""
    where = []
    if target:
        where.append(audit_log.c.target == target)
    if actor:
        where.append(audit_log.c.actor == actor)
    if action:
        where.append(audit_log.c.action == action)
    if outcome:
        where.append(audit_log.c.outcome == outcome)
    total = conn.execute(
        select(func.count()).select_from(audit_log).where(*where)
    ).scalar_one()
    rows = conn.execute(
        select(audit_log)
        .where(*where)
        .order_by(audit_log.c.seq.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    entries = [
        AuditRow(
            int(r.seq),
            str(r.at),
            str(r.actor),
            str(r.action),
            str(r.target),
            str(r.purpose),
            str(r.outcome),
            str(r.details),
        )
        for r in rows
    ]
    return entries, int(total)


def audit_actions(conn: Connection) -> list[str]:
    """Every action name the log holds (for the filter)."""
    return sorted(
        str(a) for a in conn.execute(select(audit_log.c.action).distinct()).scalars()
    )


def all_cases(conn: Connection, *, limit: int = 200) -> list[OpenCase]:
    """Every transfer and deregistration case, newest first."""
    rows = conn.execute(
        select(cases.c.id, cases.c.kind, cases.c.state, cases.c.updated_at)
        .where(cases.c.kind.in_(("transfer", "deregistration")))
        .order_by(cases.c.created_at.desc())
        .limit(limit)
    ).all()
    return [
        OpenCase(str(r.id), str(r.kind), str(r.state), str(r.updated_at)) for r in rows
    ]


def field_changes(
    conn: Connection, customer_id: int, *, limit: int = 50
) -> list[AuditRow]:
    """The audited changes of one customer's fields (who, when, which field, which
    version, for which purpose), newest first — the history never holds old values."""
    rows, _total = audit_page(
        conn,
        action="customer-field-updated",
        limit=limit,
        target=f"customer:{customer_id}",
    )
    return rows
