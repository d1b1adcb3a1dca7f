"""The canonical tables (SQLAlchemy Core).

Every row that an import writes carries its ``import_run_id``, so a run can be traced
back to its file. Natural keys are unique, which is what makes re-imports idempotent:

* ``orders``: (``source``, ``order_number``)
* ``order_lines``: ``line_key`` — source, order number, SKU, quantity, unit price and
  the occurrence of that exact line in its order (see ``ingest/keys.py``)
* ``quarantine``: ``row_key`` — source and the raw values with their occurrence
* ``fx_rates``: (``currency``, ``date``)

Products and purchase-order lines carry the run that created them too (nullable: a
restock approval adds PO lines of its own), so ``tradepilot import undo`` can remove
exactly what one run added (``ingest/undo.py``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tradepilot.store.types import ExactDecimal, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("format", String(32), nullable=False),
    Column("source_name", String(512), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("report", Text, nullable=False),  # JSON ImportReport
    Column("undone_at", UTCDateTime),  # set by ``tradepilot import undo``
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    Column("format", String(32), nullable=False),
    Column("source_name", String(512), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),  # JSON object: column -> raw text
    Column("row_key", String(200), nullable=False, unique=True),
)

channels = Table(
    "channels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(32), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("country", String(2)),
    UniqueConstraint("source", "external_id"),
)

products = Table(
    "products",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("description", Text),
    Column("kind", String(16), nullable=False),
    Column("category", String(64)),
    Column("supplier", String(128)),
    Column("unit_cost", ExactDecimal),
    Column("cost_currency", String(3)),
    Column("weight_kg", Float),
    Column("hs_code", String(12)),
    Column("case_pack", Integer),
    Column("moq", Integer),
    Column("list_price", ExactDecimal),
    Column("price_currency", String(3)),
    # The run that created the product (null: before migration 0005), for undo.
    Column("import_run_id", Integer),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(32), nullable=False),
    Column("order_number", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("channel_id", ForeignKey("channels.id"), nullable=False),
    Column("customer_id", ForeignKey("customers.id")),
    Column("country", String(2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("ordered_at", UTCDateTime, nullable=False, index=True),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    UniqueConstraint("source", "order_number"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("line_key", String(200), nullable=False, unique=True),
    Column("sku", ForeignKey("products.sku"), nullable=False, index=True),
    Column("description", Text),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", ExactDecimal, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("reverses_line_id", ForeignKey("order_lines.id")),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
)

fx_rates = Table(
    "fx_rates",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("per_eur", ExactDecimal, nullable=False),  # units of currency per 1 EUR
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("country", String(2)),
)

inventory_snapshots = Table(
    "inventory_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("date", Date, nullable=False),
    Column("sku", String(64), nullable=False, index=True),
    Column("warehouse", ForeignKey("warehouses.code"), nullable=False),
    Column("on_hand", Integer, nullable=False),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    UniqueConstraint("date", "sku", "warehouse"),
)

inventory_movements = Table(
    "inventory_movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("date", Date, nullable=False),
    Column("sku", String(64), nullable=False, index=True),
    Column("warehouse", ForeignKey("warehouses.code"), nullable=False),
    Column("change", Integer, nullable=False),
    Column("reason", String(64), nullable=False),
    Column("movement_key", String(200), nullable=False, unique=True),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("country", String(2)),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("po_number", String(64), nullable=False, unique=True),
    Column("supplier_id", ForeignKey("suppliers.id"), nullable=False),
    Column("ordered_date", Date, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("warehouse", ForeignKey("warehouses.code")),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("po_id", ForeignKey("purchase_orders.id"), nullable=False),
    Column("sku", String(64), nullable=False, index=True),
    Column("quantity_ordered", Integer, nullable=False),
    Column("unit_cost", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("promised_date", Date),
    Column("import_run_id", Integer),  # the run that added the line, for undo
    UniqueConstraint("po_id", "sku"),
)

po_receipts = Table(
    "po_receipts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("po_line_id", ForeignKey("purchase_order_lines.id"), nullable=False),
    Column("received_date", Date, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("receipt_key", String(200), nullable=False, unique=True),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
)

Index("ix_orders_customer", orders.c.customer_id)
# Partial: only cancellations have a reversed line (7,599 of 541,909 Online Retail
# lines), and every lookup by it (undo, the facts page, the foreign key's checks)
# names a value; the full index cost a quarter of a second per large import.
Index(
    "ix_order_lines_reverses",
    order_lines.c.reverses_line_id,
    sqlite_where=order_lines.c.reverses_line_id.is_not(None),
    postgresql_where=order_lines.c.reverses_line_id.is_not(None),
)

# --- owner account, sessions and API tokens (app shell) -------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # sha256 of the cookie value
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
)

# --- forecasting ------------------------------------------------------------------------

forecast_runs = Table(
    "forecast_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # forecast or backtest
    Column("created_at", UTCDateTime, nullable=False),
    Column("freq", String(4), nullable=False),
    Column("horizon", Integer, nullable=False),
    Column("cutoff", Date),  # None: all data
    Column("params", Text, nullable=False),  # JSON: levels, engine, pooling, ...
    Column("metrics", Text, nullable=False),  # JSON: backtest metrics or run summary
    Column("seconds", Float, nullable=False),
)

forecast_values = Table(
    "forecast_values",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("forecast_runs.id"), nullable=False, index=True),
    Column("unique_id", String(140), nullable=False),
    Column("sku", String(64), nullable=False, index=True),
    Column("country", String(32), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("forecast", Float, nullable=False),
    Column("model", String(64), nullable=False),
)

forecast_intervals = Table(
    "forecast_intervals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("forecast_runs.id"), nullable=False, index=True),
    Column("unique_id", String(140), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("level", Integer, nullable=False),  # e.g. 80, 95
    Column("lo", Float, nullable=False),
    Column("hi", Float, nullable=False),
)

forecast_choices = Table(
    "forecast_choices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("forecast_runs.id"), nullable=False, index=True),
    Column("unique_id", String(140), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("country", String(32), nullable=False),
    Column("demand_class", String(16), nullable=False),
    Column("model", String(64), nullable=False),
    Column("cv_rmsse", Float),
    Column("cv_mae", Float),
    Column("n_windows", Integer, nullable=False),
    Column("interval_method", String(32)),
    Column("lost_units", Float),  # demand added back where stock ran out
)

# Cross-validation error of every candidate model of every series: why a model won.
forecast_scores = Table(
    "forecast_scores",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("forecast_runs.id"), nullable=False, index=True),
    Column("unique_id", String(140), nullable=False),
    Column("model", String(64), nullable=False),
    Column("cv_rmsse", Float),
    Column("cv_mae", Float),
)

# --- replenishment -----------------------------------------------------------------------

# A restock plan: what to buy, made from a forecast run, the stock position and the
# purchasing settings of the day. Amounts are planning estimates (floats, rounded to
# cents); an approved line becomes a purchase order with exact decimals.
restock_plans = Table(
    "restock_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("base_currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),  # optimal, feasible, infeasible
    Column("explanation", Text, nullable=False),
    Column("budget", Float),  # None: no cash limit
    Column("spent_base", Float, nullable=False),
    Column("forecast_run_id", ForeignKey("forecast_runs.id")),
    Column("params", Text, nullable=False),  # JSON: service level, horizon, ...
    Column("summary", Text, nullable=False),  # JSON: positions, stockouts, solver
    Column("seconds", Float, nullable=False),
)

restock_lines = Table(
    "restock_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", ForeignKey("restock_plans.id"), nullable=False, index=True),
    Column("sku", String(64), nullable=False),
    Column("supplier", String(128), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("order_by", Date, nullable=False),
    Column("arrival", Date, nullable=False),
    Column("unit_cost", Float, nullable=False),  # supplier currency
    Column("cost", Float, nullable=False),  # qty x unit cost, supplier currency
    Column("currency", String(3), nullable=False),
    Column("cost_base", Float, nullable=False),  # goods + freight, base currency
    Column("freight_base", Float, nullable=False),
    Column("expected_margin", Float),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),  # proposed, approved
    Column("approved_by", String(254)),
    Column("approved_at", UTCDateTime),
    Column("po_number", String(64)),
)

policy_simulations = Table(
    "policy_simulations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("params", Text, nullable=False),  # JSON
    Column("report", Text, nullable=False),  # JSON: days, policies
    Column("seconds", Float, nullable=False),
)

# --- customers -----------------------------------------------------------------------

# What the seller knows of a customer record beyond its id: contact data from a
# customers export (personal data, erased by ``customers forget``) and marketing
# consent. One row per customer record; the identity keys (e-mail, shop customer id,
# marketplace buyer id) join records of different sources into one person.
customer_contacts = Table(
    "customer_contacts",
    metadata,
    Column("customer_id", ForeignKey("customers.id"), primary_key=True),
    Column("email", String(254)),  # normalised (see customers/identity.py)
    Column("first_name", String(128)),
    Column("last_name", String(128)),
    Column("phone", String(64)),
    Column("city", String(128)),
    Column("postal_code", String(32)),
    Column("shop_customer_id", String(128)),
    Column("marketplace_buyer_id", String(128)),
    Column("accepts_marketing", Boolean),  # None: unknown, treated as no
    Column("consent_source", String(64)),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("import_run_id", ForeignKey("import_runs.id")),
)
Index("ix_customer_contacts_email", customer_contacts.c.email)

# Merges and separations the owner made by hand: ``merge`` joins two records into one
# person; ``separate`` keeps a record out of automatic matching (and undoes merges).
customer_merges = Table(
    "customer_merges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("action", String(16), nullable=False),  # merge, separate
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("other_id", ForeignKey("customers.id")),  # None for separate
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("undone_at", UTCDateTime),
)

# GDPR erasures: which record was erased and when; ``fingerprints`` are salted
# SHA-256 hashes of its identifiers, so a later customers import does not bring the
# person back. No personal data.
customer_erasures = Table(
    "customer_erasures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False),
    Column("fingerprints", Text, nullable=False),  # JSON list of hex digests
    Column("erased_at", UTCDateTime, nullable=False),
)

# Segments: each refresh is a run; its members are the saved, exportable list.
customer_segment_runs = Table(
    "customer_segment_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("base_currency", String(3), nullable=False),
    Column("method", Text, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: the segments report
)

customer_segment_members = Table(
    "customer_segment_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "run_id", ForeignKey("customer_segment_runs.id"), nullable=False, index=True
    ),
    Column("customer_id", ForeignKey("customers.id"), nullable=False),
    Column("segment", String(64), nullable=False),
)
