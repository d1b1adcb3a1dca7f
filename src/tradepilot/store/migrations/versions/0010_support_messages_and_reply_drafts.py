"""support messages and reply drafts

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-04 13:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradepilot.store.types

revision = "0010"
down_revision = "0011"  # after the risk tables (0011), merged first
branch_labels = None
depends_on = None


def _utc() -> tradepilot.store.types.UTCDateTime:
    return tradepilot.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "support_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=255), nullable=False),
        sa.Column("thread_key", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.String(length=512), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("marketplace", sa.Boolean(), nullable=False),
        sa.Column("received_at", _utc(), nullable=False),
        sa.Column("sender_email", sa.String(length=254), nullable=True),
        sa.Column("sender_name", sa.String(length=256), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("in_reply_to", sa.String(length=255), nullable=True),
        sa.Column("order_hint", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("language_confidence", sa.Float(), nullable=True),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("sentiment", sa.String(length=16), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("entities", sa.Text(), nullable=True),
        sa.Column("urgency", sa.Float(), nullable=True),
        sa.Column("urgency_reasons", sa.Text(), nullable=True),
        sa.Column("reply_due_at", _utc(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("order_number", sa.String(length=64), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("triage_notes", sa.Text(), nullable=True),
        sa.Column("triaged_at", _utc(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("imported_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_support_messages_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_support_messages_order_id_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_messages")),
        sa.UniqueConstraint(
            "message_key", name=op.f("uq_support_messages_message_key")
        ),
    )
    with op.batch_alter_table("support_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_messages_received_at"), ["received_at"]
        )
        batch_op.create_index(
            batch_op.f("ix_support_messages_thread_key"), ["thread_key"]
        )
        batch_op.create_index("ix_support_messages_urgency", ["urgency"])

    op.create_table(
        "support_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=128), nullable=True),
        sa.Column("llm", sa.String(length=128), nullable=True),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("edited_at", _utc(), nullable=True),
        sa.Column("approved_at", _utc(), nullable=True),
        sa.Column("approved_by", sa.String(length=128), nullable=True),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("delivery", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["support_messages.id"],
            name=op.f("fk_support_drafts_message_id_support_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_drafts")),
    )
    with op.batch_alter_table("support_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_drafts_message_id"), ["message_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("support_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_drafts_message_id"))
    op.drop_table("support_drafts")
    with op.batch_alter_table("support_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_support_messages_urgency")
        batch_op.drop_index(batch_op.f("ix_support_messages_thread_key"))
        batch_op.drop_index(batch_op.f("ix_support_messages_received_at"))
    op.drop_table("support_messages")
