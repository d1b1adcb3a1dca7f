"""Tables of the payments capability: provider transactions, bank lines, runs.

Every row an import writes carries its ``import_run_id`` (``tradepilot import undo``
removes them) and a unique key, which is what makes re-imports idempotent:

* ``payment_transactions``: ``txn_key`` — provider, the provider's transaction id
  where the file has one, else the row's values and their occurrence in the file
* ``bank_transactions``: ``line_key`` — account, the line's values and occurrence

Amounts follow the provider's balance: ``gross`` is signed (a charge adds, a
refund or a payout takes away), ``fee`` is what the provider kept (positive), and
``net = gross - fee``.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text

from tradepilot.store.tables import metadata
from tradepilot.store.types import ExactDecimal, UTCDateTime

payment_transactions = Table(
    "payment_transactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("provider", String(32), nullable=False, index=True),
    Column("txn_key", String(200), nullable=False, unique=True),
    Column("external_id", String(128)),
    Column("kind", String(16), nullable=False),  # see payments.records.KINDS
    Column("category", String(128)),  # the provider's own type, as written
    Column("occurred_at", UTCDateTime, nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("gross", ExactDecimal, nullable=False),
    Column("fee", ExactDecimal, nullable=False),
    Column("net", ExactDecimal, nullable=False),
    Column("order_ref", String(64), index=True),  # as the provider wrote it
    Column("payout_id", String(128), index=True),
    Column("reference", String(128)),  # the transaction this one belongs to
    Column("original_amount", ExactDecimal),  # what the buyer paid, if converted
    Column("original_currency", String(3)),
    Column("description", Text),
    Column("row_number", Integer, nullable=False),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
)

bank_transactions = Table(
    "bank_transactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account", String(64), nullable=False),
    Column("line_key", String(200), nullable=False, unique=True),
    Column("booked_on", Date, nullable=False, index=True),
    Column("amount", ExactDecimal, nullable=False),  # credit > 0, debit < 0
    Column("currency", String(3), nullable=False),
    Column("counterparty", String(256)),
    Column("description", Text),
    Column("reference", String(256)),
    Column("balance", ExactDecimal),  # balance after the line, when the file says
    Column("row_number", Integer, nullable=False),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
)

payment_reconciliations = Table(
    "payment_reconciliations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("base_currency", String(3), nullable=False),
    Column("result", Text, nullable=False),  # JSON of ``payouts reconcile --json``
)
