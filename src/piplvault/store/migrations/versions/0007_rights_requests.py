"""individuals' rights requests (PIPL Arts. 44-50)

Revision ID: 0007
Revises: 0006

One row per request: type, state, channel, receipt time and due date (with the source of
the service level), how identity was verified, extension, outcome and refusal ground. Who
asked is stored only as ciphertext under the customer's data key (``requester``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("customer_created", sa.String(32), nullable=False, server_default=""),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("wants", sa.String(24), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("due_on", sa.String(10), nullable=False),
        sa.Column("due_source", sa.Text(), nullable=False, server_default=""),
        sa.Column("identity_method", sa.String(24), nullable=False, server_default=""),
        sa.Column("verified_at", sa.String(32)),
        sa.Column("verified_by", sa.String(64)),
        sa.Column("extended_to", sa.String(10)),
        sa.Column("extension_reason", sa.Text()),
        sa.Column("requester", sa.LargeBinary()),
        sa.Column("details", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("outcome", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("refusal_ground", sa.String(48)),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("closed_at", sa.String(32)),
    )
    op.create_index("ix_rights_requests_customer", "rights_requests", ["customer_id"])
    op.create_index("ix_rights_requests_state", "rights_requests", ["state"])


def downgrade() -> None:
    op.drop_index("ix_rights_requests_state", table_name="rights_requests")
    op.drop_index("ix_rights_requests_customer", table_name="rights_requests")
    op.drop_table("rights_requests")
