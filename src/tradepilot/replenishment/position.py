"""Stock position and cover per SKU: on hand, on order, days of cover, stockout date.

Pure functions over frames. Demand comes from the forecast as units per period
(weeks); it is spread evenly over the period's days and, past the forecast's last
period, continued at the mean of its last four periods.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray = npt.NDArray[np.float64]
TAIL_PERIODS = 4
"""Periods averaged to continue demand past the forecast horizon."""


def daily_demand(
    forecast: pl.DataFrame, *, skus: list[str], start: dt.date, days: int
) -> tuple[FloatArray, FloatArray]:
    """Forecast demand per SKU and day from ``start``, and its daily spread.

    Parameters
    ----------
    forecast : polars.DataFrame
        ``sku, period_start, mean, std`` in units per week (7-day periods).
    skus : list of str
        SKUs wanted, in this order (absent SKUs get zero demand).
    start : datetime.date
        First day.
    days : int
        Days wanted.

    Returns
    -------
    mean : numpy.ndarray
        Units per day, shape (n_skus, days).
    std : numpy.ndarray
        Standard deviation of one day's demand (the weekly spread over sqrt 7),
        shape (n_skus, days).

    Examples
    --------
    >>> f = pl.DataFrame({"sku": ["A", "A"], "period_start": [dt.date(2026, 1, 5),
    ...     dt.date(2026, 1, 12)], "mean": [7.0, 14.0], "std": [7.0, 7.0]})
    >>> m, s = daily_demand(f, skus=["A", "B"], start=dt.date(2026, 1, 5), days=21)
    >>> m[0, [0, 7, 14]].tolist(), float(m[1].sum()), round(float(s[0, 0]), 4)
    ([1.0, 2.0, 1.5], 0.0, 2.6458)
    """
    index = {sku: i for i, sku in enumerate(skus)}
    mean = np.zeros((len(skus), days))
    std = np.zeros((len(skus), days))
    for (sku,), group in forecast.sort("period_start").group_by(
        "sku", maintain_order=True
    ):
        row = index.get(str(sku))
        if row is None:
            continue
        offsets = np.array([(d - start).days for d in group["period_start"]])
        weekly, spread = group["mean"].to_numpy(), group["std"].to_numpy()
        tail = slice(-TAIL_PERIODS, None)
        day = np.arange(days)
        k = np.searchsorted(offsets, day, side="right") - 1
        outside = (k < 0) | (day >= offsets[-1] + 7)
        k = np.maximum(k, 0)
        mean[row] = np.where(outside, weekly[tail].mean(), weekly[k]) / 7
        std[row] = np.where(outside, spread[tail].mean(), spread[k]) / np.sqrt(7)
    return mean, std


def project_stock(
    on_hand: FloatArray, arrivals: FloatArray, demand: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Projected stock at each day's end and the first day it runs out.

    Parameters
    ----------
    on_hand : numpy.ndarray
        Units on hand at the start of day 0, shape (n_skus,).
    arrivals : numpy.ndarray
        Units expected to arrive each day (open POs), shape (n_skus, days).
    demand : numpy.ndarray
        Mean units demanded each day, shape (n_skus, days).

    Returns
    -------
    stock : numpy.ndarray
        Expected units at each day's end, never below 0 (demand that cannot be
        met is lost, not back-ordered), shape (n_skus, days).
    stockout_day : numpy.ndarray
        First day whose demand cannot be met in full, -1 if none, shape (n_skus,).

    Examples
    --------
    >>> stock, out = project_stock(np.array([10.0]), np.array([[0, 0, 5, 0.0]]),
    ...                            np.full((1, 4), 4.0))
    >>> stock.tolist(), out.tolist()
    ([[6.0, 2.0, 3.0, 0.0]], [3])
    """
    n_skus, days = demand.shape
    stock = np.zeros((n_skus, days))
    level = on_hand.astype(np.float64).copy()
    stockout = np.full(n_skus, -1, dtype=np.int64)
    for day in range(days):
        level = level + arrivals[:, day] - demand[:, day]
        newly_out = (level < -1e-9) & (stockout < 0)
        stockout[newly_out] = day
        level = np.maximum(level, 0.0)
        stock[:, day] = level
    return stock, stockout


def arrivals_by_day(
    open_lines: pl.DataFrame, *, skus: list[str], start: dt.date, days: int
) -> FloatArray:
    """Open PO units per SKU and expected arrival day, shape (n_skus, days).

    ``open_lines`` has ``sku, open_qty, expected_arrival``; units already overdue
    (expected before ``start``) count on day 0; beyond ``days`` they are left out.
    """
    index = {sku: i for i, sku in enumerate(skus)}
    arrivals = np.zeros((len(skus), days))
    for sku, qty, day in open_lines.select(
        "sku", "open_qty", "expected_arrival"
    ).iter_rows():
        row = index.get(sku)
        offset = max((day - start).days, 0)
        if row is not None and offset < days:
            arrivals[row, offset] += qty
    return arrivals
