"""ledger: journal entries and lines (hash-chained), closed periods, anchors

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 13:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradepilot.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("source_run", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reverses_seq", sa.Integer(), nullable=True),
        sa.Column("carry", sa.String(length=40), nullable=True),
        sa.Column(
            "created_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("source_key", name=op.f("uq_ledger_entries_source_key")),
    )
    op.create_index(
        op.f("ix_ledger_entries_entry_date"), "ledger_entries", ["entry_date"]
    )
    op.create_index(op.f("ix_ledger_entries_period"), "ledger_entries", ["period"])
    op.create_table(
        "ledger_lines",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_seq", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=8), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("amount", tradepilot.store.types.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=40), nullable=False),
        sa.Column("base_amount", tradepilot.store.types.ExactDecimal(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("jurisdiction", sa.String(length=8), nullable=True),
        sa.Column("scheme", sa.String(length=16), nullable=True),
        sa.Column("vat_rate", sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_lines")),
    )
    op.create_index(op.f("ix_ledger_lines_entry_seq"), "ledger_lines", ["entry_seq"])
    op.create_index("ix_ledger_lines_account", "ledger_lines", ["account"])
    op.create_table(
        "ledger_periods",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column(
            "closed_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("close_seq", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("merkle_root", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_ledger_periods")),
    )
    op.create_table(
        "ledger_anchors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("head_seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("roots", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_anchors")),
    )


def downgrade() -> None:
    op.drop_table("ledger_anchors")
    op.drop_table("ledger_periods")
    op.drop_index("ix_ledger_lines_account", table_name="ledger_lines")
    op.drop_index(op.f("ix_ledger_lines_entry_seq"), table_name="ledger_lines")
    op.drop_table("ledger_lines")
    op.drop_index(op.f("ix_ledger_entries_period"), table_name="ledger_entries")
    op.drop_index(op.f("ix_ledger_entries_entry_date"), table_name="ledger_entries")
    op.drop_table("ledger_entries")
