"""assistant briefs: one snapshot of the daily brief per day

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradepilot.store.types

revision = "0012"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assistant_briefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_briefs")),
        sa.UniqueConstraint("day", name=op.f("uq_assistant_briefs_day")),
    )


def downgrade() -> None:
    op.drop_table("assistant_briefs")
