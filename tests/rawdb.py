"""A vault's database opened raw, as an attacker or an auditor with file access would.

``connect(home)`` is ``sqlite3.connect(home / "vault.db")`` on the SQLite pass and a psycopg
connection to the vault's own database on the PostgreSQL pass (tests/pgswitch.py), behind
the small sqlite3-like surface the tests use: ``execute(sql, params)`` with ``?`` marks,
``fetchone``/``fetchall``, iteration, ``commit``, and ``with`` committing on success.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from piplvault.settings import load_settings


def database_url(home: Path) -> str:
    """The vault's database URL, as its commands find it (HOME/piplvault.toml or vault.db)."""
    return load_settings({"home": home}, env={}).database_url


class Connection:
    def __init__(self, home: Path) -> None:
        url = database_url(Path(home))
        self.postgres = url.startswith("postgresql")
        if self.postgres:
            import psycopg

            self._conn: Any = psycopg.connect(url)
        else:
            self._conn = sqlite3.connect(Path(home) / "vault.db")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self.postgres:
            sql = sql.replace("?", "%s") if params else sql
            return self._conn.execute(sql, tuple(params) if params else None)
        return self._conn.execute(sql, params)

    def commit(self) -> None:
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self._conn.commit()
        else:
            self._conn.rollback()
        if self.postgres:
            self._conn.close()


def connect(home: Path | str) -> Connection:
    return Connection(Path(home))


def refuse_audit_inserts(home: Path | str) -> None:
    """Make the database refuse every new audit entry (a trigger), as a full disk or a
    broken database would: the test of "no audit entry, no operation"."""
    with connect(home) as db:
        if db.postgres:
            db.execute(
                "CREATE FUNCTION no_audit() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'audit refused'; END $$"
            )
            db.execute(
                "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION no_audit()"
            )
        else:
            db.execute(
                "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
            )


def snapshot(home: Path | str) -> bytes:
    """Everything the vault's database holds, to prove a refused command wrote nothing:
    the SQLite file's bytes, or every PostgreSQL table's rows in a fixed order."""
    home = Path(home)
    url = database_url(home)
    if not url.startswith("postgresql"):
        return (home / "vault.db").read_bytes()
    import psycopg

    parts: list[str] = []
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                "ORDER BY tablename"
            )
        ]
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
            parts.append(f"{table}:{sorted(map(repr, rows))}")
    return "\n".join(parts).encode()
