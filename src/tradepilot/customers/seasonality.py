"""A calendar-month index of repeat purchases, learnt from the calibration data.

BG/NBD assumes a customer's purchase rate is the same all year; a gift shop's is
not. The index compares, week by week, the repeat purchase days observed with what
the fitted model expected one week ahead given each customer's history up to that
week (customers first seen within the week count from their first purchase). Per
calendar month, the index is observed / expected relative to the calibration as a
whole, shrunk towards 1 by :data:`SHRINK` expected purchases. Days without any sale
in the store (weekends, a Christmas closure) are left out of both.

A season is *learnt* when the months differ by more than chance: a chi-square test
of the monthly counts against a flat rate, with the week-to-week overdispersion
estimated from the data, at level :data:`P_VALUE`, over at least :data:`MIN_MONTHS`
observed months. A month with fewer than :data:`MIN_OPEN_DAYS` trading days in the
calibration is not observed; its index is interpolated in logs between the nearest
observed months around the calendar (a calibration from December to August gives
September to November between August and December). Predictions then run on
operational time: each future day counts as its month's index.

Examples
--------
>>> flat = SeasonalIndex.flat("no season")
>>> flat.operational_periods(dt.date(2024, 1, 31), 14.0, unit_days=7)
14.0
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy.stats import chi2

from tradepilot.customers.bgnbd import BetaGeoModel

MIN_OPEN_DAYS = 10
SHRINK = 10.0
P_VALUE = 0.01
MIN_MONTHS = 3
WEEK = 7


@dataclass(frozen=True)
class SeasonalIndex:
    """Purchase-rate factor per calendar month (January first), mean 1 over the
    calibration data.

    Attributes
    ----------
    factors : tuple of 12 floats
        Multiplier of the plain model's purchase rate in each month.
    observed : tuple of 12 bools
        Whether the month had enough trading days in the calibration period.
    applied : bool
        False when no season could be learnt (all factors 1).
    p_value : float or None
        Of the test for a flat rate; None when it could not be run.
    note : str
        One sentence for the seller.
    """

    factors: tuple[float, ...]
    observed: tuple[bool, ...]
    applied: bool
    p_value: float | None
    note: str

    @classmethod
    def flat(cls, note: str, p_value: float | None = None) -> SeasonalIndex:
        """No season: every month's factor is 1."""
        return cls((1.0,) * 12, (False,) * 12, False, p_value, note)

    def factor(self, day: dt.date) -> float:
        """The factor of ``day``'s month."""
        return self.factors[day.month - 1]

    def operational_periods(
        self, start: dt.date, periods: float, *, unit_days: int
    ) -> float:
        """Length of ``(start, start + periods]`` in operational time (same unit).

        Each calendar day counts as its month's factor; a fractional last day
        counts in proportion.
        """
        if not self.applied or periods <= 0:
            return periods
        days = periods * unit_days
        whole = math.floor(days)
        total = sum(
            self.factor(start + dt.timedelta(days=k)) for k in range(1, whole + 1)
        )
        total += (days - whole) * self.factor(start + dt.timedelta(days=whole + 1))
        return total / unit_days

    def as_dict(self) -> dict[str, Any]:
        """JSON form: ``applied``, ``p_value``, ``note`` and the factor of each month."""
        return {
            "applied": self.applied,
            "p_value": None if self.p_value is None else round(self.p_value, 6),
            "note": self.note,
            "months": [
                {
                    "month": calendar.month_abbr[m + 1],
                    "factor": round(f, 4),
                    "observed": o,
                }
                for m, (f, o) in enumerate(
                    zip(self.factors, self.observed, strict=True)
                )
            ],
        }


def learn_season(
    model: BetaGeoModel,
    days: pl.DataFrame,
    *,
    calibration_end: dt.date,
    unit_days: int,
    open_days: Sequence[dt.date] | None = None,
) -> SeasonalIndex:
    """Learn the monthly index of repeat purchases (see the module docstring).

    Parameters
    ----------
    model : BetaGeoModel
        Fitted on the calibration data, in the time unit ``unit_days``.
    days : polars.DataFrame
        Purchase days ``customer``, ``day`` (later days are ignored).
    calibration_end : datetime.date
        Last day of the calibration period.
    unit_days : int
        Length of the model's time unit in days.
    open_days : sequence of datetime.date, optional
        Days with any sale in the store (guests included); default: the days in
        ``days``.

    Returns
    -------
    SeasonalIndex
        Flat, with the reason, when no season can be learnt.
    """
    calibration = days.filter(pl.col("day") <= calibration_end)
    trading = (
        open_days if open_days is not None else calibration["day"].unique().to_list()
    )
    bins = weekly_expectations(
        model, calibration, calibration_end=calibration_end, unit_days=unit_days
    )
    daily = _daily(bins, calibration, {d for d in trading if d <= calibration_end})
    return _monthly_index(daily, bins)


