"""Yearly volume of each SKU x country, the order of the margin lists, price advice.

Yearly volume
-------------
The latest demand forecast over the next year where it covers the SKU x country,
else the units of the trailing year. A forecast resting on a short history is
capped by what the cell actually sold (a SKU sold once, 4 units, is not projected
at 60 a year):

* fewer than :data:`MIN_ORDERS` orders in the trailing year: at most the units of
  that year;
* :data:`MIN_ORDERS` orders or more, but first sold less than a year before the
  end of the period: at most those units annualised over the days since the
  first sale.

A forecast above neither cap, or on a year or more of history with enough orders,
is used as it is.

Ranking
-------
The lists rank SKU x country cells by yearly margin (margin per unit x yearly
volume), best first. Cells selling fewer than ``min_yearly_units`` a year
(``trade.toml``) are not ranked: a 60 % margin on nothing is not a best margin.
They follow the ranked ones, marked ``ranked = false``.

Price advice
------------
``floor_price`` is the lowest local price point that keeps the target margin;
``suggested_price`` is that floor only where the margin is below the target (a
price rise). Where the margin is above it, the floor is a limit for discounts, not a
suggestion to lower the price. Advice is given per cell (channel and currency), on
the cell's own margin.
"""

from __future__ import annotations

import polars as pl

MIN_ORDERS = 5
"""Orders in the trailing year below which a forecast is capped at its units."""

VOLUME_SCHEMA = {
    "sku": pl.String,
    "country": pl.String,
    "yearly_units": pl.Float64,
    "volume_source": pl.String,
}


def yearly_volumes(
    history: pl.DataFrame, forecast: pl.DataFrame, *, period_days: int
) -> pl.DataFrame:
    """Yearly units of each SKU x country (see the module docstring).

    Parameters
    ----------
    history : polars.DataFrame
        Per ``sku`` and ``country`` of the trailing period: ``units`` sold,
        ``orders`` (distinct orders) and ``history_days`` (days from the cell's
        first sale ever to the end of the period).
    forecast : polars.DataFrame
        ``sku``, ``country``, ``forecast_year``: forecast units over the next year.
    period_days : int
        Length of the trailing period (365 for a year).

    Returns
    -------
    polars.DataFrame
        ``sku``, ``country``, ``yearly_units`` and ``volume_source``: ``forecast``,
        ``forecast capped`` or ``trailing year``; one row per row of ``history``.

    Examples
    --------
    >>> history = pl.DataFrame({"sku": ["A", "B", "C", "D"], "country": "DE",
    ...     "units": [4, 60, 30, 10], "orders": [1, 40, 20, 8],
    ...     "history_days": [400, 400, 73, 400]})
    >>> forecast = pl.DataFrame({"sku": ["A", "B", "C"], "country": "DE",
    ...     "forecast_year": [62.9, 80.0, 200.0]})
    >>> out = yearly_volumes(history, forecast, period_days=365)
    >>> out.select("sku", "yearly_units", "volume_source").rows()
    ... # doctest: +NORMALIZE_WHITESPACE
    [('A', 4.0, 'forecast capped'), ('B', 80.0, 'forecast'),
     ('C', 150.0, 'forecast capped'), ('D', 10.0, 'trailing year')]
    """
    scale = 365.0 / period_days if period_days > 0 else 0.0
    days = pl.col("history_days").clip(1, period_days)
    cap = (
        pl.when(pl.col("orders") < MIN_ORDERS)
        .then(pl.col("units").cast(pl.Float64))
        .when(pl.col("history_days") < period_days)
        .then(pl.col("units") * 365.0 / days)
    )
    joined = history.join(
        forecast.select("sku", "country", "forecast_year"),
        on=["sku", "country"],
        how="left",
    )
    capped = pl.col("forecast_year") > cap
    return joined.select(
        "sku",
        "country",
        yearly_units=pl.when(pl.col("forecast_year").is_null())
        .then(pl.col("units") * scale)
        .when(capped)
        .then(cap)
        .otherwise(pl.col("forecast_year"))
        .cast(pl.Float64),
        volume_source=pl.when(pl.col("forecast_year").is_null())
        .then(pl.lit("trailing year"))
        .when(capped)
        .then(pl.lit("forecast capped"))
        .otherwise(pl.lit("forecast")),
    )


def rank_margins(rows: pl.DataFrame, *, min_yearly_units: float) -> pl.DataFrame:
    """``rows`` with ``ranked``, ranked ones first, each part by yearly margin.

    Parameters
    ----------
    rows : polars.DataFrame
        Needs ``sku``, ``country``, ``yearly_units`` and ``yearly_margin``.
    min_yearly_units : float
        Fewest units a year a ranked cell sells.

    Examples
    --------
    >>> rows = pl.DataFrame({"sku": ["A", "B", "C"], "country": "DE",
    ...     "yearly_units": [0.0, 50.0, 20.0], "yearly_margin": [0.0, 100.0, 300.0]})
    >>> rank_margins(rows, min_yearly_units=12).select("sku", "ranked").rows()
    [('C', True), ('B', True), ('A', False)]
    """
    return rows.with_columns(
        ranked=pl.col("yearly_units").fill_null(0.0) >= min_yearly_units
    ).sort(
        "ranked",
        "yearly_margin",
        "sku",
        "country",
        descending=[True, True, False, False],
        nulls_last=True,
    )


def price_advice(rows: pl.DataFrame, *, target: float) -> pl.DataFrame:
    """Set ``suggested_price`` to ``floor_price`` where the margin rate is below
    ``target``, else null (see the module docstring).

    Examples
    --------
    >>> rows = pl.DataFrame({"margin_rate": [0.10, 0.40, None],
    ...     "floor_price": [12.99, 6.99, 9.99]})
    >>> price_advice(rows, target=0.25)["suggested_price"].to_list()
    [12.99, None, 9.99]
    """
    below = pl.col("margin_rate").is_null() | (pl.col("margin_rate") < target)
    return rows.with_columns(suggested_price=pl.when(below).then(pl.col("floor_price")))
