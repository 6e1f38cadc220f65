"""Migration 0008 creates exactly the incident and sharing tables the schema declares
(R-NDS-12-1: the provision log; R-57-1: the incident record)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from piplvault.store import migrate
from piplvault.store.engine import make_engine
from piplvault.store.schema import metadata

TABLES = (
    "incidents",
    "incident_affected",
    "drills",
    "recipients",
    "share_exports",
    "share_export_customers",
)


def test_migration_0008_matches_the_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    try:
        migrate.upgrade(engine)
        found = inspect(engine)
        for name in TABLES:
            declared = metadata.tables[name]
            columns = {c["name"]: c for c in found.get_columns(name)}
            assert set(columns) == {c.name for c in declared.columns}, name
            for column in declared.columns:
                assert columns[column.name]["nullable"] == column.nullable, (
                    name,
                    column.name,
                )
            keys = set(found.get_pk_constraint(name)["constrained_columns"])
            assert keys == {c.name for c in declared.primary_key.columns}, name
    finally:
        engine.dispose()