def weekly_expectations(
    model: BetaGeoModel, days: pl.DataFrame, *, calibration_end: dt.date, unit_days: int
) -> pl.DataFrame:
    """Week by week, repeat purchase days observed and expected one week ahead.

    Weeks end on ``calibration_end`` and go back to the first purchase.

    Returns
    -------
    polars.DataFrame
        ``start`` (exclusive), ``end`` (inclusive), ``expected``, ``actual``.
    """
    customers = days["customer"].to_numpy()
    _, idx = np.unique(customers, return_inverse=True)
    ordinal = days["day"].cast(pl.Int32).to_numpy().astype(np.int64)
    first = np.full(idx.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, idx, ordinal)
    repeat = ordinal > first[idx]
    end = int(pl.Series([calibration_end]).cast(pl.Int32)[0])
    n_bins = (end - int(first.min())) // WEEK + 1
    rows = []
    for k in range(n_bins, 0, -1):
        hi = end - (k - 1) * WEEK
        lo = hi - WEEK
        expected = _expected_in_week(model, idx, ordinal, first, lo, unit_days)
        actual = int((repeat & (ordinal > lo) & (ordinal <= hi)).sum())
        rows.append((lo, hi, expected, actual))
    frame = pl.DataFrame(
        rows, schema=["start", "end", "expected", "actual"], orient="row"
    )
    return frame.with_columns(pl.col("start", "end").cast(pl.Date))


def _expected_in_week(
    model: BetaGeoModel,
    idx: NDArray[np.int64],
    ordinal: NDArray[np.int64],
    first: NDArray[np.int64],
    lo: int,
    unit_days: int,
) -> float:
    """Expected repeat purchases in ``(lo, lo + 7]``: established customers given
    their history at ``lo``, newcomers from their first purchase."""
    seen = ordinal <= lo
    counts = np.bincount(idx[seen], minlength=first.size)
    last = np.full(first.size, -1, dtype=np.int64)
    np.maximum.at(last, idx[seen], ordinal[seen])
    known = first <= lo
    total = 0.0
    if known.any():
        total += float(
            model.expected_purchases(
                WEEK / unit_days,
                counts[known] - 1,
                (last[known] - first[known]) / unit_days,
                (lo - first[known]) / unit_days,
            ).sum()
        )
    newcomers = (first > lo) & (first <= lo + WEEK)
    if newcomers.any():
        ages = (lo + WEEK - first[newcomers]) / unit_days
        total += float(model.expected_purchases_new(ages).sum())
    return total


def _daily(
    bins: pl.DataFrame, days: pl.DataFrame, trading: set[dt.date]
) -> pl.DataFrame:
    """Expected (a seventh of its week's) and actual repeat purchases per trading day."""
    first = days.group_by("customer").agg(pl.col("day").min().alias("_first"))
    repeats = (
        days.join(first, on="customer")
        .filter(pl.col("day") > pl.col("_first"))
        .group_by("day")
        .agg(pl.len().cast(pl.Float64).alias("actual"))
    )
    spread = bins.select(
        pl.date_ranges(pl.col("start") + pl.duration(days=1), pl.col("end")).alias(
            "day"
        ),
        (pl.col("expected") / WEEK).alias("expected"),
    ).explode("day")
    return (
        spread.filter(pl.col("day").is_in(list(trading)))
        .join(repeats, on="day", how="left")
        .with_columns(
            pl.col("actual").fill_null(0.0), pl.col("day").dt.month().alias("month")
        )
    )


