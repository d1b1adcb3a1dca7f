"""Reading what a restock plan needs from the store, as polars frames.

Purchase-order history, the catalogue's purchasing fields, stock on hand, open
purchase-order lines, the latest forecast per SKU and selling prices. Every reader
takes an open connection and returns a frame with a fixed schema (empty when the
workspace has no such data).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.service import latest_run
from tradepilot.fx.service import LatestRates, load_rate_table
from tradepilot.store.bulk import read_frame

UNASSIGNED = "(no supplier)"
"""Supplier of products whose catalogue row names none."""
CLOSED_SHARE = 0.94
"""A partly received PO line is closed once this share has arrived: suppliers ship a
few units short (1-6 %) and never send the rest."""
Z80 = 1.2815515655446004

RECEIPTS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "line_id": pl.Int64,
    "po_number": pl.String,
    "supplier": pl.String,
    "mode": pl.String,
    "warehouse": pl.String,
    "ordered_date": pl.Date,
    "sku": pl.String,
    "quantity_ordered": pl.Int64,
    "unit_cost": pl.Float64,
    "currency": pl.String,
    "promised_date": pl.Date,
    "received_date": pl.Date,
    "quantity_received": pl.Int64,
}


def read_receipts(conn: Connection) -> pl.DataFrame:
    """Purchase-order lines with their receipts: one row per line per receipt.

    A line with nothing received yet has one row with null ``received_date``.
    """
    return read_frame(
        conn,
        "SELECT l.id AS line_id, p.po_number, s.name AS supplier, p.mode,"
        " p.warehouse, p.ordered_date, l.sku, l.quantity_ordered,"
        " CAST(l.unit_cost AS FLOAT) AS unit_cost, l.currency, l.promised_date,"
        " r.received_date, r.quantity AS quantity_received"
        " FROM purchase_order_lines l"
        " JOIN purchase_orders p ON p.id = l.po_id"
        " JOIN suppliers s ON s.id = p.supplier_id"
        " LEFT JOIN po_receipts r ON r.po_line_id = l.id"
        " ORDER BY p.ordered_date, p.po_number, l.sku, r.received_date",
        schema=RECEIPTS_SCHEMA,
    )


def read_products(conn: Connection) -> pl.DataFrame:
    """Purchasing fields of the catalogue; a missing supplier is :data:`UNASSIGNED`."""
    frame = read_frame(
        conn,
        "SELECT sku, description, category, supplier,"
        " CAST(unit_cost AS FLOAT) AS unit_cost, cost_currency, weight_kg,"
        " case_pack, moq, CAST(list_price AS FLOAT) AS list_price, price_currency"
        " FROM products WHERE kind = 'product'",
        schema={
            "sku": pl.String,
            "description": pl.String,
            "category": pl.String,
            "supplier": pl.String,
            "unit_cost": pl.Float64,
            "cost_currency": pl.String,
            "weight_kg": pl.Float64,
            "case_pack": pl.Int64,
            "moq": pl.Int64,
            "list_price": pl.Float64,
            "price_currency": pl.String,
        },
    )
    return frame.with_columns(
        pl.col("supplier").fill_null(UNASSIGNED),
        pl.col("case_pack").fill_null(1).clip(lower_bound=1),
        pl.col("moq").fill_null(0).clip(lower_bound=0),
    )


def open_lines(receipts: pl.DataFrame) -> pl.DataFrame:
    """PO lines still expected: ``line_id, po_number, supplier, mode, sku,
    ordered_date, promised_date, warehouse, open_qty, last_received``.

    A line is open while less than :data:`CLOSED_SHARE` of it has arrived.
    """
    per_line = receipts.group_by("line_id").agg(
        pl.col(
            "po_number", "supplier", "mode", "warehouse", "sku", "ordered_date"
        ).first(),
        pl.col("promised_date").first(),
        pl.col("quantity_ordered").first(),
        pl.col("quantity_received").sum().alias("received"),
        pl.col("received_date").max().alias("last_received"),
    )
    return (
        per_line.filter(pl.col("received") < CLOSED_SHARE * pl.col("quantity_ordered"))
        .with_columns(open_qty=pl.col("quantity_ordered") - pl.col("received"))
        .drop("quantity_ordered", "received")
        .sort("line_id")
    )


def stock_on_hand(conn: Connection, *, as_of: dt.date) -> pl.DataFrame:
    """Units on hand per SKU at the start of ``as_of``: ``sku, on_hand, counted_on``.

    The latest stock count before ``as_of`` per SKU and warehouse, summed over
    warehouses, plus units received and minus units sold since that count. SKUs
    never counted are absent (their stock is unknown).
    """
    counts = read_frame(
        conn,
        "SELECT s.sku, s.warehouse, s.date, s.on_hand FROM inventory_snapshots s"
        " JOIN (SELECT sku, warehouse, MAX(date) AS date FROM inventory_snapshots"
        "  WHERE date < :day GROUP BY sku, warehouse) m"
        " ON m.sku = s.sku AND m.warehouse = s.warehouse AND m.date = s.date",
        {"day": as_of},
        schema={"sku": pl.String, "warehouse": pl.String, "date": pl.Date},
    )
    if counts.height == 0:
        return pl.DataFrame(
            schema={"sku": pl.String, "on_hand": pl.Int64, "counted_on": pl.Date}
        )
    since = counts["date"].min()
    assert isinstance(since, dt.date)
    moves = _moves_since(conn, since=since, until=as_of)
    joined = counts.join(moves, on="sku", how="left").filter(
        pl.col("day").is_null() | (pl.col("day") > pl.col("date"))
    )
    change = joined.group_by("sku").agg(pl.col("change").sum())
    stock = counts.group_by("sku").agg(
        pl.col("on_hand").sum(), pl.col("date").max().alias("counted_on")
    )
    return (
        stock.join(change, on="sku", how="left")
        .with_columns(
            on_hand=(pl.col("on_hand") + pl.col("change").fill_null(0)).clip(
                lower_bound=0
            )
        )
        .select("sku", pl.col("on_hand").cast(pl.Int64), "counted_on")
        .sort("sku")
    )


def _moves_since(conn: Connection, *, since: dt.date, until: dt.date) -> pl.DataFrame:
    """Units received (+) and sold (-) per SKU and day in ``(since, until)``."""
    received = read_frame(
        conn,
        "SELECT l.sku, r.received_date AS day, SUM(r.quantity) AS change"
        " FROM po_receipts r JOIN purchase_order_lines l ON l.id = r.po_line_id"
        " WHERE r.received_date > :since AND r.received_date < :until"
        " GROUP BY l.sku, r.received_date",
        {"since": since, "until": until},
        schema={"sku": pl.String, "day": pl.Date, "change": pl.Int64},
    )
    sold = daily_sales(conn, since=since).filter(
        (pl.col("day") > since) & (pl.col("day") < until)
    )
    return pl.concat(
        [received, sold.select("sku", "day", (-pl.col("units")).alias("change"))]
    )


def daily_sales(conn: Connection, *, since: dt.date | None = None) -> pl.DataFrame:
    """Units sold per SKU and UTC day: ``sku, day, units`` (sale orders' product
    lines; cancellations and returns are not netted out)."""
    start = since or dt.date(1900, 1, 1)
    lines = read_frame(
        conn,
        "SELECT l.sku, o.ordered_at, l.quantity FROM order_lines l"
        " JOIN orders o ON o.id = l.order_id"
        " WHERE o.kind = 'sale' AND l.kind = 'product' AND l.quantity > 0"
        " AND o.ordered_at >= :since",
        {"since": dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)},
        schema={
            "sku": pl.String,
            "quantity": pl.Int64,
            "ordered_at": pl.Datetime("us", "UTC"),
        },
    )
    return (
        lines.with_columns(day=pl.col("ordered_at").dt.date())
        .group_by("sku", "day")
        .agg(pl.col("quantity").sum().alias("units"))
    )


def forecast_by_sku(conn: Connection) -> tuple[dict[str, object], pl.DataFrame]:
    """The latest forecast run and its demand per SKU and period.

    Returns
    -------
    run : dict
        The run (id, cutoff, freq, horizon, params).
    frame : polars.DataFrame
        ``sku, period_start, mean, std`` in units per period, summed over
        countries; ``std`` from the 80 % interval of each country's series,
        combined as independent (a lower bound where countries move together).

    Raises
    ------
    DataValidationError
        If no forecast has been run.
    """
    run = latest_run(conn)
    if run is None:
        raise DataValidationError(
            "no forecast yet: run 'tradepilot forecast run' first (a restock plan"
            " orders for the forecast demand)"
        )
    return run, _forecast_sums(conn, int(run["id"]), ["sku", "period_start"])


def forecast_by_market(conn: Connection, *, run_id: int) -> pl.DataFrame:
    """Demand per SKU and country over the run: ``sku, market, mean, std`` (units)."""
    frame = _forecast_sums(conn, run_id, ["sku", "country"])
    return frame.rename({"country": "market"})


def _forecast_sums(conn: Connection, run_id: int, keys: list[str]) -> pl.DataFrame:
    """Forecast units of a run summed over ``keys``, with the spread from each
    series' 80 % interval (combined as independent; ``sqrt(forecast)`` without one)."""
    # Two reads joined here rather than in SQL: forecast_intervals has no index on
    # its join keys, and SQLite's nested loop over a 100k-row run took minutes.
    values = read_frame(
        conn,
        "SELECT unique_id, sku, country, period_start, forecast"
        " FROM forecast_values WHERE run_id = :r",
        {"r": run_id},
        schema={
            "unique_id": pl.String,
            "sku": pl.String,
            "country": pl.String,
            "period_start": pl.Date,
            "forecast": pl.Float64,
        },
    )
    bands = read_frame(
        conn,
        "SELECT unique_id, period_start, lo, hi FROM forecast_intervals"
        " WHERE run_id = :r AND level = 80",
        {"r": run_id},
        schema={
            "unique_id": pl.String,
            "period_start": pl.Date,
            "lo": pl.Float64,
            "hi": pl.Float64,
        },
    )
    values = values.join(bands, on=["unique_id", "period_start"], how="left")
    spread = ((pl.col("hi") - pl.col("lo")) / (2 * Z80)).fill_null(
        pl.col("forecast").sqrt()
    )
    return (
        values.with_columns(var=spread**2)
        .group_by(keys)
        .agg(pl.col("forecast").sum().alias("mean"), pl.col("var").sum())
        .select(*keys, "mean", pl.col("var").sqrt().alias("std"))
        .sort(keys)
    )


