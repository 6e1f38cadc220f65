"""Build SQLAlchemy engines: SQLite (WAL, durable, secure-delete) by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection as Connection,  # vault/ holds transactions by this name
)
from sqlalchemy import (
    Engine as Engine,  # and vault/ holds engines by this one
)
from sqlalchemy import Table, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from piplvault.errors import ConfigError

#: Required on every SQLite connection (reliability plan D3): durable commits, deleted pages
#: zeroed so shredded keys leave no residue, temp data kept in memory, never on disk.
SQLITE_PRAGMAS = (
    ("journal_mode", "WAL"),
    ("synchronous", "FULL"),
    ("secure_delete", "ON"),
    ("foreign_keys", "ON"),
    ("busy_timeout", "10000"),
    ("temp_store", "MEMORY"),
    ("cache_size", "-65536"),  # 64 MiB page cache: big imports stay off the disk
)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def to_sqlalchemy_url(url: str) -> str:
    """Accept ``postgresql://`` and ``sqlite:///`` URLs; pick the psycopg 3 driver for PG."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite:///")):
        return url
    raise ConfigError(
        f"Unsupported database URL scheme in '{url.split('://', 1)[0]}://…'; "
        "use sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
    )


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with our connection settings applied."""
    sa_url = _read_only_if_needed(to_sqlalchemy_url(url))
    try:
        if sa_url.startswith("sqlite"):
            engine = create_engine(sa_url, poolclass=NullPool)
            _configure_sqlite(engine)
        else:
            engine = create_engine(sa_url, poolclass=NullPool)
    except SQLAlchemyError as exc:
        raise ConfigError(f"Cannot use database URL: {exc.__class__.__name__}") from exc
    return engine


def _read_only_if_needed(sa_url: str) -> str:
    """A SQLite file we may not write (a read-only copy, read-only media) is opened
    read-only and immutable, so ``audit verify`` and reads work on it (issue 10, attack
    16); every write then fails cleanly as a refused write."""
    if not sa_url.startswith("sqlite:///") or "?" in sa_url:
        return sa_url
    path = Path(sa_url.removeprefix("sqlite:///"))
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    if not path.is_file() or writable:
        return sa_url
    return f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, control transactions so BEGIN IMMEDIATE works.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for name, value in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {name}={value}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock at the start, so audit sequence numbers are
        # serialised; readers (execution option ``readonly``) begin deferred and never wait.
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def insert_many(conn: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert positional rows through the driver's executemany (no per-row ORM work).

    ``rows`` hold values in the table's column order. Used on the import hot path, where
    SQLAlchemy's per-row parameter processing cost more than SQLite itself.
    """
    if not rows:
        return
    names = ", ".join(c.name for c in table.columns)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join(mark for _ in table.columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608  identifiers are ours
    conn.exec_driver_sql(sql, rows)
