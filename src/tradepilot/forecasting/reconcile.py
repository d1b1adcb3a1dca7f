"""Coherent SKU x country and SKU forecasts (pure, no I/O).

Two ways to make a SKU's country forecasts add up to its total:

- **bottom-up**: the SKU total is the sum of its country forecasts;
- **top-down by forecast proportions**: the SKU total is forecast on its own series
  (more sales, less noise) and split over countries in the proportions of their own
  forecasts (hierarchicalforecast's ``TopDown(method="forecast_proportions")``).

``bench/forecast_bench.py`` measures both on held-out weeks of the Online Retail file.
"""

from __future__ import annotations

import polars as pl

BOUNDS = ("lo_80", "hi_80", "lo_95", "hi_95")


def bottom_up(countries: pl.DataFrame) -> pl.DataFrame:
    """SKU totals: the sum of each SKU's country forecasts per period.

    Parameters
    ----------
    countries : polars.DataFrame
        ``sku, period_start, forecast`` and the interval columns present of
        :data:`BOUNDS` (the export frame).

    Returns
    -------
    polars.DataFrame
        ``sku, period_start, forecast`` and the same bounds, summed (bounds summed are
        conservative: they assume countries move together).

    Examples
    --------
    >>> import datetime as dt
    >>> day = dt.date(2024, 1, 1)
    >>> f = pl.DataFrame({"sku": ["A", "A"], "period_start": [day, day],
    ...                   "forecast": [2.0, 3.0]})
    >>> bottom_up(f)["forecast"].to_list()
    [5.0]
    """
    bounds = [c for c in BOUNDS if c in countries.columns]
    return (
        countries.group_by("sku", "period_start")
        .agg(pl.col("forecast", *bounds).sum())
        .sort("sku", "period_start")
    )


def top_down(countries: pl.DataFrame, totals: pl.DataFrame) -> pl.DataFrame:
    """Split each SKU's own total forecast over its countries by their forecasts.

    Parameters
    ----------
    countries : polars.DataFrame
        ``sku, country, period_start, forecast`` and bounds (:data:`BOUNDS`).
    totals : polars.DataFrame
        ``sku, period_start, forecast`` of the SKU-level series.

    Returns
    -------
    polars.DataFrame
        ``countries`` with ``forecast`` and bounds scaled by total / sum of countries,
        so they add up to the total. Where the countries sum to 0, they stay 0 (no
        proportions to split by) and the total is not reached.

    Examples
    --------
    >>> import datetime as dt
    >>> day = dt.date(2024, 1, 1)
    >>> c = pl.DataFrame({"sku": "A", "country": ["FR", "DE"], "period_start": day,
    ...                   "forecast": [1.0, 3.0]})
    >>> t = pl.DataFrame({"sku": "A", "period_start": [day], "forecast": [8.0]})
    >>> top_down(c, t)["forecast"].to_list()
    [2.0, 6.0]
    """
    bounds = [c for c in BOUNDS if c in countries.columns]
    keys = ["sku", "period_start"]
    summed = countries.group_by(keys).agg(pl.col("forecast").sum().alias("_sum"))
    factor = (
        pl.when(pl.col("_sum") > 0)
        .then(pl.col("_total") / pl.col("_sum"))
        .otherwise(1.0)
    )
    return (
        countries.join(summed, on=keys, how="left")
        .join(
            totals.select(*keys, pl.col("forecast").alias("_total")),
            on=keys,
            how="left",
        )
        .with_columns(_factor=factor.fill_null(1.0))
        .with_columns(pl.col("forecast", *bounds) * pl.col("_factor"))
        .drop("_sum", "_total", "_factor")
    )
