"""consents.notice_version: 64 → 255 characters (a transfer consent records the case id and
the notice's SHA-256, 71 characters; PostgreSQL enforced the old length, SQLite does not)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite does not enforce VARCHAR lengths, so only PostgreSQL needs the change (a
    # SQLite table rebuild would buy nothing).
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "consents",
            "notice_version",
            type_=sa.String(length=255),
            existing_type=sa.String(length=64),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "consents",
            "notice_version",
            type_=sa.String(length=64),
            existing_type=sa.String(length=255),
            existing_nullable=False,
        )
