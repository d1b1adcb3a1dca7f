"""What a plan starts from: the forecast, priced catalogue, stock and open POs,
read once (:class:`PlanningData`), and the stock position and cover per SKU.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment import inputs
from tradepilot.replenishment.calendar import Closure, promised_arrival
from tradepilot.replenishment.config import PurchasingConfig
from tradepilot.replenishment.leadtime_service import (
    lead_time_estimates,
    receipts_as_of,
)
from tradepilot.replenishment.position import (
    arrivals_by_day,
    daily_demand,
    project_stock,
)
from tradepilot.workspace import base_currency

PRICE_WINDOW_DAYS = 90
"""Days of sales whose mean price is the selling price of a plan."""
NET_PRICE_SHARE = 0.8
"""Share of the price paid that the seller keeps after VAT and marketplace fees, until
landed cost and margins per country (the margins capability) replace it."""
PROJECTION_DAYS = 182


@dataclass(frozen=True)
class PlanningData:
    """Everything a plan is made from, read once."""

    as_of: dt.date
    base: str
    run: dict[str, Any]
    products: pl.DataFrame
    positions: pl.DataFrame
    estimates: pl.DataFrame
    closures: list[Closure]
    demand: np.ndarray
    spread: np.ndarray
    open_lines: pl.DataFrame


def read_planning_data(engine: Engine, config: PurchasingConfig) -> PlanningData:
    """Read the forecast, catalogue, stock and POs; compute positions and cover."""
    with engine.connect() as conn:
        run, forecast = inputs.forecast_by_sku(conn)
        as_of = forecast["period_start"].min()
        if not isinstance(as_of, dt.date):
            raise DataValidationError("the latest forecast run has no forecast values")
        base = base_currency(conn) or "EUR"
        products = priced_products(conn, config, base=base, as_of=as_of)
        receipts = inputs.read_receipts(conn)
        stock = inputs.stock_on_hand(conn, as_of=as_of)
    estimates, _ = lead_time_estimates(
        receipts,
        config,
        as_of,
        extra_suppliers=products["supplier"].unique().to_list(),
    )
    closures = config.closures(range(as_of.year - 6, as_of.year + 2))
    products = products.filter(pl.col("sku").is_in(forecast["sku"].unique()))
    skus = products["sku"].to_list()
    demand, spread = daily_demand(
        forecast, skus=skus, start=as_of, days=PROJECTION_DAYS
    )
    lines = _expected_arrivals(
        inputs.open_lines(receipts_as_of(receipts, as_of)),
        estimates,
        closures,
        config,
        as_of,
    )
    positions = _positions(products, stock, lines, demand, as_of)
    return PlanningData(
        as_of,
        base,
        run,
        products,
        positions,
        estimates,
        closures,
        demand,
        spread,
        lines,
    )


def priced_products(
    conn: Connection, config: PurchasingConfig, *, base: str, as_of: dt.date
) -> pl.DataFrame:
    """Products with ``unit_cost_base``, ``price_base`` (net) and ``weight``."""
    products = inputs.read_products(conn)
    since = as_of - dt.timedelta(days=PRICE_WINDOW_DAYS)
    prices = inputs.selling_prices(conn, base=base, since=since, until=as_of)
    per_sku = prices.group_by("sku").agg(
        ((pl.col("price") * pl.col("units")).sum() / pl.col("units").sum()).alias(
            "paid"
        )
    )
    rates = {
        code: inputs.rate_to_base(conn, code, base, as_of)
        for code in {
            *products["cost_currency"].drop_nulls().to_list(),
            *products["price_currency"].drop_nulls().to_list(),
        }
    }
    to_base = pl.col("cost_currency").replace_strict(rates, default=None)
    list_base = pl.col("list_price") * pl.col("price_currency").replace_strict(
        rates, default=None
    )
    priced = products.join(per_sku, on="sku", how="left").with_columns(
        price_base=(pl.col("paid").fill_null(list_base) * NET_PRICE_SHARE),
        weight=pl.col("weight_kg").fill_null(config.default_weight_kg),
    )
    return priced.with_columns(
        unit_cost_base=(pl.col("unit_cost") * to_base).fill_null(
            pl.col("price_base") * config.default_cost_share
        ),
        currency=pl.col("cost_currency").fill_null(base),
        cost_known=pl.col("unit_cost").is_not_null(),
    ).filter(pl.col("price_base").is_not_null())


def _expected_arrivals(
    lines: pl.DataFrame,
    estimates: pl.DataFrame,
    closures: list[Closure],
    config: PurchasingConfig,
    as_of: dt.date,
) -> pl.DataFrame:
    """Open PO lines with ``expected_arrival``: the promise, else the learned mean
    lead time from production start; overdue lines are expected on ``as_of``."""
    means = {
        (s, m): float(v)
        for s, m, v in estimates.select("supplier", "mode", "mean_days").iter_rows()
    }
    fallback = config.lead_time.mean_days
    expected = []
    for supplier, mode, ordered, promised in lines.select(
        "supplier", "mode", "ordered_date", "promised_date"
    ).iter_rows():
        lead = means.get((supplier, mode), fallback)
        day = promised or promised_arrival(supplier, ordered, lead, closures)
        expected.append(max(day, as_of))
    return lines.with_columns(expected_arrival=pl.Series(expected, dtype=pl.Date))


def _positions(
    products: pl.DataFrame,
    stock: pl.DataFrame,
    lines: pl.DataFrame,
    demand: np.ndarray,
    as_of: dt.date,
) -> pl.DataFrame:
    skus = products["sku"].to_list()
    on_order = lines.group_by("sku").agg(pl.col("open_qty").sum().alias("on_order"))
    table = (
        products.select("sku")
        .join(stock, on="sku", how="left")
        .join(on_order, on="sku", how="left")
        .with_columns(
            stock_known=pl.col("on_hand").is_not_null(),
            on_hand=pl.col("on_hand").fill_null(0),
            on_order=pl.col("on_order").fill_null(0),
            backorders=pl.lit(0),
        )
    )
    arrivals = arrivals_by_day(lines, skus=skus, start=as_of, days=demand.shape[1])
    _, out = project_stock(table["on_hand"].to_numpy(), arrivals, demand)
    rate = demand[:, :28].mean(axis=1)
    cover = np.where(
        rate > 0, table["on_hand"].to_numpy() / np.maximum(rate, 1e-9), np.inf
    )
    stockout = [
        None if d < 0 else as_of + dt.timedelta(days=int(d)) for d in out.tolist()
    ]
    return table.with_columns(
        position=pl.col("on_hand") + pl.col("on_order") - pl.col("backorders"),
        demand_per_day=pl.Series(np.round(rate, 3)),
        days_of_cover=pl.Series(
            [None if not np.isfinite(c) else round(float(c), 1) for c in cover],
            dtype=pl.Float64,
        ),
        stockout_date=pl.Series(stockout, dtype=pl.Date),
    )


def stock_positions(engine: Engine, config: PurchasingConfig) -> dict[str, Any]:
    """Position and cover per SKU at the forecast's start (see :class:`PlanningData`).

    Returns
    -------
    dict
        ``as_of`` and ``positions``: ``sku, on_hand, on_order, backorders,
        position, demand_per_day, days_of_cover, stockout_date, stock_known``.
    """
    data = read_planning_data(engine, config)
    return {"as_of": data.as_of.isoformat(), "positions": data.positions.to_dicts()}
