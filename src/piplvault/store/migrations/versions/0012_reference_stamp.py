"""meta.reference_stamp: a fresh random value whenever users, purposes, field definitions
or training records change, set by triggers in the same transaction as the change

The server reads these small tables on every request (who the actor is, the purpose, the
fields and how to mask them). With the stamp, one process keeps what it read and reads
them again only once the stamp differs (``store/reference.py``). The triggers live in the
database, so no write path can change those tables and leave the stamp as it was: not a
future use case, a restore, another worker or a hand edit with ``sqlite3``. The value is
random, not a counter, so a database restored to an older state cannot show a stamp that
this process saw with other contents.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The tables whose rows a server keeps between requests.
TABLES = ("users", "purposes", "fields", "training")
_KEY = "reference_stamp"


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text("INSERT INTO meta (key, value) VALUES (:key, :value)"),
        {"key": _KEY, "value": secrets.token_hex(16)},
    )
    if bind.dialect.name == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                bind.exec_driver_sql(
                    f"CREATE TRIGGER reference_stamp_{table}_{event.lower()} "  # noqa: S608  identifiers are ours
                    f"AFTER {event} ON {table} BEGIN "
                    "UPDATE meta SET value = lower(hex(randomblob(16))) "
                    "WHERE key = 'reference_stamp'; END"
                )
        return
    bind.exec_driver_sql(
        "CREATE FUNCTION piplvault_reference_stamp() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE meta SET value = md5(random()::text || clock_timestamp()::text) "
        "WHERE key = 'reference_stamp'; RETURN NULL; END $$"
    )
    for table in TABLES:
        bind.exec_driver_sql(
            f"CREATE TRIGGER reference_stamp_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION piplvault_reference_stamp()"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                bind.exec_driver_sql(f"DROP TRIGGER reference_stamp_{table}_{event}")
    else:
        for table in TABLES:
            bind.exec_driver_sql(f"DROP TRIGGER reference_stamp_{table} ON {table}")
        bind.exec_driver_sql("DROP FUNCTION piplvault_reference_stamp()")
    bind.execute(sa.text("DELETE FROM meta WHERE key = :key"), {"key": _KEY})
