"""Migration 0007 creates exactly the ``rights_requests`` table the schema declares, and an
existing 0006 vault upgrades to it (R-SYS-1: schema and code agree, nothing left half-made)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from piplvault.settings import load_settings
from piplvault.store import migrate
from piplvault.store.schema import rights_requests
from piplvault.vault import Vault


def test_migration_0007_matches_the_schema_and_round_trips(tmp_path: Path) -> None:
    """R-SYS-1: columns, types' nullability and indexes of migration 0007 are the
    schema's; downgrading to 0006 drops the table, upgrading brings it back."""
    vault = Vault.create(load_settings({"home": tmp_path / "v"}))
    engine = vault.engine
    try:
        found = {c["name"]: c for c in inspect(engine).get_columns("rights_requests")}
        assert list(found) == [c.name for c in rights_requests.columns]
        for column in rights_requests.columns:
            assert found[column.name]["nullable"] == column.nullable, column.name
        indexes = {i["name"] for i in inspect(engine).get_indexes("rights_requests")}
        assert indexes == {i.name for i in rights_requests.indexes}
        with engine.connect() as conn:
            cfg = migrate._config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
            conn.commit()
        assert "rights_requests" not in inspect(engine).get_table_names()
        migrate.upgrade(engine)
        assert "rights_requests" in inspect(engine).get_table_names()
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        vault.close()
