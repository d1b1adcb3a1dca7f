"""Tables of the assistant: the daily briefs, one snapshot per day.

Each brief is saved whole (its JSON) so the next one can say what changed since,
and the Today page can show the day's brief without recomputing it. Building a
brief again for the same day replaces that day's snapshot.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, Table, Text

from tradepilot.store.tables import metadata
from tradepilot.store.types import UTCDateTime

assistant_briefs = Table(
    "assistant_briefs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False, unique=True),  # the brief's data day
    Column("created_at", UTCDateTime, nullable=False),
    Column("brief", Text, nullable=False),  # JSON of build_brief, text included
)
