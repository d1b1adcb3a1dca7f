"""Frequently bought together: products in the same order as a given product.

For products ``X`` and ``Y`` over ``N`` orders (baskets), with ``n(X)`` the orders
holding ``X`` and ``n(XY)`` those holding both:

* ``support = n(XY) / N`` — how common the pair is;
* ``confidence = n(XY) / n(X)`` — how often an order with ``X`` also has ``Y``;
* ``lift = confidence / (n(Y) / N)`` — how much more often than if the two were
  bought independently (> 1: bought together more than chance).

Pairs are ranked by ``n(XY)`` (then lift); only pairs in at least
``min_orders`` orders and with lift above 1 are kept.
"""

from __future__ import annotations

import polars as pl

TOGETHER_COLUMNS = ("sku", "orders_together", "support", "confidence", "lift")


def bought_together(
    baskets: pl.DataFrame,
    sku: str,
    *,
    k: int = 10,
    min_orders: int = 2,
    candidates: pl.Series | None = None,
) -> pl.DataFrame:
    """The products most often in the same order as ``sku``.

    Parameters
    ----------
    baskets : polars.DataFrame
        ``order`` (any id) and ``sku``: one row per product line (repeats of a
        SKU in an order count once).
    sku : str
        The product.
    k : int
        Rows returned at most.
    min_orders : int
        Fewest orders a pair must share.
    candidates : polars.Series, optional
        SKUs that may be suggested (e.g. those sold today); default any.

    Returns
    -------
    polars.DataFrame
        :data:`TOGETHER_COLUMNS`, best first.

    Examples
    --------
    >>> baskets = pl.DataFrame({"order": [1, 1, 2, 2, 3, 4],
    ...     "sku": ["tea", "cups", "tea", "cups", "tea", "jam"]})
    >>> bought_together(baskets, "tea").rows()
    [('cups', 2, 0.5, 0.6667, 1.3333)]
    """
    lines = baskets.select("order", "sku").unique()
    n_orders = lines["order"].n_unique()
    per_sku = lines.group_by("sku").agg(pl.len().alias("n_y"))
    with_x = lines.filter(pl.col("sku") == sku).select("order")
    n_x = with_x.height
    if n_x == 0 or n_orders == 0:
        return _empty()
    pairs = (
        lines.join(with_x, on="order")
        .filter(pl.col("sku") != sku)
        .group_by("sku")
        .agg(pl.len().alias("orders_together"))
        .join(per_sku, on="sku")
    )
    if candidates is not None:
        pairs = pairs.filter(pl.col("sku").is_in(candidates.implode()))
    ranked = (
        pairs.with_columns(
            support=pl.col("orders_together") / n_orders,
            confidence=pl.col("orders_together") / n_x,
            lift=pl.col("orders_together") * n_orders / (n_x * pl.col("n_y")),
        )
        .filter((pl.col("orders_together") >= min_orders) & (pl.col("lift") > 1.0))
        .sort(["orders_together", "lift", "sku"], descending=[True, True, False])
        .head(k)
    )
    return ranked.select(
        "sku",
        pl.col("orders_together").cast(pl.Int64),
        pl.col("support").round(6),
        pl.col("confidence").round(4),
        pl.col("lift").round(4),
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "sku": pl.String,
            "orders_together": pl.Int64,
            "support": pl.Float64,
            "confidence": pl.Float64,
            "lift": pl.Float64,
        }
    )
