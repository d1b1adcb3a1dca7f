"""What the monitors look at, read through the other capabilities' services.

:func:`read_risk_inputs` gathers it once per run, as of "today" (the newest order
day unless given). A capability that is absent or has no data yet leaves its part
empty and adds a note; the monitors that need it are skipped with that note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import TradePilotError
from tradepilot.store.bulk import read_frame
from tradepilot.workspace import newest_order_day

SALE_LINES = (
    "SELECT o.id AS order_id, o.ordered_at, o.country, o.currency, o.kind AS order_kind,"
    " l.kind AS line_kind, l.sku, l.quantity, CAST(l.unit_price AS FLOAT) AS unit_price"
    " FROM order_lines l JOIN orders o ON o.id = l.order_id"
)

# Rates of the currencies the monitors convert: the base, the orders' and the
# purchase orders' (the ECB history has 40 currencies x 27 years).
USED_RATES = (
    "SELECT currency, date, CAST(per_eur AS FLOAT) AS per_eur FROM fx_rates"
    " WHERE currency = :base OR currency IN"
    " (SELECT currency FROM orders UNION SELECT currency FROM purchase_order_lines)"
)


@dataclass
class RiskInputs:
    """The state of the store the monitors judge (frames may be empty)."""

    today: dt.date
    base: str
    lines: pl.DataFrame  # product lines: day, sku, country, currency, units, amount
    rates: pl.DataFrame  # currency, date, per_eur
    products: pl.DataFrame  # sku, supplier
    margins: pl.DataFrame | None = None  # MarginReport rows of today's rules
    margins_later: pl.DataFrame | None = None  # same sales, rules of the horizon day
    target_margin: float = 0.25
    positions: pl.DataFrame | None = None  # replenishment stock positions
    lead_days: dict[str, float] = field(default_factory=dict)  # per supplier
    po_lead_times: pl.DataFrame | None = None  # one row per PO
    po_costs: pl.DataFrame | None = None  # currency, amount of the last year's POs
    discrepancies: list[dict[str, Any]] | None = None  # payments reconciliation's
    reviews: pl.DataFrame | None = None  # sku, day, negative
    notes: list[str] = field(default_factory=list)


def read_risk_inputs(
    engine: Engine, *, home: Path, today: dt.date | None, horizon_days: int
) -> RiskInputs:
    """Everything the monitors need, as of ``today`` (default: newest order day)."""
    from tradepilot.workspace import base_currency

    today = today or newest_order_day(engine)
    with engine.connect() as conn:
        base = base_currency(conn) or "EUR"
        lines = _sale_lines(read_frame(conn, SALE_LINES), today)
        rates = read_frame(conn, USED_RATES, {"base": base})
        products = read_frame(conn, "SELECT sku, supplier FROM products")
    inputs = RiskInputs(today, base, lines, _dates(rates), products)
    _read_margins(engine, home, inputs, horizon_days)
    _read_purchasing(engine, home, inputs)
    _read_discrepancies(engine, home, inputs)
    _read_reviews(engine, inputs)
    return inputs


def _dates(rates: pl.DataFrame) -> pl.DataFrame:
    if rates.height == 0:
        return pl.DataFrame(schema={"currency": pl.String, "date": pl.Date,
                                    "per_eur": pl.Float64})  # fmt: skip
    return rates.with_columns(
        pl.col("date").cast(pl.String).str.slice(0, 10).str.to_date()
    )


def _sale_lines(raw: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Product lines up to ``today``: ``day, sku, country, currency, units, amount,
    returned`` (returned: a cancellation or return, units positive)."""
    if raw.height == 0:
        return pl.DataFrame(
            schema={"day": pl.Date, "sku": pl.String, "country": pl.String,
                    "currency": pl.String, "units": pl.Float64, "amount": pl.Float64,
                    "returned": pl.Boolean}
        )  # fmt: skip
    day = pl.col("ordered_at").cast(pl.String).str.slice(0, 10).str.to_date()
    frame = raw.with_columns(day=day).filter(
        (pl.col("day") <= today) & (pl.col("line_kind") == "product")
    )
    sale = (pl.col("order_kind") == "sale") & (pl.col("quantity") > 0)
    back = pl.col("order_kind").is_in(["cancellation", "return"]) & (
        pl.col("quantity") < 0
    )
    return frame.filter(sale | back).select(
        "day",
        "sku",
        "country",
        "currency",
        units=pl.col("quantity").abs().cast(pl.Float64),
        amount=(pl.col("quantity").abs() * pl.col("unit_price")).cast(pl.Float64),
        returned=back,
    )