def _monthly_index(daily: pl.DataFrame, bins: pl.DataFrame) -> SeasonalIndex:
    months = daily.group_by("month").agg(
        pl.col("actual").sum(), pl.col("expected").sum(), pl.len().alias("open_days")
    )
    observed = months.filter(
        (pl.col("open_days") >= MIN_OPEN_DAYS) & (pl.col("expected") > 0)
    )
    if observed.height < MIN_MONTHS:
        return SeasonalIndex.flat(
            f"no seasonality learnt: {observed.height} calendar month(s) with at least"
            f" {MIN_OPEN_DAYS} trading days in the calibration data, {MIN_MONTHS} needed"
        )
    level = float(observed["actual"].sum()) / float(observed["expected"].sum())
    p_value = _flatness_p_value(daily, observed, level)
    if p_value is None or p_value >= P_VALUE:
        shown = "n/a" if p_value is None else f"{p_value:.3f}"
        return SeasonalIndex.flat(
            f"no seasonality learnt: repeat purchases do not vary by calendar month more"
            f" than chance (p = {shown}); predictions are the plain model's",
            p_value,
        )
    raw = {
        int(m): (a + SHRINK * level) / (e + SHRINK) / level
        for m, a, e in observed.select("month", "actual", "expected").iter_rows()
    }
    factors = _interpolate(raw)
    weights = {
        int(m): float(e) for m, e in observed.select("month", "expected").iter_rows()
    }
    norm = sum(factors[m - 1] * w for m, w in weights.items()) / sum(weights.values())
    factors = [f / norm for f in factors]
    return SeasonalIndex(
        tuple(factors),
        tuple(m + 1 in raw for m in range(12)),
        True,
        p_value,
        _describe(factors, raw, p_value),
    )


def _flatness_p_value(
    daily: pl.DataFrame, observed: pl.DataFrame, level: float
) -> float | None:
    """Chi-square test of the monthly counts against ``level`` x expected, scaled by
    the overdispersion of the weekly counts around their months' rates."""
    rate = {
        int(m): a / e
        for m, a, e in observed.select("month", "actual", "expected").iter_rows()
    }
    weekly = (
        daily.filter(pl.col("month").is_in(list(rate)))
        .with_columns(
            (
                pl.col("expected")
                * pl.col("month").replace_strict(rate, return_dtype=pl.Float64)
            ).alias("mu"),
            (
                (pl.col("day").cast(pl.Int32) - pl.col("day").cast(pl.Int32).min())
                // WEEK
            ).alias("week"),
        )
        .group_by("week", "month")
        .agg(pl.col("actual").sum(), pl.col("mu").sum())
        .filter(pl.col("mu") > 0)
    )
    dof = weekly.height - len(rate)
    if dof < 1:
        return None
    pearson = float(((weekly["actual"] - weekly["mu"]) ** 2 / weekly["mu"]).sum())
    dispersion = max(pearson / dof, 1.0)
    flat = observed["expected"] * level
    statistic = float(((observed["actual"] - flat) ** 2 / flat).sum()) / dispersion
    return float(chi2.sf(statistic, observed.height - 1))


def _interpolate(raw: dict[int, float]) -> list[float]:
    """Factors of all 12 months: observed ones as given, others linear in logs
    between the nearest observed months before and after (around the calendar)."""
    known = sorted(raw)
    factors = []
    for month in range(1, 13):
        if month in raw:
            factors.append(raw[month])
            continue
        before = max((m for m in known if m < month), default=max(known) - 12)
        after = min((m for m in known if m > month), default=min(known) + 12)
        low, high = (
            math.log(raw[(before - 1) % 12 + 1]),
            math.log(raw[(after - 1) % 12 + 1]),
        )
        share = (month - before) / (after - before)
        factors.append(math.exp(low + (high - low) * share))
    return factors


def _describe(factors: list[float], raw: dict[int, float], p_value: float) -> str:
    peak = int(np.argmax(factors))
    low = int(np.argmin(factors))
    missing = [calendar.month_abbr[m] for m in range(1, 13) if m not in raw]
    text = (
        f"repeat purchases vary by calendar month (p = {p_value:.2g}): highest in"
        f" {calendar.month_abbr[peak + 1]} (x{factors[peak]:.2f}), lowest in"
        f" {calendar.month_abbr[low + 1]} (x{factors[low]:.2f})"
    )
    if missing:
        text += f"; {', '.join(missing)} not in the calibration data, interpolated"
    return text
