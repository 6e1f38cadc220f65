"""lifecycle: retention facts, legal holds, shred journal, destruction runs, backup epochs

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "customer_lifecycle",
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("relationship_ended_on", sa.String(length=10)),
        sa.Column("last_transaction_on", sa.String(length=10)),
        sa.Column("restricted_at", sa.String(length=32)),
        sa.Column("restricted_until", sa.String(length=10)),
        sa.Column("restricted_rules", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), server_default="", nullable=False),
        sa.Column("placed_at", sa.String(length=32), nullable=False),
        sa.Column("placed_by", sa.String(length=128), nullable=False),
        sa.Column("ends_on", sa.String(length=10)),
        sa.Column("lifted_at", sa.String(length=32)),
        sa.Column("lifted_by", sa.String(length=128)),
        sa.Column("lift_reason", sa.Text()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_legal_holds_customer", "legal_holds", ["customer_id"])
    op.create_table(
        "shred_journal",
        sa.Column("seq", _ID, autoincrement=True, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.Text(), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_shred_journal_customer", "shred_journal", ["customer_id"])
    op.create_table(
        "destruction_runs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_table(
        "backup_epochs",
        sa.Column("epoch_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.String(length=32), nullable=False),
        sa.Column("kek_version", sa.Integer()),
        sa.Column("key_blob", sa.LargeBinary()),
        sa.Column("destroyed_at", sa.String(length=32)),
        sa.PrimaryKeyConstraint("epoch_id"),
    )
    op.create_table(
        "backups",
        sa.Column("backup_id", sa.String(length=32), nullable=False),
        sa.Column("epoch_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pruned_at", sa.String(length=32)),
        sa.PrimaryKeyConstraint("backup_id"),
    )


def downgrade() -> None:
    for name in (
        "backups",
        "backup_epochs",
        "destruction_runs",
        "shred_journal",
        "legal_holds",
        "customer_lifecycle",
    ):
        op.drop_table(name)
