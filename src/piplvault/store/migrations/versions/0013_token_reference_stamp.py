"""meta.reference_stamp also changes with api_tokens (issued, revoked, deleted)

Every server request checks its Bearer token: before this revision with its own read
snapshot and query, apart from the snapshot its read then took. With ``api_tokens`` under
the stamp's triggers (migration 0012), a token row read at one stamp is the row of every
snapshot that shows that stamp, so the check is a lookup in what the process keeps
(``store/reference.py``), made inside the read's own snapshot. A token revoked, deleted
or issued by any writer — another worker, a restore, a hand edit — changes the stamp in
the same transaction, so the very next request reads the table again.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TABLE = "api_tokens"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for event in ("INSERT", "UPDATE", "DELETE"):
            bind.exec_driver_sql(
                f"CREATE TRIGGER reference_stamp_{_TABLE}_{event.lower()} "  # noqa: S608  identifiers are ours
                f"AFTER {event} ON {_TABLE} BEGIN "
                "UPDATE meta SET value = lower(hex(randomblob(16))) "
                "WHERE key = 'reference_stamp'; END"
            )
        return
    bind.exec_driver_sql(
        f"CREATE TRIGGER reference_stamp_{_TABLE} "
        f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {_TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION piplvault_reference_stamp()"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for event in ("insert", "update", "delete"):
            bind.exec_driver_sql(f"DROP TRIGGER reference_stamp_{_TABLE}_{event}")
    else:
        bind.exec_driver_sql(f"DROP TRIGGER reference_stamp_{_TABLE} ON {_TABLE}")
