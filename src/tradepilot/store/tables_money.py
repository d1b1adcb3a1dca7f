"""Tables of the money capabilities that are not journal data.

* ``payment_discrepancy_statuses``: what the seller decided about a discrepancy
  of the reconciliation (``resolved`` or ``ignored``, with a note), keyed by the
  discrepancy's stable key (:func:`tradepilot.payments.status.discrepancy_key`),
  so that the decision holds when the reconciliation runs again.

Opening balances, categorised bank lines, supplier payments and FX revaluations
are ledger entries (``ledger_entries``), inside the hash chain.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from tradepilot.store.tables import metadata
from tradepilot.store.types import UTCDateTime

payment_discrepancy_statuses = Table(
    "payment_discrepancy_statuses",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("subject", String(128)),  # the order or payout it names
    Column("status", String(16), nullable=False),  # resolved, ignored
    Column("note", Text, nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
)
