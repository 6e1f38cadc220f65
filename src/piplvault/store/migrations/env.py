"""Alembic environment: piplvault passes an open connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from piplvault.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when run by the alembic CLI by hand
    raise RuntimeError("Run migrations through piplvault.store.migrate.upgrade()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
