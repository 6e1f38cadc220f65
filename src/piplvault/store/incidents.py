"""SQL for incidents, their computed scope, drills, and the audit-log reads that scope them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from piplvault.store.schema import (
    api_tokens,
    audit_log,
    blind_index,
    drills,
    incident_affected,
    incidents,
)

_IN_CHUNK = 500


def next_incident_id(conn: Connection) -> str:
    """``I-0001``, ``I-0002``, … (ids are never reused: incidents are never deleted)."""
    count = conn.execute(select(func.count()).select_from(incidents)).scalar_one()
    return f"I-{int(count) + 1:04d}"


def insert_incident(conn: Connection, **values: Any) -> None:
    conn.execute(insert(incidents).values(**values))


def load_incident(conn: Connection, incident_id: str) -> Row[Any] | None:
    return conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()


def list_incidents(conn: Connection) -> Sequence[Row[Any]]:
    return conn.execute(select(incidents).order_by(incidents.c.id)).all()


def update_incident(conn: Connection, incident_id: str, **values: Any) -> None:
    conn.execute(
        update(incidents).where(incidents.c.id == incident_id).values(**values)
    )


def replace_affected(
    conn: Connection, incident_id: str, people: dict[int, bool]
) -> None:
    """The incident's scope becomes exactly ``people`` (customer id → sensitive PI)."""
    conn.execute(
        delete(incident_affected).where(incident_affected.c.incident_id == incident_id)
    )
    if people:
        conn.execute(
            insert(incident_affected),
            [
                {"incident_id": incident_id, "customer_id": cid, "sensitive": int(s)}
                for cid, s in sorted(people.items())
            ],
        )


def affected(conn: Connection, incident_id: str) -> Sequence[Row[Any]]:
    return conn.execute(
        select(incident_affected)
        .where(incident_affected.c.incident_id == incident_id)
        .order_by(incident_affected.c.customer_id)
    ).all()


def mark_notices(
    conn: Connection, incident_id: str, ids: Iterable[int], status: str
) -> None:
    wanted = list(ids)
    for i in range(0, len(wanted), _IN_CHUNK):
        conn.execute(
            update(incident_affected)
            .where(
                incident_affected.c.incident_id == incident_id,
                incident_affected.c.customer_id.in_(wanted[i : i + _IN_CHUNK]),
            )
            .values(notice=status)
        )


def audit_reads(
    conn: Connection,
    *,
    actor: str,
    since: str,
    until: str,
    actions: Iterable[str],
) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, target, details) of ``actor``'s successful ``actions`` in [since, until]."""
    rows = conn.execute(
        select(audit_log.c.action, audit_log.c.target, audit_log.c.details)
        .where(
            audit_log.c.actor == actor,
            audit_log.c.outcome == "ok",
            audit_log.c.action.in_(list(actions)),
            audit_log.c.at >= since,
            audit_log.c.at <= until,
        )
        .order_by(audit_log.c.seq)
    ).all()
    return [(str(r.action), str(r.target), json.loads(r.details or "{}")) for r in rows]


def token_window(conn: Connection, token_id: str) -> tuple[str, str, str] | None:
    """(user, issued, ended) of an API token: it acted for ``user`` in that window."""
    row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
    if row is None:
        return None
    ended = min(filter(None, [row.expires_at, row.revoked_at]))
    return str(row.user), str(row.created_at), str(ended)


def index_rows(
    conn: Connection, tags: Iterable[tuple[str, bytes]]
) -> list[tuple[str, bytes, int, bytes | None]]:
    """Blind-index rows (kind, tag, customer id, mac) for the given tags."""
    by_kind: dict[str, list[bytes]] = {}
    for kind, tag in tags:
        by_kind.setdefault(kind, []).append(tag)
    found: list[tuple[str, bytes, int, bytes | None]] = []
    for kind, kind_tags in by_kind.items():
        for i in range(0, len(kind_tags), _IN_CHUNK):
            rows = conn.execute(
                select(
                    blind_index.c.kind,
                    blind_index.c.tag,
                    blind_index.c.customer_id,
                    blind_index.c.mac,
                ).where(
                    blind_index.c.kind == kind,
                    blind_index.c.tag.in_(kind_tags[i : i + _IN_CHUNK]),
                )
            ).all()
            found += [
                (str(r.kind), bytes(r.tag), int(r.customer_id), r.mac) for r in rows
            ]
    return found


def insert_drill(conn: Connection, **values: Any) -> int:
    key = conn.execute(insert(drills).values(**values)).inserted_primary_key
    return int(key[0]) if key is not None else 0


def list_drills(conn: Connection) -> Sequence[Row[Any]]:
    return conn.execute(select(drills).order_by(drills.c.held_on, drills.c.id)).all()
