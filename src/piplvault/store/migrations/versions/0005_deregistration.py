"""deregistration: per-customer kept and destroyed categories

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_customers") as batch:
        batch.add_column(
            sa.Column("keep_categories", sa.Text(), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "destroy_categories", sa.Text(), server_default="", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("case_customers") as batch:
        batch.drop_column("destroy_categories")
        batch.drop_column("keep_categories")
