"""SQL for data-protection training records (table ``training``; PIPL Art. 51)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, select

from piplvault.store import reference
from piplvault.store.prepared import Prepared
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

    def load() -> list[str]:
        if course is None:
            found = _VALID_UNTIL.scalars(conn, user=user, min_score=min_score)
        else:
            found = _VALID_UNTIL_OF_COURSE.scalars(
                conn, user=user, min_score=min_score, course=course
            )
        return [str(v) for v in found]

    return list(reference.kept(conn, ("valid_until", user, min_score, course), load))


_VALID_UNTIL = Prepared(
    select(training.c.valid_until).where(
        training.c.user == bindparam("user"),
        training.c.score >= bindparam("min_score"),
    )
)
_VALID_UNTIL_OF_COURSE = Prepared(
    _VALID_UNTIL.statement.where(training.c.course == bindparam("course"))  # type: ignore[attr-defined]
)