def _read_margins(
    engine: Engine, home: Path, inputs: RiskInputs, horizon_days: int
) -> None:
    """Margins under today's rules and under those in force ``horizon_days`` later."""
    try:
        import dataclasses

        from tradepilot.logistics.config import load_trade_config
        from tradepilot.logistics.service import Shipper, price_sales, sales_year
    except ImportError:  # pragma: no cover - a build without logistics
        inputs.notes.append("margins: skipped, capability absent")
        return
    try:
        inputs.target_margin = load_trade_config(home).target_margin
        sales = sales_year(engine, home=home, day=inputs.today, until=inputs.today)
        # one shipper for both: same lanes and parcels, routes computed once
        shipper = Shipper(sales.context, sales.rates)
        now = price_sales(sales, suggest_prices=False, shipper=shipper)
        later_day = inputs.today + dt.timedelta(days=horizon_days)
        later_sales = dataclasses.replace(sales, day=later_day)
        later = price_sales(later_sales, suggest_prices=False, shipper=shipper)
    except TradePilotError as exc:
        inputs.notes.append(f"margins: skipped, {exc}")
        return
    supplier = inputs.products.select("sku", "supplier")
    inputs.margins = now.rows.join(supplier, on="sku", how="left")
    inputs.margins_later = later.rows


def _read_purchasing(engine: Engine, home: Path, inputs: RiskInputs) -> None:
    """Stock positions, learned lead times and PO lead-time history."""
    from tradepilot.replenishment.config import load_purchasing_config
    from tradepilot.replenishment.leadtime_service import (
        learn_lead_times,
        receipts_as_of,
    )
    from tradepilot.replenishment.leadtimes import po_lead_times
    from tradepilot.replenishment.position_service import stock_positions

    config = load_purchasing_config(home)
    try:
        positions = stock_positions(engine, config)["positions"]
        inputs.positions = pl.DataFrame(positions) if positions else None
    except TradePilotError as exc:
        inputs.notes.append(f"stock positions: skipped, {exc}")
    with engine.connect() as conn:
        from tradepilot.replenishment.inputs import read_receipts

        receipts = receipts_as_of(read_receipts(conn), inputs.today)
    if receipts.height == 0:
        inputs.notes.append("supplier lead times: skipped, no purchase orders")
        return
    learned = learn_lead_times(engine, config, as_of=inputs.today)["suppliers"]
    for row in learned:
        if row.get("mean_days") is not None:
            days = inputs.lead_days.setdefault(row["supplier"], row["mean_days"])
            inputs.lead_days[row["supplier"]] = min(days, row["mean_days"])
    inputs.po_lead_times = po_lead_times(receipts, as_of=inputs.today)
    year_ago = inputs.today - dt.timedelta(days=365)
    lines = receipts.unique("line_id")
    inputs.po_costs = lines.filter(pl.col("ordered_date") > year_ago).select(
        "currency", amount=pl.col("quantity_ordered") * pl.col("unit_cost")
    )


def _read_discrepancies(engine: Engine, home: Path, inputs: RiskInputs) -> None:
    """The payments reconciliation's discrepancies (the saved one if no import
    came after it); none without payment data."""
    try:
        from tradepilot.payments.service import current_reconciliation
    except ImportError:  # pragma: no cover - a build without payments
        inputs.notes.append("payments: skipped, capability absent")
        return
    try:
        found = current_reconciliation(engine, home=home)
    except TradePilotError as exc:
        inputs.notes.append(f"payments: skipped, {exc}")
        return
    if found["payouts"]["count"] or found["discrepancies"]:
        inputs.discrepancies = list(found["discrepancies"])


def _read_reviews(engine: Engine, inputs: RiskInputs) -> None:
    """Reviews up to today: ``sku, day, negative``; none without reviews."""
    try:
        from tradepilot.reviews.service import read_reviews
    except ImportError:  # pragma: no cover - a build without reviews
        inputs.notes.append("reviews: skipped, capability absent")
        return
    rows = [
        (r["sku"], str(r["reviewed_at"]), r["sentiment"] == "negative")
        for r in read_reviews(engine)
        if r["sku"] and r["reviewed_at"] is not None
    ]
    if not rows:
        return
    frame = pl.DataFrame(
        rows, schema={"sku": pl.String, "at": pl.String, "negative": pl.Boolean},
        orient="row",
    )  # fmt: skip
    day = pl.col("at").str.slice(0, 10).str.to_date()
    reviews = frame.select("sku", day.alias("day"), "negative")
    inputs.reviews = reviews.filter(pl.col("day") <= inputs.today)
