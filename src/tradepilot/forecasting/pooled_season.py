"""A yearly shape borrowed from the panel: seasonal naive on low-rank smoothed history.

One year of one series shows its season once, with that year's noise in every week;
:class:`~statsforecast.models.SeasonalNaive` repeats the noise, and the seasonal
ETS / Theta forms need two full seasons. Series of one panel (departments of many
stores, SKUs of one shop) share a few yearly shapes, so the noise can be taken out
across series: each series' recent history, divided by its mean, is a row of a
matrix whose rank-``r`` SVD approximation keeps the shared shapes and drops most of
each row's own noise (the smoothing the winning entry of Kaggle's 2014 Walmart
store-department competition applied per department before a seasonal naive
forecast). The forecast is the smoothed value of the same period a season earlier,
shifted by how much the series' last ``k`` periods differ from the smoothed same
periods a season before them (its level now against then).

On weekly data "a season back" is taken by the calendar, not by counting 52 weeks:
52 weeks are 364 days, one day short of a year (two across a February 29th), so
the week 52 back starts a day later in the calendar each year, and a holiday fixed
by date (Christmas Eve) drifts out of the week it fell in. The week of the same
calendar days a year back overlaps week ``t - 52`` on ``7 - d`` days and week
``t - 53`` on ``d`` days (``d`` = 1, or 2 across a leap day), so the yearly value is
``(7 - d) / 7 * y[t - 52] + d / 7 * y[t - 53]`` (``calendar_weights``). It is used
for the pooled shape and the series' own yearly value alike; the per-series
fallback stays the plain ``SeasonalNaive``.

The rank ``r`` is read from the singular values (Gavish and Donoho's optimal hard
threshold), the level window ``k`` is half a season. A second candidate averages the
pooled forecast with the series' own seasonal naive (``PooledSeasonalMean``): the
two err differently (the smoothed shape misses a series' own quirks, last year's
value carries last year's noise), so their mean is the classic forecast combination.
The last ``horizon`` periods of history are a validation window (fewer, down to
``MIN_VALIDATION``, when less than a season, a level window and a horizon are
there; each series scored by RMSSE, scaled by its one-step naive error): the panel
takes the better of the two pooled candidates there, and uses it only if its mean
beats both the seasonal naive and the 8-period moving average by ``PARSIMONY`` (2%:
a tie goes to the simpler models); each series keeps it unless its own seasonal
naive or moving average beat it on that window by a relative ``margin`` (only on a
full ``horizon`` window: a shorter one is too few periods to judge one series by).
Interval half-widths are the quantiles of the series' absolute errors on that window.

Examples
--------
>>> import datetime as dt
>>> rng = np.random.default_rng(0)
>>> shape = 1 + 0.5 * np.sin(np.arange(80) * 2 * np.pi / 52)
>>> rows = [
...     (f"s{i}", dt.date(2020, 1, 3) + dt.timedelta(weeks=t), float(v))
...     for i in range(30)
...     for t, v in enumerate(100 * shape * rng.lognormal(0, 0.1, 80))
... ]
>>> panel = pl.DataFrame(rows, schema=["unique_id", "ds", "y"], orient="row")
>>> fit = fit_pooled(panel, season_length=52, horizon=8, levels=(80, 95))
>>> fit.forecasts["unique_id"].n_unique(), fit.forecasts.columns[:3]
(30, ['unique_id', 'ds', 'forecast'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd
import polars as pl
from numpy.typing import NDArray

POOLED: Final = "PooledSeasonal"
POOLED_MEAN: Final = "PooledSeasonalMean"
# Fewest series to pool, and shortest level window, for the model to be tried.
MIN_SERIES: Final = 20
MIN_LEVEL_WINDOW: Final = 8
# Shortest validation window: with less than a season, a level window and a horizon
# of history, the window is what is left after the season and the level window.
MIN_VALIDATION: Final = 4
# Relative RMSSE by which a series' own seasonal naive or moving average must beat
# the pooled forecast on the validation window to replace it (as the ensemble
# margin of the per-series selection, it keeps one window's noise from choosing).
MARGIN: Final = 0.4
MOVING_AVERAGE: Final = 8
# Relative mean RMSSE by which the pooled model must beat the better of the seasonal
# naive and the moving average on the validation window to be used: on a panel
# without a shared season (white noise) it ties the moving average, and a tie goes
# to the simpler per-series models.
PARSIMONY: Final = 0.02
# Weekly seasons a year long: 52 weeks are 364 days, a year 365 or 366.
WEEKS_PER_YEAR: Final = 52

Matrix = NDArray[np.float64]


@dataclass
class PooledFit:
    """What :func:`fit_pooled` chose and forecast.

    ``forecasts`` holds ``unique_id, ds, forecast, lo_<l>, hi_<l>, model`` for the
    series it covers (empty when the panel has no eligible series); ``validation``
    the mean validation RMSSE per method; ``notes`` what was decided and why.
    """

    forecasts: pl.DataFrame
    rank: int | None = None
    level_window: int | None = None
    validation: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def fit_pooled(
    panel: pl.DataFrame,
    *,
    season_length: int,
    horizon: int,
    levels: Sequence[int],
    freq: str = "W",
    margin: float = MARGIN,
) -> PooledFit:
    """Forecast the series with a season and a validation window of history.

    Parameters
    ----------
    panel : polars.DataFrame
        ``unique_id, ds, y`` on a regular grid without gaps, ``y >= 0``.
    season_length : int
        Periods per season (52 for weeks).
    horizon : int
        Periods to forecast; also the validation window.
    levels : sequence of int
        Interval levels in percent.
    freq : str, default "W"
        Pandas frequency of ``ds`` (for the forecast dates).
    margin : float, default MARGIN

    Returns
    -------
    PooledFit
        Series too short (fewer than a season, the shortest level window and
        ``MIN_VALIDATION`` periods) are left out, for the per-series models.
    """
    m = season_length
    k = max(m // 2, 1)
    need = m + MIN_LEVEL_WINDOW + min(horizon, MIN_VALIDATION)
    # series ending on the panel's last period, so that their columns align
    lengths = panel.group_by("unique_id").agg(len=pl.len(), end=pl.col("ds").max())
    lengths = lengths.filter(pl.col("end") == pl.col("end").max())
    ids = lengths.filter(pl.col("len") >= need)["unique_id"].sort()
    if m <= 1 or ids.len() < MIN_SERIES:
        return PooledFit(_empty(levels), notes=_too_few(ids.len(), need))
    eligible = lengths.filter(pl.col("unique_id").is_in(ids.implode()))
    width = min(int(np.min(eligible["len"].to_numpy())), 2 * m + horizon + k)
    data = (
        panel.filter(pl.col("unique_id").is_in(ids.implode()))
        .sort("unique_id", "ds")
        .group_by("unique_id", maintain_order=True)
        .tail(width)
    )
    y = data["y"].to_numpy().reshape(ids.len(), width).astype(np.float64)
    last = data.group_by("unique_id", maintain_order=True).agg(pl.col("ds").last())
    smooth = _Smoother(y, m)
    rank = smooth.rank()
    window = min(horizon, width - m - MIN_LEVEL_WINDOW)
    train, actual = y[:, :-window], y[:, -window:]
    k_val = min(k, train.shape[1] - m)
    scale = _naive_scale(train)
    end = last["ds"].max()
    back_w = ahead_w = None
    if m == WEEKS_PER_YEAR and freq.upper().startswith("W"):
        if isinstance(end, dt.datetime):
            end = end.date()
        if isinstance(end, dt.date):
            back_w, ahead_w = _weights(end, -window, window), _weights(end, 0, horizon)
    pooled = _forecast(train, _Smoother(train, m)(rank), m, k_val, window, back_w)
    own_snaive = _season_back(train, m, window, back_w)
    candidates = {POOLED: pooled, POOLED_MEAN: (pooled + own_snaive) / 2}
    scores = {name: _rmsse(f, actual, scale) for name, f in candidates.items()}
    snaive = _rmsse(_seasonal_naive(train, m, window), actual, scale)
    average = _rmsse(_moving_average(train, window), actual, scale)
    validation = {name: float(np.nanmean(v)) for name, v in scores.items()}
    validation["SeasonalNaive"] = float(np.nanmean(snaive))
    validation["MovingAverage8"] = float(np.nanmean(average))
    chosen = min(candidates, key=lambda name: validation[name])
    # the chosen model's validation errors set the widths; refit on all history
    if validation[chosen] >= (1 - PARSIMONY) * min(
        validation["SeasonalNaive"], validation["MovingAverage8"]
    ):
        note = (
            f"pooled seasonal naive not used: on the last {window} periods its mean "
            f"RMSSE {validation[chosen]:.3f} ({chosen}) did not beat SeasonalNaive "
            f"{validation['SeasonalNaive']:.3f} or MovingAverage8 "
            f"{validation['MovingAverage8']:.3f} by {PARSIMONY:.0%}"
        )
        return PooledFit(_empty(levels), rank, k, validation, [note])
    errors = np.abs(candidates[chosen] - actual)
    full_snaive = _seasonal_naive(y, m, horizon)
    k = min(k, width - m)
    point = _forecast(y, smooth(rank), m, k, horizon, ahead_w)
    if chosen == POOLED_MEAN:
        point = (point + _season_back(y, m, horizon, ahead_w)) / 2
    # a per-series choice on a window shorter than the horizon would follow noise
    own = _own_choice(scores[chosen], snaive, average, margin)
    own = own if window == horizon else np.zeros_like(own)
    point = np.where(own[:, None] == 1, full_snaive, point)
    point = np.where(own[:, None] == 2, _moving_average(y, horizon), point)
    forecasts = _frame(ids, last["ds"], point, errors, levels, freq, own, chosen)
    notes = [
        f"{ids.len()} series with at least {need} periods: {chosen} (pooled seasonal "
        f"naive of rank {rank}, level over the last {k} periods"
        f"{', averaged with own seasonal naive' if chosen == POOLED_MEAN else ''}), "
        f"chosen on the last {window} periods (mean RMSSE {validation[POOLED]:.3f} "
        f"pooled, {validation[POOLED_MEAN]:.3f} averaged, against SeasonalNaive "
        f"{validation['SeasonalNaive']:.3f}, MovingAverage8 "
        f"{validation['MovingAverage8']:.3f}); {int((own > 0).sum())} series kept "
        "their own seasonal naive or moving average"
    ]
    return PooledFit(forecasts, rank, k, validation, notes)


def _too_few(n: int, need: int) -> list[str]:
    return [
        f"{n} series have {need} periods or more (a season, a level window and a "
        f"validation window); the pooled seasonal model needs {MIN_SERIES}: not used"
    ]


class _Smoother:
    """Rank-``r`` approximations of the rows of ``y``, each divided by its mean."""

    def __init__(self, y: Matrix, m: int) -> None:
        mean = y[:, -m:].mean(axis=1, keepdims=True)
        self.scale = np.where(mean > 0, mean, 1.0)
        z = y / self.scale
        self.center = z.mean(axis=0)
        u, s, vt = np.linalg.svd(z - self.center, full_matrices=False)
        self.u, self.s, self.vt = u, s, vt

    def rank(self) -> int:
        """Singular values above Gavish and Donoho's (2014) hard threshold.

        For noise of unknown level the optimal threshold is
        ``omega(beta) * median(singular values)``, ``beta`` the matrix's aspect
        ratio; the rank is chosen from the data alone, with no validation window.
        """
        n, w = self.u.shape[0], self.vt.shape[1]
        beta = min(n, w) / max(n, w)
        omega = 0.56 * beta**3 - 0.95 * beta**2 + 1.82 * beta + 1.43
        return max(int((self.s > omega * np.median(self.s)).sum()), 1)

    def __call__(self, rank: int) -> Matrix:
        r = min(rank, self.s.size)
        low = (self.u[:, :r] * self.s[:r]) @ self.vt[:r] + self.center
        smooth: Matrix = low * self.scale
        return smooth


def calendar_weights(ends: Sequence[dt.date]) -> Matrix:
    """Share of each week's yearly value taken from week ``t - 53`` (by the calendar).

    ``d / 7``, ``d`` the days by which a year (from the same date a year before)
    exceeds 52 weeks: 1, or 2 when a February 29th lies between.

    >>> calendar_weights([dt.date(2011, 12, 23), dt.date(2012, 3, 2)]).round(3)
    array([0.143, 0.286])
    """
    days = []
    for end in ends:
        try:
            before = end.replace(year=end.year - 1)
        except ValueError:  # February 29th: a year before is February 28th
            before = end.replace(year=end.year - 1, day=28)
        days.append((end - before).days - 7 * WEEKS_PER_YEAR)
    return np.asarray(days, dtype=np.float64) / 7


def _weights(end: dt.date, start: int, count: int) -> Matrix:
    """Calendar weights of the ``count`` weeks after ``start`` weeks from ``end``."""
    ends = [end + dt.timedelta(weeks=start + j + 1) for j in range(count)]
    return calendar_weights(ends)


def _forecast(
    y: Matrix, smooth: Matrix, m: int, k: int, h: int, weights: Matrix | None = None
) -> Matrix:
    """Smoothed values a season back, plus the level change over ``k`` periods."""
    n = y.shape[1]
    seasonal = _season_back(smooth, m, h, weights)
    level = y[:, n - k :].mean(axis=1) - smooth[:, n - k - m : n - m].mean(axis=1)
    result: Matrix = np.clip(seasonal + level[:, None], 0.0, None)
    return result


def _season_back(y: Matrix, m: int, h: int, weights: Matrix | None = None) -> Matrix:
    """Values a season back; with ``weights``, mixed with the period before them."""
    n = y.shape[1]
    steps = np.arange(h)
    back: Matrix = y[:, n - m + steps % m]
    if weights is not None and n > m:
        before = y[:, n - m - 1 + steps % m]
        back = (1 - weights) * back + weights * before
    return back


def _seasonal_naive(y: Matrix, m: int, h: int) -> Matrix:
    return _season_back(y, m, h)


def _moving_average(y: Matrix, h: int) -> Matrix:
    mean = y[:, -MOVING_AVERAGE:].mean(axis=1)
    result: Matrix = np.repeat(mean[:, None], h, axis=1)
    return result


def _naive_scale(y: Matrix) -> Matrix:
    scale: Matrix = np.sqrt(np.mean(np.diff(y, axis=1) ** 2, axis=1))
    return scale


def _rmsse(forecast: Matrix, actual: Matrix, scale: Matrix) -> Matrix:
    rmse = np.sqrt(np.mean((forecast - actual) ** 2, axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        result: Matrix = np.where(scale > 0, rmse / scale, np.nan)
    return result


def _own_choice(
    pooled: Matrix, snaive: Matrix, average: Matrix, margin: float
) -> NDArray[np.int64]:
    """0: the pooled model; 1: own seasonal naive; 2: own moving average (per series)."""
    bar = np.nan_to_num(pooled, nan=np.inf) * (1 - margin)
    choice = np.zeros(pooled.size, dtype=np.int64)
    own_sn = np.nan_to_num(snaive, nan=np.inf) < bar
    own_ma = np.nan_to_num(average, nan=np.inf) < np.minimum(
        bar, np.nan_to_num(snaive, nan=np.inf)
    )
    choice[own_sn] = 1
    choice[own_ma] = 2
    return choice


def _frame(
    ids: pl.Series,
    last: pl.Series,
    point: Matrix,
    errors: Matrix,
    levels: Sequence[int],
    freq: str,
    own: NDArray[np.int64],
    chosen: str = POOLED,
) -> pl.DataFrame:
    n, h = point.shape
    dates: list[dt.date] = []
    for end in last.to_list():
        future = pd.date_range(end, periods=h + 1, freq=freq)[1:]
        dates.extend(d.date() for d in future)
    columns: dict[str, object] = {
        "unique_id": np.repeat(ids.to_numpy(), h),
        "ds": pl.Series(dates, dtype=pl.Date),
        "forecast": point.ravel(),
    }
    for level in sorted(levels):
        width = np.quantile(errors, level / 100, axis=1, method="higher")
        columns[f"lo_{level}"] = np.clip(point - width[:, None], 0.0, None).ravel()
        columns[f"hi_{level}"] = (point + width[:, None]).ravel()
    names = np.array([chosen, "SeasonalNaive", "MovingAverage8"])
    columns["model"] = np.repeat(names[own], h)
    return pl.DataFrame(columns)


def _empty(levels: Sequence[int]) -> pl.DataFrame:
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "unique_id": pl.String,
        "ds": pl.Date,
        "forecast": pl.Float64,
    }
    for level in sorted(levels):
        schema[f"lo_{level}"] = pl.Float64
        schema[f"hi_{level}"] = pl.Float64
    schema["model"] = pl.String
    return pl.DataFrame(schema=schema)
