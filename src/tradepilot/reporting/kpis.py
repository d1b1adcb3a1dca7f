"""KPI arithmetic over daily order aggregates (pure, no I/O).

Definitions (all amounts in the workspace's base currency, converted at each day's rate):

* ``gross_sales``: lines of sale orders, refunds excluded (products, shipping, fees,
  discounts — what the buyer was charged);
* ``returns``: cancellations, returns and refunds, as a positive amount;
* ``revenue``: ``gross_sales - returns`` (net revenue);
* ``orders``: number of sale orders;
* ``average_order_value``: ``gross_sales / orders``;
* ``return_rate``: ``returns / gross_sales``.

Adjustment documents (bad debt) are bookkeeping, not trade, and are left out.
"""

from __future__ import annotations

from typing import Any

import polars as pl

DIMENSIONS = ("month", "country", "channel")


def kpi_frame(daily: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """KPIs grouped by ``by`` (a subset of :data:`DIMENSIONS`; empty for totals).

    Parameters
    ----------
    daily : polars.DataFrame
        One row per (date, country, channel, order kind, line kind) with ``orders``
        (sale orders, additive) and ``amount_base`` (signed, base currency).

    Examples
    --------
    >>> import datetime as dt
    >>> daily = pl.DataFrame({
    ...     "date": [dt.date(2024, 1, 2)] * 2, "country": ["DE", "DE"],
    ...     "channel": ["web", "web"], "order_kind": ["sale", "cancellation"],
    ...     "line_kind": ["product", "product"], "orders": [4, 0],
    ...     "amount_base": [100.0, -10.0]})
    >>> kpi_frame(daily, []).row(0, named=True)["return_rate"]
    0.1
    """
    frame = daily.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("month"))
    sale = pl.col("order_kind") == "sale"
    refund = pl.col("line_kind") == "refund"
    gross = pl.when(sale & ~refund).then(pl.col("amount_base")).otherwise(0.0)
    returns = pl.when(~sale | refund).then(-pl.col("amount_base")).otherwise(0.0)
    aggregates = [
        gross.sum().alias("gross_sales"),
        returns.sum().alias("returns"),
        pl.col("orders").sum().alias("orders"),
    ]
    grouped = frame.group_by(by).agg(aggregates) if by else frame.select(aggregates)
    result = grouped.with_columns(
        (pl.col("gross_sales") - pl.col("returns")).alias("revenue"),
        _ratio("gross_sales", "orders").alias("average_order_value"),
        _ratio("returns", "gross_sales").alias("return_rate"),
    )
    return result.sort(by) if by else result


def _ratio(numerator: str, denominator: str) -> pl.Expr:
    return (
        pl.when(pl.col(denominator) != 0)
        .then(pl.col(numerator) / pl.col(denominator))
        .otherwise(None)
    )


def as_records(frame: pl.DataFrame, *, digits: int = 2) -> list[dict[str, Any]]:
    """Rows as dicts, money rounded to ``digits`` and rates to 4 decimals."""
    rounded = frame.with_columns(
        pl.col("gross_sales", "returns", "revenue", "average_order_value").round(
            digits
        ),
        pl.col("return_rate").round(4),
    )
    return rounded.to_dicts()
