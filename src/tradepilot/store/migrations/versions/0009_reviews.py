"""product reviews with language, sentiment and aspects

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-04 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradepilot.store.types

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("review_key", sa.String(length=128), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column(
            "reviewed_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=256), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("language_confidence", sa.Float(), nullable=False),
        sa.Column("sentiment", sa.String(length=8), nullable=False),
        sa.Column("sentiment_source", sa.String(length=8), nullable=False),
        sa.Column("text_sentiment", sa.String(length=8), nullable=False),
        sa.Column("text_confidence", sa.Float(), nullable=False),
        sa.Column("disagreement", sa.Boolean(), nullable=False),
        sa.Column("aspects", sa.Text(), nullable=False),
        sa.Column(
            "imported_at",
            tradepilot.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("source", "review_key", name=op.f("uq_reviews_source")),
    )
    op.create_index("ix_reviews_sku_country", "reviews", ["sku", "country"])


def downgrade() -> None:
    op.drop_index("ix_reviews_sku_country", table_name="reviews")
    op.drop_table("reviews")
