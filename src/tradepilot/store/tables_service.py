"""Tables of the service capability: support messages and reply drafts.

One row per message, whatever its source (``.eml``, ``.mbox``, CSV export, IMAP);
``message_key`` (the Message-ID, or a hash of sender, date, subject and text when a
source has none) is unique, which is what makes a re-import add nothing twice.
Triage results (language, intent, sentiment, entities, urgency, links to the order
and customer) are stored on the message; each reply draft is a row of its own, so
an edited draft keeps what the template or LLM wrote.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from tradepilot.store.tables import metadata
from tradepilot.store.types import UTCDateTime

support_messages = Table(
    "support_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_key", String(255), nullable=False, unique=True),
    Column("thread_key", String(255), nullable=False, index=True),
    Column("source", String(16), nullable=False),  # eml, mbox, csv, imap
    Column("source_name", String(512), nullable=False),
    Column("channel", String(32), nullable=False),  # email, amazon, etsy, ...
    Column("marketplace", Boolean, nullable=False),
    Column("received_at", UTCDateTime, nullable=False, index=True),
    Column("sender_email", String(254)),
    Column("sender_name", String(256)),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),  # as received, HTML reduced to text
    Column("text", Text, nullable=False),  # quoted history and signature stripped
    Column("attachments", Text, nullable=False),  # JSON list of {name, type, size}
    Column("in_reply_to", String(255)),
    Column("order_hint", String(64)),  # an order number the source names (CSV)
    # triage
    Column("language", String(8)),
    Column("language_confidence", Float),
    Column("intent", String(64)),
    Column("confidence", Float),
    Column("sentiment", String(16)),
    Column("sentiment_score", Float),
    Column("entities", Text),  # JSON
    Column("urgency", Float),
    Column("urgency_reasons", Text),  # JSON list of words
    Column("reply_due_at", UTCDateTime),
    Column("order_id", ForeignKey("orders.id")),
    Column("order_number", String(64)),
    Column("customer_id", ForeignKey("customers.id")),
    Column("triage_notes", Text),  # JSON list of notes (a capability absent, ...)
    Column("triaged_at", UTCDateTime),
    Column("status", String(16), nullable=False),  # new, drafted, approved, sent
    Column("imported_at", UTCDateTime, nullable=False),
)
Index("ix_support_messages_urgency", support_messages.c.urgency)

support_drafts = Table(
    "support_drafts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", ForeignKey("support_messages.id"), nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("intent", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("facts", Text, nullable=False),  # JSON: the facts the draft may use
    Column("template", String(128)),  # "track_order/de", None when written by an LLM
    Column("llm", String(128)),  # the model, None for a template
    Column("flags", Text, nullable=False),  # JSON list of what a person must check
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime),
    Column("approved_at", UTCDateTime),
    Column("approved_by", String(128)),
    Column("sent_at", UTCDateTime),
    Column("delivery", String(16)),  # smtp, copy (marketplace messaging)
)
