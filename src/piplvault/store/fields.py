"""SQL for field definitions (table ``fields``): each stored field's label, entity,
classification, grade and data category."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, insert, select

from piplvault.core.customers import FieldDef
from piplvault.store import reference
from piplvault.store.prepared import Prepared
from piplvault.store.schema import fields


def load_field_defs(conn: Connection) -> dict[str, FieldDef]:
    """Every field definition, by key."""
    return dict(reference.kept(conn, "fields", lambda: _load_field_defs(conn)))


def _load_field_defs(conn: Connection) -> dict[str, FieldDef]:
    return {
        r.key: FieldDef(
            key=r.key,
            label=r.label,
            entity=r.entity,
            kind=r.kind,
            sensitivity=r.sensitivity,
            grade=r.grade,
            category=r.category,
        )
        for r in _ALL_FIELDS.all(conn)
    }


_ALL_FIELDS = Prepared(select(fields))


def insert_field_defs(conn: Connection, defs: Iterable[FieldDef], *, at: str) -> None:
    """Store new field definitions (none of them may exist yet)."""
    rows = [
        {
            "key": d.key,
            "label": d.label,
            "entity": d.entity,
            "kind": d.kind,
            "sensitivity": d.sensitivity,
            "grade": d.grade,
            "category": d.category,
            "created_at": at,
        }
        for d in defs
    ]
    if rows:
        conn.execute(insert(fields), rows)
