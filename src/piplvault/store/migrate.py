"""Run the Alembic migrations shipped in ``store/migrations`` against an engine."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, exc, text

from piplvault.errors import IntegrityError

if TYPE_CHECKING:
    from alembic.config import Config

_HERE = Path(__file__).parent / "migrations"
_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*"([^"]*)"', re.MULTILINE)


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision.

    On SQLite foreign keys are off while migrations rebuild tables (a dropped parent table
    would otherwise cascade-delete its children), then checked and turned back on.
    """
    from alembic import command

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
    """The revision the database is at (None for a database Alembic never touched).

    Read directly: opening a vault that is up to date need not import Alembic."""
    with engine.connect() as conn:
        try:
            return conn.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar()
        except exc.DBAPIError:
            conn.rollback()
            return None


@cache
def head_revision() -> str | None:
    """The newest shipped revision: the one no other migration revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (_HERE / "versions").glob("[0-9]*.py"):
        found = dict(
            (m.group(1), m.group(2))
            for m in _REVISION.finditer(path.read_text(encoding="utf-8"))
        )
        revisions.add(found["revision"])
        if found.get("down_revision"):
            revised.add(found["down_revision"])
    heads = sorted(revisions - revised)
    if len(heads) != 1:
        raise IntegrityError(f"the shipped migrations have {len(heads)} heads: {heads}")
    return heads[0]
