"""Read and write whole tables, set at a time: what backup and restore move.

* :func:`dump_tables` / :func:`read_batches` stream every row of a table in large batches
  straight from the driver's cursor (no per-row SQLAlchemy work), on SQLite and PostgreSQL.
* :class:`StagingLoad` fills a fresh SQLite staging database (a restore's
  ``vault.db.restoring``) with ``executemany`` in one transaction: no rollback journal, no
  per-commit fsync and no foreign-key lookups while loading, secondary indexes dropped first
  and rebuilt once at the end, then the file is fsynced. A staging file is only renamed
  into place after the whole restore succeeded, and a failed one is deleted, so nothing
  here weakens the live vault's durability.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, LargeBinary

from piplvault.errors import IntegrityError
from piplvault.store.schema import metadata


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A table as a dump sees it: its name, its columns, which of them are binary."""

    name: str
    columns: tuple[str, ...]
    binary: tuple[bool, ...]


def dump_tables(exclude: frozenset[str]) -> list[TableSpec]:
    """Every table of the schema in dependency order (parents first), minus ``exclude``."""
    return [
        TableSpec(
            name=t.name,
            columns=tuple(c.name for c in t.columns),
            binary=tuple(isinstance(c.type, LargeBinary) for c in t.columns),
        )
        for t in metadata.sorted_tables
        if t.name not in exclude
    ]


def table_spec(name: str) -> TableSpec:
    """The current schema's spec of table ``name``; IntegrityError if there is none."""
    for spec in dump_tables(frozenset()):
        if spec.name == name:
            return spec
    raise IntegrityError(f"backup holds unknown table {name}")


def count_rows(conn: Connection, spec: TableSpec) -> int:
    sql = f"SELECT count(*) FROM {spec.name}"  # noqa: S608  identifiers from our schema
    return int(conn.exec_driver_sql(sql).scalar_one())


def read_batches(
    conn: Connection, spec: TableSpec, size: int
) -> Iterator[Sequence[tuple[Any, ...]]]:
    """Every row of ``spec`` as plain tuples (column order of ``spec``), ``size`` at a time."""
    sql = f"SELECT {', '.join(spec.columns)} FROM {spec.name}"  # noqa: S608  our identifiers
    if conn.dialect.name == "sqlite":  # the driver's own tuples, no per-row wrapping
        result = conn.exec_driver_sql(sql)
        fetch = result.cursor.fetchmany
    else:  # a server-side cursor; SQLAlchemy may have buffered its first rows already
        result = conn.exec_driver_sql(sql, execution_options={"stream_results": True})
        fetch = result.fetchmany
    try:
        while True:
            rows = fetch(size)
            if not rows:
                return
            yield rows
    finally:
        result.close()


def sqlite_image(conn: Connection, scrub: Sequence[TableSpec]) -> bytes | None:
    """The SQLite database as this transaction sees it, as one file image (in memory),
    with the tables ``scrub`` emptied; None on PostgreSQL.

    The rows are deleted inside a savepoint that is rolled back once the image is taken,
    so the vault keeps them; ``secure_delete`` (always on, store.engine) zeroes their
    bytes in the pages the image is made of instead of merely unlinking them."""
    if conn.dialect.name != "sqlite":
        return None
    source: Any = conn.connection.driver_connection
    savepoint = conn.begin_nested()
    try:
        for spec in scrub:
            conn.exec_driver_sql(f"DELETE FROM {spec.name}")  # noqa: S608  identifiers from our schema
        image: bytes = source.serialize()
    finally:
        savepoint.rollback()
    return image


def schema_revision(conn: Connection) -> str:
    return str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())


class StagingLoad:
    """One bulk-load transaction into a fresh SQLite staging database (see module doc).

    Use as a context manager; call :meth:`clear` then :meth:`insert` per table. On a clean
    exit the indexes are rebuilt, the transaction commits, WAL mode and durable commits are
    restored and the file is fsynced; on an exception the transaction is rolled back."""

    def __init__(
        self, engine: Engine, path: Path, *, drop_indexes: bool = True
    ) -> None:
        if engine.dialect.name != "sqlite":
            raise ValueError("a restore stages into SQLite")
        self._path = path
        self._raw = engine.raw_connection()
        self._db: Any = self._raw.driver_connection
        self._indexes: list[str] = []
        self._drop_indexes = drop_indexes

    def __enter__(self) -> StagingLoad:
        db = self._db
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA foreign_keys=OFF")
        db.execute("PRAGMA cache_size=-262144")  # 256 MiB while loading
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND sql IS NOT NULL"
        ).fetchall()
        db.execute("BEGIN")
        if self._drop_indexes:  # rebuilt once, sorted, at the end
            self._indexes = [sql for (_name, sql) in indexes]
            for name, _sql in indexes:
                db.execute(f'DROP INDEX "{name}"')
        return self

    def clear(self, spec: TableSpec) -> None:
        """Remove the rows migrations seeded, before the backup's own rows go in."""
        self._db.execute(f"DELETE FROM {spec.name}")  # noqa: S608  identifiers from our schema

    def insert(
        self, spec: TableSpec, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        unknown = set(columns) - set(spec.columns)
        if unknown:
            raise IntegrityError(
                f"backup table {spec.name} has columns this vault does not know: "
                f"{', '.join(sorted(unknown))}"
            )
        if any(len(row) != len(columns) for row in rows[:1]):
            raise IntegrityError(f"backup chunk of {spec.name} has the wrong width")
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {spec.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        self._db.executemany(sql, rows)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        db = self._db
        try:
            if kind is not None:
                db.execute("ROLLBACK")
                return
            for sql in self._indexes:
                db.execute(sql)
            db.execute("COMMIT")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
        finally:
            self._raw.close()
        fd = os.open(self._path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
