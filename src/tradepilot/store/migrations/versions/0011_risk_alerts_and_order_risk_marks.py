"""risk alerts and order-risk marks

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-04 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradepilot.store.types

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("money_at_stake_base", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "updated_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("closed_at", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_alerts")),
    )
    op.create_index(op.f("ix_risk_alerts_key"), "risk_alerts", ["key"])
    op.create_index(op.f("ix_risk_alerts_kind"), "risk_alerts", ["kind"])
    op.create_table(
        "order_risk_marks",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column(
            "marked_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_risk_marks_order_id_orders"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_risk_marks")),
    )


def downgrade() -> None:
    op.drop_table("order_risk_marks")
    op.drop_index(op.f("ix_risk_alerts_kind"), table_name="risk_alerts")
    op.drop_index(op.f("ix_risk_alerts_key"), table_name="risk_alerts")
    op.drop_table("risk_alerts")
