"""Tables of the reviews capability: imported product reviews and their analysis.

A review's natural key is (``source``, ``review_key``): the source's own review id
when the export has one, else a hash of SKU, date, author and text, so importing
the same export again adds nothing twice. Trained text models are files in the
workspace (``models/``), not rows.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tradepilot.store.tables import metadata
from tradepilot.store.types import UTCDateTime

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(64), nullable=False),
    Column("review_key", String(128), nullable=False),
    Column("sku", String(128), nullable=True),
    Column("country", String(2), nullable=True),
    Column("reviewed_at", UTCDateTime, nullable=True),
    Column("rating", Integer, nullable=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("author", String(256), nullable=True),
    Column("language", String(8), nullable=False),
    Column("language_confidence", Float, nullable=False),
    # stars when present, else text
    Column("sentiment", String(8), nullable=False),
    Column("sentiment_source", String(8), nullable=False),
    Column("text_sentiment", String(8), nullable=False),
    Column("text_confidence", Float, nullable=False),
    # the stars say one polarity and the text the other
    Column("disagreement", Boolean, nullable=False),
    # JSON list of {"aspect", "polarity", "phrases"}
    Column("aspects", Text, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "review_key"),
    Index("ix_reviews_sku_country", "sku", "country"),
)