def selling_prices(
    conn: Connection, *, base: str, since: dt.date, until: dt.date
) -> pl.DataFrame:
    """Mean unit price per SKU and country in ``base``: ``sku, market, price, units``.

    Sale lines of ``[since, until)``, each converted at its day's rate. Prices are
    as the buyer paid them (VAT included where the market includes it).
    """
    lines = read_frame(
        conn,
        "SELECT l.sku, o.country AS market, o.currency, o.ordered_at,"
        " l.quantity, CAST(l.unit_price AS FLOAT) AS unit_price"
        " FROM order_lines l JOIN orders o ON o.id = l.order_id"
        " WHERE o.kind = 'sale' AND l.kind = 'product' AND l.quantity > 0"
        " AND l.unit_price > 0 AND o.ordered_at >= :since AND o.ordered_at < :until",
        {
            "since": dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC),
            "until": dt.datetime.combine(until, dt.time(), tzinfo=dt.UTC),
        },
        schema={
            "sku": pl.String,
            "market": pl.String,
            "currency": pl.String,
            "quantity": pl.Int64,
            "unit_price": pl.Float64,
            "ordered_at": pl.Datetime("us", "UTC"),
        },
    )
    if lines.height == 0:
        return pl.DataFrame(
            schema={
                "sku": pl.String,
                "market": pl.String,
                "price": pl.Float64,
                "units": pl.Int64,
            }
        )
    lines = lines.with_columns(
        date=pl.col("ordered_at").dt.date(),
        amount=pl.col("unit_price") * pl.col("quantity"),
    )
    rates = load_rate_table(conn, [*lines["currency"].unique().to_list(), base])
    converted = lines.with_columns(amount=rates.convert(lines, target=base))
    return (
        converted.group_by("sku", "market")
        .agg(pl.col("amount").sum(), pl.col("quantity").sum().alias("units"))
        .select(
            "sku",
            "market",
            (pl.col("amount") / pl.col("units")).alias("price"),
            "units",
        )
        .sort("sku", "market")
    )


def rate_to_base(conn: Connection, currency: str, base: str, day: dt.date) -> float:
    """Units of ``base`` per unit of ``currency``: the latest rates on or before
    ``day`` (no carry limit: a plan for today uses the newest rates loaded).

    Raises
    ------
    MissingRateError
        If either currency has no rate on or before ``day``.
    """
    return LatestRates(conn, [currency, base], day).rate(currency, base)
