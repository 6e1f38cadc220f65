"""Read and write the vault's ``meta`` key/value table (vault id, KDF parameters, state…)."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, insert, select, update

from piplvault.store.prepared import Prepared
from piplvault.store.schema import meta


def read_meta(conn: Connection, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    found = _VALUE.scalars(conn, key=key)
    return None if not found or found[0] is None else str(found[0])


_VALUE = Prepared(select(meta.c.value).where(meta.c.key == bindparam("key")))


def write_meta(conn: Connection, key: str, value: str) -> None:
    """Store ``value`` under ``key``, replacing any earlier value."""
    if read_meta(conn, key) is None:
        conn.execute(insert(meta).values(key=key, value=value))
    else:
        conn.execute(update(meta).where(meta.c.key == key).values(value=value))


def insert_meta(conn: Connection, values: dict[str, str]) -> None:
    """Store new keys (none of them may exist yet), in one statement."""
    conn.execute(insert(meta), [{"key": k, "value": v} for k, v in values.items()])
