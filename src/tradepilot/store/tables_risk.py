"""Tables of the risk radar: alerts raised by the monitors and order-risk marks.

An alert is identified by its ``key`` (kind and subject): a monitor run updates the
live alert (open, snoozed or done) of a key instead of adding one, and closes it
when its condition is gone, so re-running on unchanged data changes nothing. A
closed alert stays as history; the condition coming back opens a new alert.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Integer, String, Table, Text

from tradepilot.store.tables import metadata
from tradepilot.store.types import UTCDateTime

risk_alerts = Table(
    "risk_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False, index=True),  # kind:subject
    Column("kind", String(32), nullable=False, index=True),
    Column("severity", String(16), nullable=False),  # low, medium, high
    Column("subject", String(256), nullable=False),
    Column("money_at_stake_base", Float, nullable=False),  # planning estimate
    Column("currency", String(3), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON: numbers and a page link
    Column("first_seen", Date, nullable=False),  # data days ("today" of the run)
    Column("last_seen", Date, nullable=False),
    Column("status", String(16), nullable=False),  # open, snoozed, done, closed
    Column("updated_at", UTCDateTime, nullable=False),
    Column("closed_at", Date),
)

# The seller's verdict on an order's risk: fraud or legit; re-weighs the signals.
order_risk_marks = Table(
    "order_risk_marks",
    metadata,
    Column("order_id", ForeignKey("orders.id"), primary_key=True),
    Column("label", String(8), nullable=False),  # fraud, legit
    Column("marked_at", UTCDateTime, nullable=False),
)
