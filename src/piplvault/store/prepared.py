"""Statements of the server's per-request hot path, compiled once and run by the driver.

A customer read through the API runs about twenty small statements (token, purpose, field
definitions, the record and its key, the actor, the policy's facts, the audit append). Built
and executed through SQLAlchemy Core, each cost ~0.2 ms of CPU in statement construction,
cache-key generation and result wrapping — more than SQLite took to answer it. A
:class:`Prepared` statement is the same Core statement (same SQL, quoting and dialect), built
once at import, compiled once per dialect, then executed straight on the DB-API cursor of
the caller's connection, inside the caller's transaction. Driver errors are raised as the
SQLAlchemy errors the callers already handle (fail closed: ``storage_errors``, the audit
log's ``AuditUnavailableError``).
"""

from __future__ import annotations

import threading
from collections import namedtuple
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement


class Prepared:
    """One Core statement with named ``bindparam`` placeholders (no literal values)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: dict[
            str, tuple[str, tuple[str, ...] | None, dict[str, Any]]
        ] = {}
        self._lock = threading.Lock()
        columns = getattr(statement, "selected_columns", None)
        names = list(columns.keys()) if columns is not None else []
        self._row = namedtuple("Row", names, rename=True) if names else None

    def _compiled(
        self, conn: Connection
    ) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        """The SQL text for ``conn``'s dialect and, for a positional paramstyle (SQLite's
        ``?``), the parameter names in order (None: named, e.g. psycopg's ``%(name)s``),
        and the values the statement itself carries (e.g. ``LIMIT 1``)."""
        dialect = conn.dialect
        found = self._by_dialect.get(dialect.name)
        if found is None:
            with self._lock:
                compiled: Any = self.statement.compile(dialect=dialect)
                order = (
                    tuple(compiled.positiontup or ()) if compiled.positional else None
                )
                found = (str(compiled), order, dict(compiled.params))
                self._by_dialect[dialect.name] = found
        return found

    def _execute(self, conn: Connection, params: dict[str, Any]) -> Any:
        sql, order, defaults = self._compiled(conn)
        params = {**defaults, **params}
        if not conn.in_transaction():
            conn.begin()  # as SQLAlchemy's autobegin would (BEGIN / BEGIN IMMEDIATE)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        values: Any = params if order is None else tuple(params[n] for n in order)
        try:
            cursor.execute(sql, values)
        except conn.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            raise DBAPIError.instance(
                sql, values, exc, conn.dialect.loaded_dbapi.Error
            ) from exc
        return cursor

    def all(self, conn: Connection, **params: Any) -> list[Any]:
        """Every row, as named tuples (attribute access like SQLAlchemy's rows)."""
        cursor = self._execute(conn, params)
        try:
            make = self._row._make  # type: ignore[union-attr]
            return [make(r) for r in cursor.fetchall()]
        finally:
            cursor.close()

    def first(self, conn: Connection, **params: Any) -> Any | None:
        rows = self.all(conn, **params)
        return rows[0] if rows else None

    def scalars(self, conn: Connection, **params: Any) -> list[Any]:
        cursor = self._execute(conn, params)
        try:
            return [r[0] for r in cursor.fetchall()]
        finally:
            cursor.close()

    def run(self, conn: Connection, **params: Any) -> int:
        """Execute an INSERT/UPDATE/DELETE; the number of rows it touched."""
        cursor = self._execute(conn, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()
