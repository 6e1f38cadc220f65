"""SQL for data-protection training records (table ``training``; PIPL Art. 51)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from piplvault.store.schema import training


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingRow:
    user: str
    course: str
    score: int
    completed_at: str
    valid_until: str


def insert_training(
    conn: Connection,
    *,
    user: str,
    course: str,
    score: int,
    completed_at: str,
    valid_until: str,
    recorded_by: str,
) -> None:
    conn.execute(
        insert(training).values(
            user=user,
            course=course,
            score=score,
            completed_at=completed_at,
            valid_until=valid_until,
            recorded_by=recorded_by,
        )
    )


def list_training(conn: Connection, user: str | None = None) -> list[TrainingRow]:
    """Training records in the order recorded (of ``user`` only, when given)."""
    query = select(training).order_by(training.c.id)
    if user:
        query = query.where(training.c.user == user)
    return [
        TrainingRow(
            user=str(r.user),
            course=str(r.course),
            score=int(r.score),
            completed_at=str(r.completed_at),
            valid_until=str(r.valid_until),
        )
        for r in conn.execute(query)
    ]


def valid_until_dates(
    conn: Connection, user: str, *, min_score: int, course: str | None = None
) -> list[str]:
    """The ``valid_until`` dates (ISO) of ``user``'s courses scored ``min_score`` or more
    (of ``course`` only, when given)."""
    query = select(training.c.valid_until).where(
        training.c.user == user, training.c.score >= min_score
    )
    if course is not None:
        query = query.where(training.c.course == course)
    return [str(v) for v in conn.execute(query).scalars()]
