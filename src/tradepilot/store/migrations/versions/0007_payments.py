"""payment transactions, bank transactions and reconciliation runs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradepilot.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_MONEY = tradepilot.store.types.ExactDecimal
_UTC = tradepilot.store.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "payment_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("txn_key", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=128), nullable=True),
        sa.Column("occurred_at", _UTC(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gross", _MONEY(length=40), nullable=False),
        sa.Column("fee", _MONEY(length=40), nullable=False),
        sa.Column("net", _MONEY(length=40), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.Column("payout_id", sa.String(length=128), nullable=True),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("original_amount", _MONEY(length=40), nullable=True),
        sa.Column("original_currency", sa.String(length=3), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_runs.id"],
            name=op.f("fk_payment_transactions_import_run_id_import_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_transactions")),
        sa.UniqueConstraint("txn_key", name=op.f("uq_payment_transactions_txn_key")),
    )
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        for column in ("provider", "occurred_at", "order_ref", "payout_id"):
            batch_op.create_index(
                batch_op.f(f"ix_payment_transactions_{column}"), [column], unique=False
            )
    op.create_table(
        "bank_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("line_key", sa.String(length=200), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount", _MONEY(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("counterparty", sa.String(length=256), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=256), nullable=True),
        sa.Column("balance", _MONEY(length=40), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_runs.id"],
            name=op.f("fk_bank_transactions_import_run_id_import_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_transactions")),
        sa.UniqueConstraint("line_key", name=op.f("uq_bank_transactions_line_key")),
    )
    with op.batch_alter_table("bank_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bank_transactions_booked_on"), ["booked_on"], unique=False
        )
    op.create_table(
        "payment_reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", _UTC(timezone=True), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reconciliations")),
    )


def downgrade() -> None:
    op.drop_table("payment_reconciliations")
    with op.batch_alter_table("bank_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_transactions_booked_on"))
    op.drop_table("bank_transactions")
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        for column in ("provider", "occurred_at", "order_ref", "payout_id"):
            batch_op.drop_index(batch_op.f(f"ix_payment_transactions_{column}"))
    op.drop_table("payment_transactions")
