"""Purchase days and the figures purchase models are fitted on, as the literature
counts them.

Several orders of one customer on one day are one purchase (a *purchase day*).
With a calibration end ``D`` (inclusive): ``frequency`` = distinct purchase days up
to ``D`` minus 1; ``recency`` = whole days from the first to the last purchase day;
``T`` = whole days from the first purchase day to ``D``; both divided by the time
unit's length in days (7 for weeks). ``monetary`` is the mean spend of the repeat
purchase days (the first is left out, as Fader & Hardie do), 0 without repeats.

Examples
--------
>>> import datetime as dt, polars as pl
>>> d = dt.date
>>> lines = pl.DataFrame({"customer": ["a", "a", "a", "b"],
...     "day": [d(2024, 1, 1), d(2024, 1, 1), d(2024, 1, 15), d(2024, 1, 8)],
...     "amount": [10.0, 5.0, 20.0, 7.0]})
>>> days = purchase_days(lines)
>>> summary = summarise(days, calibration_end=d(2024, 1, 29), unit_days=7)
>>> summary.select("customer", "frequency", "recency", "T", "monetary").rows()
[('a', 1, 2.0, 4.0, 20.0), ('b', 0, 0.0, 3.0, 0.0)]
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from tradepilot.domain.errors import DataValidationError

PURCHASE_SCHEMA: dict[str, pl.DataType] = {
    "customer": pl.String(),
    "day": pl.Date(),
    "amount": pl.Float64(),
}
"""Columns of a purchase frame: one row per product sale line (or already per day),
``amount`` in the base currency."""

UNITS = {"D": 1, "W": 7}
"""Time units and their length in days."""


def unit_days(time_unit: str) -> int:
    """Length in days of a time unit (``D`` or ``W``).

    Raises
    ------
    DataValidationError
        For any other unit.
    """
    try:
        return UNITS[time_unit.upper()]
    except KeyError:
        raise DataValidationError(
            f"time unit must be D (days) or W (weeks); received {time_unit!r}"
        ) from None


def purchase_days(purchases: pl.DataFrame) -> pl.DataFrame:
    """One row per customer and purchase day with the day's spend.

    Parameters
    ----------
    purchases : polars.DataFrame
        ``customer``, ``day``, ``amount`` (:data:`PURCHASE_SCHEMA`).

    Returns
    -------
    polars.DataFrame
        ``customer``, ``day``, ``amount``, sorted by customer and day.
    """
    return (
        purchases.group_by("customer", "day")
        .agg(pl.col("amount").sum())
        .sort("customer", "day")
    )


def summarise(
    days: pl.DataFrame, *, calibration_end: dt.date, unit_days: int
) -> pl.DataFrame:
    """Frequency, recency, T and monetary of every customer who bought by ``D``.

    Parameters
    ----------
    days : polars.DataFrame
        Output of :func:`purchase_days` (may extend past ``calibration_end``).
    calibration_end : datetime.date
        ``D``, the last day of the calibration period (inclusive).
    unit_days : int
        Length of the time unit in days.

    Returns
    -------
    polars.DataFrame
        ``customer, first, last, purchase_days, frequency, recency, T, monetary``,
        sorted by customer.
    """
    calibration = days.filter(pl.col("day") <= calibration_end)
    whole_days = (pl.col("last") - pl.col("first")).dt.total_days()
    age = (pl.lit(calibration_end) - pl.col("first")).dt.total_days()
    repeats = pl.col("purchase_days") - 1
    return (
        calibration.group_by("customer")
        .agg(
            pl.col("day").min().alias("first"),
            pl.col("day").max().alias("last"),
            pl.len().cast(pl.Int64).alias("purchase_days"),
            pl.col("amount").sum().alias("_total"),
            pl.col("amount").sort_by("day").first().alias("_first_amount"),
        )
        .with_columns(
            repeats.alias("frequency"),
            (whole_days / unit_days).alias("recency"),
            (age / unit_days).alias("T"),
            pl.when(repeats > 0)
            .then((pl.col("_total") - pl.col("_first_amount")) / repeats)
            .otherwise(0.0)
            .alias("monetary"),
        )
        .drop("_total", "_first_amount")
        .sort("customer")
    )


def holdout_counts(
    days: pl.DataFrame, *, calibration_end: dt.date, end: dt.date
) -> pl.DataFrame:
    """Purchase days of each customer in the holdout ``(D, end]``: ``customer, actual``."""
    inside = (pl.col("day") > calibration_end) & (pl.col("day") <= end)
    return (
        days.filter(inside)
        .group_by("customer")
        .agg(pl.len().cast(pl.Int64).alias("actual"))
    )


def naive_forecast(summary: pl.DataFrame, horizon: float) -> pl.Series:
    """The "same rate as before" baseline: ``frequency / T * horizon`` (0 at T = 0).

    Examples
    --------
    >>> summary = pl.DataFrame({"frequency": [3, 0], "T": [10.0, 0.0]})
    >>> naive_forecast(summary, 5.0).to_list()
    [1.5, 0.0]
    """
    rate = pl.when(pl.col("T") > 0).then(pl.col("frequency") / pl.col("T"))
    return summary.select((rate.otherwise(0.0) * horizon).alias("naive")).to_series()


def check_calibration_end(
    days: pl.DataFrame, calibration_end: dt.date, data_end: dt.date
) -> None:
    """Refuse a calibration end outside the data, naming the range.

    Raises
    ------
    DataValidationError
        If there are no purchases, or ``calibration_end`` is before the first
        purchase day or after ``data_end``.
    """
    if days.height == 0:
        raise DataValidationError(
            "no purchases by known customers in the workspace: import orders with"
            " a customer id first (tradepilot import)"
        )
    first = days["day"].min()
    assert isinstance(first, dt.date)
    if calibration_end < first or calibration_end > data_end:
        raise DataValidationError(
            f"calibration end {calibration_end.isoformat()} is outside the data:"
            f" purchases run from {first.isoformat()} to {data_end.isoformat()}"
        )
