"""SQL for destruction runs: each run's signed certificate, kept in the vault, and the
audit head a certificate pins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from piplvault.store.schema import destruction_runs


def insert_run(
    conn: Connection,
    *,
    run_id: str,
    at: str,
    actor: str,
    kind: str,
    customers: int,
    certificate: str,
    certificate_sha256: str,
) -> None:
    conn.execute(
        insert(destruction_runs).values(
            run_id=run_id,
            at=at,
            actor=actor,
            kind=kind,
            customers=customers,
            certificate=certificate,
            certificate_sha256=certificate_sha256,
        )
    )


def list_runs(conn: Connection) -> list[dict[str, Any]]:
    """Run id, time, kind, customer count and certificate digest, oldest first."""
    rows = conn.execute(
        select(
            destruction_runs.c.run_id,
            destruction_runs.c.at,
            destruction_runs.c.kind,
            destruction_runs.c.customers,
            destruction_runs.c.certificate_sha256,
        ).order_by(destruction_runs.c.at)
    ).all()
    return [dict(r._mapping) for r in rows]


def certificate_of(conn: Connection, run_id: str) -> str | None:
    """The signed certificate (JSON text) of a run, if there is such a run."""
    row = conn.execute(
        select(destruction_runs.c.certificate).where(
            destruction_runs.c.run_id == run_id
        )
    ).first()
    return None if row is None else str(row.certificate)
