"""Profile figures per customer as of a date (pure).

Amounts are in the base currency, each line converted at its day's rate; the
definitions follow the KPI report (:mod:`tradepilot.reporting.kpis`) per customer:

* ``orders``: distinct sale orders; ``purchase_days``: distinct days with a sale of
  products (several orders on a day are one purchase); ``repeat_purchase_days``:
  ``purchase_days - 1``;
* ``gross_sales``: the lines of sale orders other than refunds; ``returns``:
  cancellations, returns and refund lines, positive; ``revenue`` (net):
  ``gross_sales - returns``; ``return_rate``: ``returns / gross_sales``;
* ``margin``: revenue minus the cost of the products kept (the unit cost of the
  catalogue where known, else the assumed share of the price; returned goods come
  back at cost);
* ``average_order_value``: ``gross_sales / orders``;
* ``countries``, ``channels``: those ordered from or through, by revenue;
  ``currency``: the one most ordered in; ``favourite_categories`` and
  ``favourite_products``: up to three, by product sales.

Examples
--------
>>> import datetime as dt
>>> lines = pl.DataFrame({
...     "profile_id": [1, 1, 1], "order_id": [10, 10, 11],
...     "day": [dt.date(2024, 1, 2)] * 2 + [dt.date(2024, 1, 9)],
...     "order_kind": ["sale", "sale", "cancellation"],
...     "line_kind": ["product", "shipping", "product"], "sku": ["A", "POST", "A"],
...     "category": ["mugs", None, "mugs"], "quantity": [2, 1, -1],
...     "amount": [20.0, 5.0, -10.0], "cost": [8.0, 0.0, -4.0],
...     "country": ["DE"] * 3, "channel": ["web"] * 3, "currency": ["EUR"] * 3})
>>> row = profile_figures(lines, as_of=dt.date(2024, 1, 31)).row(0, named=True)
>>> row["revenue"], row["returns"], row["margin"], row["return_rate"]
(15.0, 10.0, 11.0, 0.4)
"""

from __future__ import annotations

import datetime as dt

import polars as pl

LINE_SCHEMA: dict[str, pl.DataType] = {
    "profile_id": pl.Int64(),
    "order_id": pl.Int64(),
    "day": pl.Date(),
    "order_kind": pl.String(),
    "line_kind": pl.String(),
    "sku": pl.String(),
    "category": pl.String(),
    "quantity": pl.Int64(),
    "amount": pl.Float64(),  # quantity x unit price, base currency, signed
    "cost": pl.Float64(),  # quantity x unit cost of products, base currency
    "country": pl.String(),
    "channel": pl.String(),
    "currency": pl.String(),
}
"""Columns of the order lines of known customers that profiles are computed from."""

FAVOURITES = 3

_SALE = pl.col("order_kind") == "sale"
_REFUND = pl.col("line_kind") == "refund"
_PRODUCT_SALE = _SALE & (pl.col("line_kind") == "product") & (pl.col("quantity") > 0)


def profile_figures(lines: pl.DataFrame, *, as_of: dt.date) -> pl.DataFrame:
    """The figures of every profile with a sale up to ``as_of`` (inclusive).

    Parameters
    ----------
    lines : polars.DataFrame
        :data:`LINE_SCHEMA`.
    as_of : datetime.date
        Lines after this day are ignored.

    Returns
    -------
    polars.DataFrame
        One row per ``profile_id`` (see the module docstring for the columns),
        plus ``days_since_last``.
    """
    seen = lines.filter(pl.col("day") <= as_of)
    sums = _sums(seen)
    lists = _lists(seen)
    return (
        sums.join(lists, on="profile_id", how="left")
        .filter(pl.col("orders") > 0)
        .with_columns(
            (pl.col("gross_sales") - pl.col("returns")).alias("revenue"),
            (pl.col("purchase_days") - 1).clip(0).alias("repeat_purchase_days"),
            (pl.lit(as_of) - pl.col("last_order"))
            .dt.total_days()
            .alias("days_since_last"),
            _ratio("gross_sales", "orders").alias("average_order_value"),
            _ratio("returns", "gross_sales").alias("return_rate"),
        )
        .with_columns((pl.col("revenue") - pl.col("_cost")).alias("margin"))
        .drop("_cost")
        .sort("profile_id")
    )


def _sums(lines: pl.DataFrame) -> pl.DataFrame:
    amount = pl.col("amount")
    return lines.group_by("profile_id").agg(
        pl.col("day").filter(_SALE).min().alias("first_order"),
        pl.col("day").filter(_SALE).max().alias("last_order"),
        pl.col("order_id").filter(_SALE).n_unique().cast(pl.Int64).alias("orders"),
        pl.col("day")
        .filter(_PRODUCT_SALE)
        .n_unique()
        .cast(pl.Int64)
        .alias("purchase_days"),
        amount.filter(_SALE & ~_REFUND).sum().alias("gross_sales"),
        (-amount.filter(~_SALE | _REFUND).sum()).alias("returns"),
        pl.col("cost").filter(pl.col("line_kind") == "product").sum().alias("_cost"),
    )


def _lists(lines: pl.DataFrame) -> pl.DataFrame:
    """Countries, channels, currency and favourites of each profile."""
    parts = [
        _ranked(lines, "country", "countries", by="amount"),
        _ranked(lines, "channel", "channels", by="amount"),
        _ranked(lines, "currency", "_currencies", by="lines")
        .with_columns(pl.col("_currencies").list.first().alias("currency"))
        .drop("_currencies"),
        _ranked(
            lines.filter(_PRODUCT_SALE & pl.col("category").is_not_null()),
            "category",
            "favourite_categories",
            by="amount",
            limit=FAVOURITES,
        ),
        _ranked(
            lines.filter(_PRODUCT_SALE),
            "sku",
            "favourite_products",
            by="amount",
            limit=FAVOURITES,
        ),
    ]
    result = parts[0]
    for part in parts[1:]:
        result = result.join(part, on="profile_id", how="left")
    return result.with_columns(
        pl.col("favourite_categories", "favourite_products").fill_null(
            pl.lit([], dtype=pl.List(pl.String))
        )
    )


def _ranked(
    lines: pl.DataFrame, column: str, name: str, *, by: str, limit: int | None = None
) -> pl.DataFrame:
    """Per profile, the values of ``column`` ordered by amount (or line count)."""
    weight = pl.col("amount").sum() if by == "amount" else pl.len().cast(pl.Float64)
    ranked = (
        lines.group_by("profile_id", column)
        .agg(weight.alias("_w"))
        .sort(["profile_id", "_w", column], descending=[False, True, False])
        .group_by("profile_id", maintain_order=True)
        .agg(pl.col(column).alias(name))
    )
    if limit is not None:
        ranked = ranked.with_columns(pl.col(name).list.head(limit))
    return ranked


def _ratio(numerator: str, denominator: str) -> pl.Expr:
    return (
        pl.when(pl.col(denominator) > 0)
        .then(pl.col(numerator) / pl.col(denominator))
        .otherwise(None)
    )
