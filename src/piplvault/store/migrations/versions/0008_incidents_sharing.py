"""incidents, incident scope and drills; recipients register and share exports

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("found_at", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False, server_default=""),
        sa.Column("grade", sa.String(32), nullable=False, server_default="general"),
        sa.Column("affected", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("details", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("opened_at", sa.String(32), nullable=False),
        sa.Column("opened_by", sa.String(128), nullable=False),
        sa.Column("closed_at", sa.String(32)),
    )
    op.create_table(
        "incident_affected",
        sa.Column(
            "incident_id",
            sa.String(16),
            sa.ForeignKey("incidents.id"),
            primary_key=True,
        ),
        sa.Column("customer_id", _ID, primary_key=True),
        sa.Column("sensitive", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("notice", sa.String(16), nullable=False, server_default="none"),
    )
    op.create_table(
        "drills",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("held_on", sa.String(10), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("plan_version", sa.String(64), nullable=False, server_default=""),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
    )
    op.create_table(
        "recipients",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("identifier", sa.String(128), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("contract", sa.Text(), nullable=False),
        sa.Column("purposes", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
    )
    op.create_table(
        "share_exports",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "recipient_id",
            sa.String(16),
            sa.ForeignKey("recipients.id"),
            nullable=False,
        ),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("cross_border", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "share_export_customers",
        sa.Column(
            "export_id", _ID, sa.ForeignKey("share_exports.id"), primary_key=True
        ),
        sa.Column("customer_id", _ID, primary_key=True),
        sa.Column("sensitive", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "share_export_customers",
        "share_exports",
        "recipients",
        "drills",
        "incident_affected",
        "incidents",
    ):
        op.drop_table(table)
