"""Tables of the double-entry ledger (SQLAlchemy Core).

Every row of journal data is covered by the hash chain (see
:mod:`tradepilot.ledger.chain`): an entry's ``hash`` is the SHA-256 of its
``prev_hash`` and a canonical serialisation of every other column of the entry and
of every column of each of its lines. Closings are entries of the chain too
(``kind = 'close'``, the period's Merkle root in ``description``);
``ledger_periods`` and ``ledger_anchors`` repeat what the chain proves, for lookups
and for the roots the seller publishes, and ``ledger verify`` checks them against it.

Amounts are signed: a debit is positive, a credit negative. ``rate`` is the text of
the exact decimal used (units of base currency per unit of ``currency``), kept as
text so that no database rounds it.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, String, Table, Text

from tradepilot.store.tables import metadata
from tradepilot.store.types import ExactDecimal, UTCDateTime

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),  # chain order
    Column("entry_date", Date, nullable=False, index=True),
    Column("period", String(7), nullable=False, index=True),  # YYYY-MM
    Column("kind", String(16), nullable=False),  # sales, returns, reversal, close...
    Column("source_key", String(200), nullable=False, unique=True),
    Column("source_run", Integer),  # the import run whose rows it books
    Column("description", Text, nullable=False),
    Column("reverses_seq", Integer),  # a reversing entry names the one it reverses
    Column("carry", String(40)),  # base rounding carried to the next entry
    Column("created_at", UTCDateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

ledger_lines = Table(
    "ledger_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("entry_seq", Integer, nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("account", String(8), nullable=False),
    Column("role", String(16), nullable=False),  # revenue, vat, receivable, cogs...
    Column("amount", ExactDecimal, nullable=False),  # signed, in ``currency``
    Column("currency", String(3), nullable=False),
    Column("rate", String(40), nullable=False),  # base per unit of currency
    Column("base_amount", ExactDecimal, nullable=False),  # signed, base currency
    Column("country", String(2)),
    Column("channel", String(64)),
    Column("sku", String(64)),
    Column("jurisdiction", String(8)),  # VAT lines: the tax authority's country
    Column("scheme", String(16)),  # VAT lines: domestic, OSS, IOSS, UK VAT, ...
    Column("vat_rate", String(12)),  # VAT lines: the rate as a fraction
)
Index("ix_ledger_lines_account", ledger_lines.c.account)

ledger_periods = Table(
    "ledger_periods",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("closed_at", UTCDateTime, nullable=False),
    Column("close_seq", Integer, nullable=False),  # the closing entry
    Column("entries", Integer, nullable=False),
    Column("merkle_root", String(64), nullable=False),
)

ledger_anchors = Table(
    "ledger_anchors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("head_seq", Integer, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("roots", Text, nullable=False),  # JSON: period -> Merkle root
)
