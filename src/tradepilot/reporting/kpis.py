"""KPI arithmetic over daily order aggregates (pure, no I/O).

These are the only definitions of the headline figures; ``tradepilot status``, the
API's ``/kpis`` and the Overview page all read them from here (through
:mod:`tradepilot.reporting.sales`). All amounts are in the workspace's base currency,
each day's amounts converted at that day's rate:

* ``orders``: the number of distinct **sale** orders. An order counts once whatever
  lines it holds (products, shipping, fees, refunds); cancellations, returns and
  adjustments are not orders;
* ``gross_sales``: the lines of sale orders other than refunds (products, shipping,
  fees, discounts: what the buyers were charged);
* ``returns``: cancellations, returns and refund lines, as a positive amount;
* ``revenue`` (net revenue): ``gross_sales - returns``, i.e. the sum of every line
  of sale, cancellation and return orders;
* ``average_order_value``: ``gross_sales / orders``;
* ``return_rate``: ``returns / gross_sales``.

Adjustment documents (bad debt) are bookkeeping, not trade, and are left out.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from tradepilot.domain.orders import OrderKind
from tradepilot.fx.rates import RateTable

DIMENSIONS = ("month", "country", "channel")

# Columns of the daily aggregates (see :func:`kpi_frame`).
DAILY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "date": pl.Date,
    "currency": pl.String,
    "country": pl.String,
    "channel": pl.String,
    "order_kind": pl.String,
    "orders": pl.Int64,
    "amount": pl.Float64,
    "refunds": pl.Float64,
}


def in_base(daily: pl.DataFrame, rates: RateTable, base: str) -> pl.DataFrame:
    """``daily`` with ``amount_base`` and ``refunds_base``: its amounts in ``base``.

    Raises
    ------
    MissingRateError
        For the first (currency, day) that has no rate.
    """
    return daily.with_columns(
        rates.convert(daily, target=base, amount="amount").alias("amount_base"),
        rates.convert(daily, target=base, amount="refunds").alias("refunds_base"),
    )


def kpi_frame(daily: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """KPIs grouped by ``by`` (a subset of :data:`DIMENSIONS`; empty for totals).

    Parameters
    ----------
    daily : polars.DataFrame
        One row per (date, currency, country, channel, order kind), as
        :data:`DAILY_SCHEMA`, plus ``amount_base`` and ``refunds_base`` (see
        :func:`in_base`): ``orders`` distinct orders of that kind (each order is in
        exactly one row, so counts add up), ``amount`` the signed sum of its lines
        other than refunds, ``refunds`` the signed sum of its refund lines.
    by : list of str
        Grouping columns.

    Returns
    -------
    polars.DataFrame
        ``by`` columns, ``gross_sales``, ``returns``, ``orders``, ``revenue``,
        ``average_order_value`` and ``return_rate`` (None where undefined).

    Examples
    --------
    Two sale orders with a product and a shipping line each (EUR 100 in all), one
    of them partly refunded (EUR 5), and a cancellation of EUR 10:

    >>> import datetime as dt
    >>> daily = pl.DataFrame({
    ...     "date": [dt.date(2024, 1, 2)] * 2, "country": ["DE", "DE"],
    ...     "channel": ["web", "web"], "order_kind": ["sale", "cancellation"],
    ...     "orders": [2, 1], "amount_base": [100.0, -10.0],
    ...     "refunds_base": [-5.0, 0.0]})
    >>> row = kpi_frame(daily, []).row(0, named=True)
    >>> row["orders"], row["revenue"], row["average_order_value"], row["return_rate"]
    (2, 85.0, 50.0, 0.15)
    """
    frame = daily.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("month"))
    sale = pl.col("order_kind") == OrderKind.SALE.value
    aggregates = [
        pl.when(sale).then(pl.col("amount_base")).otherwise(0.0).sum().alias("gross"),
        pl.when(sale)
        .then(-pl.col("refunds_base"))
        .otherwise(-pl.col("amount_base") - pl.col("refunds_base"))
        .sum()
        .alias("returns"),
        pl.when(sale).then(pl.col("orders")).otherwise(0).sum().alias("orders"),
    ]
    grouped = frame.group_by(by).agg(aggregates) if by else frame.select(aggregates)
    result = grouped.rename({"gross": "gross_sales"}).with_columns(
        (pl.col("gross_sales") - pl.col("returns")).alias("revenue"),
        _ratio("gross_sales", "orders").alias("average_order_value"),
        _ratio("returns", "gross_sales").alias("return_rate"),
    )
    return result.sort(by) if by else result


def sale_orders(daily: pl.DataFrame) -> int:
    """The number of sale orders in ``daily`` (no conversion needed).

    Examples
    --------
    >>> sale_orders(pl.DataFrame({"order_kind": ["sale", "return"], "orders": [3, 1]}))
    3
    """
    return int(
        daily.filter(pl.col("order_kind") == OrderKind.SALE.value)["orders"].sum()
    )


def _ratio(numerator: str, denominator: str) -> pl.Expr:
    return (
        pl.when(pl.col(denominator) != 0)
        .then(pl.col(numerator) / pl.col(denominator))
        .otherwise(None)
    )


def as_records(frame: pl.DataFrame, *, digits: int = 2) -> list[dict[str, Any]]:
    """Rows as dicts, money rounded to ``digits`` (the currency's minor unit) and
    rates to 4 decimals."""
    rounded = frame.with_columns(
        pl.col("gross_sales", "returns", "revenue", "average_order_value").round(
            digits
        ),
        pl.col("return_rate").round(4),
    )
    return rounded.to_dicts()
