"""payment discrepancy statuses

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradepilot.store.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_discrepancy_statuses",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "decided_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_payment_discrepancy_statuses")),
    )


def downgrade() -> None:
    op.drop_table("payment_discrepancy_statuses")
