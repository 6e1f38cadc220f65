"""Run the Alembic migrations shipped in ``store/migrations`` against an engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from piplvault.errors import IntegrityError

_HERE = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision.

    On SQLite foreign keys are off while migrations rebuild tables (a dropped parent table
    would otherwise cascade-delete its children), then checked and turned back on.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, or SQLite ignores it
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
            conn.rollback()
            raise IntegrityError("migration left rows without their customer")
        conn.commit()
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()
