"""A global LightGBM model (mlforecast) as one more candidate of the selection.

One LightGBM regressor is fitted across many series at once (a *global* model), so
a pattern that many short series share can be learnt although no single series
shows it often enough. mlforecast builds the features, runs the rolling-origin
cross-validation and calibrates the conformal intervals; this module only chooses
the settings and maps the results to the shapes :mod:`.selection` and
:mod:`.models` use.

Which series
    :func:`eligible`: the demand classes in :data:`GLOBAL_CLASSES` (never new or
    dead series), with at least one CV window and :data:`MIN_GLOBAL_PERIODS`
    periods since the first sale. The model is fitted on those series only.
Features
    lags 1-4 and, when the longest series covers two seasons, the seasonal lag;
    rolling means over 4 and 12 periods, a rolling standard deviation over 12 and
    the expanding mean, all of lag 1; week of year and month also only with two
    seasons of history (with less, every week of the year is seen at most once and
    on the Online Retail panel the calendar changed the held-out RMSSE by 0.1%).
    Rows with missing features are kept (``dropna=False``): LightGBM routes
    missing values itself, and short series would otherwise lose most of their rows.
Target transform
    :class:`mlforecast.target_transforms.LocalStandardScaler` (per-series mean and
    standard deviation), so large sellers do not dominate the squared loss.
    Measured on the Online Retail backtest (SKU x country, cutoff 2011-09-05,
    12 weeks; LightGBM alone on the 2,655 eligible series; CV RMSSE is the
    selection's score on its 1-2 windows)::

        transform            CV RMSSE  held-out RMSSE  WAPE   bias   cov80  cov95
        none                 2.543     1.564           0.811  -0.27  0.70   0.83
        log1p                1.232     1.497           0.800  -0.70  0.67   0.83
        standard (chosen)    1.262     1.474           0.823  -0.31  0.77   0.86
        log1p + standard     1.247     1.497           0.792  -0.66  0.71   0.84
        tweedie objective    1.530     1.466           0.796  -0.29  0.69   0.84
        MovingAverage8       -         1.458           0.801  -0.31  0.72   0.85

    log1p scores best in CV but forecasts a geometric mean, 70% below the held-out
    volume, and is worse held out; as the selection's candidate it won 287 series
    and left the panel's RMSSE at 1.4237 against 1.4226 with the standard scaler.
    The Tweedie objective was best held out but worst in CV, the score the
    selection goes by (not tried as the selection's candidate).
Model
    200 trees, learning rate 0.05, 31 leaves, fixed seed, deterministic
    (:func:`regressor`); threads from ``n_jobs`` but one per
    :data:`ROWS_PER_THREAD` training rows at most (:func:`threads`).
Cross-validation
    :func:`cross_validate_global`: ``MLForecast.cross_validation`` with the
    statistical CV's ``horizon``, ``step_size`` and the largest ``n_windows`` of
    the eligible series, refitting per window. All windows end relative to each
    series' last period, as statsforecast's do, so a series' own last
    ``cv_windows`` cutoffs are exactly those its statistical candidates were scored
    on, and :func:`global_scores` keeps only those.
Intervals
    :func:`forecast_global`: ``PredictionIntervals(n_windows=CONFORMAL_WINDOWS,
    h=1)``, the one-step conformal policy of :mod:`.models` (one width for every
    step), clipped at 0 and nested the same way; ``interval_method`` "conformal".

Measured value (:class:`~.selection.AutoForecaster` with and without it, held-out
12 weeks on Online Retail at cutoff 2011-09-05): at SKU x country level (3,147
series) LightGBM won 47 series and the mean RMSSE went from 1.4215 to 1.4226, WAPE
from 0.7849 to 0.7865, coverage unchanged (0.739 / 0.848); at SKU level (2,733
series) it won 38, RMSSE 1.4404 to 1.4418, WAPE 0.7347 to 0.7359, coverage 0.733 to
0.732 / 0.842. On the demo simulator (1,525 series) it won 5 and changed nothing
measurable. The series it won were worse held out (RMSSE 0.89 to 0.96 at SKU x
country): with one or two CV windows its wins are mostly selection noise. Its cost
is small: about 3 s for CV and forecast of the 2,655 eligible series, against
80-120 s for the whole selection on 2 shared cores. So
``AutoForecaster(global_model=False)`` is the default; the candidate stays
available for panels with a longer shared history.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import lightgbm as lgb
import numpy as np
import pandas as pd
import polars as pl
from mlforecast import MLForecast
from mlforecast.lag_transforms import ExpandingMean, RollingMean, RollingStd
from mlforecast.target_transforms import (
    GlobalSklearnTransformer,
    LocalStandardScaler,
)
from mlforecast.utils import PredictionIntervals
from sklearn.preprocessing import FunctionTransformer

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.metrics import cv_scores
from tradepilot.forecasting.models import (
    CONFORMAL_WINDOWS,
    MIN_TRAIN_PERIODS,
    _clip_and_nest,
)

GLOBAL_MODEL: Final = "LightGBM"
# Demand classes the global model is a candidate for (see the module docstring).
GLOBAL_CLASSES: Final = ("smooth", "erratic", "intermittent", "lumpy")
# Shortest history (periods since the first sale) of a series the model is fitted
# on: its one-step conformal calibration needs CONFORMAL_WINDOWS periods after a
# first training stretch of MIN_TRAIN_PERIODS, as for the statistical models.
MIN_GLOBAL_PERIODS: Final = MIN_TRAIN_PERIODS + CONFORMAL_WINDOWS
SHORT_LAGS: Final = (1, 2, 3, 4)
TRANSFORMS: Final = ("none", "log1p", "standard", "log1p_standard", "tweedie")
DEFAULT_TRANSFORM: Final = "standard"
SEED: Final = 0
# LightGBM and the feature code get one thread per this many training rows, up to
# n_jobs: on 2 shared cores, 2 threads fitting the ~100k rows of Online Retail took
# 2-25x longer than one (OpenMP threads waiting for busy cores).
ROWS_PER_THREAD: Final = 500_000


def week_of_year(dates: pd.DatetimeIndex) -> np.ndarray[Any, np.dtype[np.int64]]:
    """ISO week number of each date (an mlforecast date feature)."""
    return np.asarray(dates.isocalendar().week, dtype=np.int64)


def threads(n_jobs: int, rows: int) -> int:
    """Threads to fit on ``rows`` rows: ``n_jobs`` (-1: all cores), at most one per
    :data:`ROWS_PER_THREAD` rows, at least one.

    Examples
    --------
    >>> threads(2, 100_000), threads(2, 2_000_000), threads(1, 2_000_000)
    (1, 2, 1)
    """
    wanted = (os.cpu_count() or 1) if n_jobs < 0 else n_jobs
    return max(1, min(wanted, rows // ROWS_PER_THREAD))


def regressor(
    num_threads: int = 1, *, objective: str = "regression"
) -> lgb.LGBMRegressor:
    """The small, deterministic LightGBM regressor the global model fits.

    Parameters
    ----------
    num_threads : int, default 1
        LightGBM threads.
    objective : str, default "regression"
        LightGBM objective.

    Returns
    -------
    lightgbm.LGBMRegressor
    """
    return lgb.LGBMRegressor(
        objective=objective,
        n_estimators=200,
        learning_rate=0.05,
        num_leaves=31,
        min_child_samples=20,
        subsample=1.0,
        colsample_bytree=1.0,
        random_state=SEED,
        deterministic=True,
        force_row_wise=True,
        num_threads=num_threads,
        verbosity=-1,
    )


def _target_transforms(transform: str) -> list[Any] | None:
    log1p = GlobalSklearnTransformer(
        FunctionTransformer(func=np.log1p, inverse_func=np.expm1, validate=False)
    )
    return {
        "none": None,
        "tweedie": None,
        "log1p": [log1p],
        "standard": [LocalStandardScaler()],
        "log1p_standard": [log1p, LocalStandardScaler()],
    }[transform]


def forecaster(
    history: pl.DataFrame,
    *,
    freq: str,
    season_length: int,
    n_jobs: int = 1,
    transform: str = DEFAULT_TRANSFORM,
    calendar: bool | None = None,
) -> MLForecast:
    """An unfitted mlforecast pipeline of the global model.

    Parameters
    ----------
    history : polars.DataFrame
        The panel it will be fitted on: when its longest series covers two seasons,
        the seasonal lag is a feature; its size sets the threads (:func:`threads`).
    freq : str
        Pandas offset alias of ``ds``.
    season_length : int
        Periods per season.
    n_jobs : int, default 1
        Most threads for LightGBM and the features (-1: all cores).
    transform : str, default DEFAULT_TRANSFORM
        Target transform, one of :data:`TRANSFORMS`.
    calendar : bool, optional
        Add week-of-year and month features; ``None`` adds them when the longest
        series covers two seasons.

    Returns
    -------
    mlforecast.MLForecast
    """
    if transform not in TRANSFORMS:
        raise DataValidationError(
            f"transform {transform!r} unknown; allowed: {', '.join(TRANSFORMS)}"
        )
    longest = int(history.group_by("unique_id").len()["len"].max() or 0)  # type: ignore[arg-type]
    seasonal = season_length > 1 and longest >= 2 * season_length
    lags = list(SHORT_LAGS)
    if seasonal and season_length > max(lags):
        lags.append(season_length)
    if calendar is None:
        calendar = seasonal
    objective = "tweedie" if transform == "tweedie" else "regression"
    num_threads = threads(n_jobs, history.height)
    return MLForecast(
        models={GLOBAL_MODEL: regressor(num_threads, objective=objective)},
        freq=freq,
        lags=lags,
        lag_transforms={
            1: [
                RollingMean(window_size=4, min_samples=1),
                RollingMean(window_size=12, min_samples=1),
                RollingStd(window_size=12, min_samples=2),
                ExpandingMean(),
            ]
        },
        date_features=[week_of_year, "month"] if calendar else None,
        num_threads=num_threads,
        target_transforms=_target_transforms(transform),
    )


@contextmanager
def global_warnings() -> Iterator[None]:
    """Silence the mlforecast / utilsforecast warnings that carry no information.

    Cross-validation windows reach further back than the shortest series' history:
    a series may have no history before an early cutoff (it is dropped from that
    window) or too little to fill every lag (LightGBM takes missing features), and
    is scored on its own windows only anyway. The one-step conformal calibration
    applies one width to every step on purpose (module docstring).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="The following series are too short for the window",
            category=UserWarning,
            module=r"utilsforecast\.processing",
        )
        warnings.filterwarnings(
            "ignore",
            message="Prediction intervals are calculated using 1-step ahead",
            category=UserWarning,
            module=r"mlforecast\.forecast",
        )
        warnings.filterwarnings(
            "ignore",
            message="Found null values in ",
            category=UserWarning,
            module=r"mlforecast\.core",
        )
        yield


def eligible(plan: pl.DataFrame) -> pl.DataFrame:
    """The series the global model is fitted on and a candidate for.

    Parameters
    ----------
    plan : polars.DataFrame
        ``unique_id, length, demand_class, cv_windows`` per series.

    Returns
    -------
    polars.DataFrame
        The rows of ``plan`` in :data:`GLOBAL_CLASSES` with at least one CV window
        and :data:`MIN_GLOBAL_PERIODS` periods.
    """
    return plan.filter(
        pl.col("demand_class").is_in(GLOBAL_CLASSES),
        pl.col("cv_windows") > 0,
        pl.col("length") >= MIN_GLOBAL_PERIODS,
    )


def _pandas(history: pl.DataFrame) -> pd.DataFrame:
    return history.select("unique_id", "ds", "y").sort("unique_id", "ds").to_pandas()


def cross_validate_global(
    history: pl.DataFrame,
    *,
    freq: str,
    season_length: int,
    horizon: int,
    n_windows: int,
    step_size: int,
    n_jobs: int = 1,
    transform: str = DEFAULT_TRANSFORM,
    calendar: bool | None = None,
) -> pl.DataFrame:
    """Rolling-origin cross-validation of the global model on a panel.

    One LightGBM is fitted per window on every series' history up to the window's
    cutoff; the windows are those of
    :func:`tradepilot.forecasting.selection.cross_validate` with the same
    ``horizon``, ``n_windows`` and ``step_size``. A series with no history before a
    window's cutoff has no rows for that window.

    Parameters
    ----------
    history : polars.DataFrame
        Panel ``unique_id, ds, y``.
    freq : str
        Pandas offset alias of ``ds``.
    season_length : int
        Periods per season.
    horizon, n_windows, step_size : int
        Periods per window, windows, periods between window cutoffs.
    n_jobs : int, default 1
        Most threads (see :func:`threads`).
    transform, calendar
        See :func:`forecaster`.

    Returns
    -------
    polars.DataFrame
        ``unique_id, ds, cutoff, y, LightGBM``, sorted by ``unique_id, cutoff, ds``.
    """
    mlf = forecaster(
        history,
        freq=freq,
        season_length=season_length,
        n_jobs=n_jobs,
        transform=transform,
        calendar=calendar,
    )
    with global_warnings():
        cv = mlf.cross_validation(
            df=_pandas(history),
            n_windows=n_windows,
            h=horizon,
            step_size=step_size,
            dropna=False,
            static_features=[],
        )
    ds_type = history.schema["ds"]
    return (
        pl.from_pandas(cv)
        .select(
            pl.col("unique_id").cast(pl.String),
            pl.col("ds").cast(ds_type),
            pl.col("cutoff").cast(ds_type),
            pl.col("y").cast(pl.Float64),
            pl.col(GLOBAL_MODEL).cast(pl.Float64),
        )
        .sort("unique_id", "cutoff", "ds")
    )


def global_scores(
    history: pl.DataFrame,
    plan: pl.DataFrame,
    *,
    freq: str,
    season_length: int,
    horizon: int,
    step_size: int,
    n_jobs: int = 1,
) -> pl.DataFrame:
    """CV scores of the global model for every eligible series of a plan.

    Each series is scored on its own last ``cv_windows`` cutoffs only, the windows
    its statistical candidates are scored on.

    Parameters
    ----------
    history : polars.DataFrame
        Panel ``unique_id, ds, y``, each series since its first sale.
    plan : polars.DataFrame
        ``unique_id, length, demand_class, cv_windows`` per series.
    freq, season_length, horizon, step_size, n_jobs
        As for :func:`cross_validate_global`.

    Returns
    -------
    polars.DataFrame
        ``unique_id, demand_class, model, cv_rmsse, cv_mae, n_windows`` (see
        :func:`~tradepilot.forecasting.metrics.cv_scores`); empty when no series is
        eligible.
    """
    fit_on = eligible(plan)
    if fit_on.is_empty():
        return _empty_scores()
    sub = history.join(fit_on.select("unique_id"), on="unique_id")
    cv = cross_validate_global(
        sub,
        freq=freq,
        season_length=season_length,
        horizon=horizon,
        n_windows=int(fit_on["cv_windows"].max()),  # type: ignore[arg-type]
        step_size=step_size,
        n_jobs=n_jobs,
    )
    own = pl.col("cutoff").rank("dense", descending=True).over("unique_id")
    cv = cv.join(fit_on.select("unique_id", "cv_windows"), on="unique_id").filter(
        own <= pl.col("cv_windows")
    )
    scores = cv_scores(cv.drop("cv_windows"), sub, [GLOBAL_MODEL])
    return scores.join(
        fit_on.select("unique_id", "demand_class"), on="unique_id"
    ).select(_empty_scores().columns)


def _empty_scores() -> pl.DataFrame:
    text = dict.fromkeys(("unique_id", "demand_class", "model"), pl.String)
    numbers = {"cv_rmsse": pl.Float64, "cv_mae": pl.Float64}
    return pl.DataFrame(schema=text | numbers | {"n_windows": pl.Int64})


def forecast_global(
    history: pl.DataFrame,
    *,
    freq: str,
    season_length: int,
    horizon: int,
    levels: Sequence[int],
    conformal_windows: int = CONFORMAL_WINDOWS,
    n_jobs: int = 1,
    transform: str = DEFAULT_TRANSFORM,
    calendar: bool | None = None,
) -> pl.DataFrame:
    """Fit the global model on a panel and forecast it with conformal intervals.

    Parameters
    ----------
    history : polars.DataFrame
        Panel ``unique_id, ds, y``; every series at least ``conformal_windows + 1``
        periods long.
    freq : str
        Pandas offset alias of ``ds``.
    season_length : int
        Periods per season.
    horizon : int
        Periods to forecast.
    levels : sequence of int
        Interval levels in percent, ascending.
    conformal_windows : int, default CONFORMAL_WINDOWS
        One-step calibration windows (mlforecast ``PredictionIntervals``).
    n_jobs : int, default 1
        Most threads (see :func:`threads`).
    transform, calendar
        See :func:`forecaster`.

    Returns
    -------
    polars.DataFrame
        ``unique_id, ds, forecast, lo_<l>, hi_<l>, interval_method`` like
        :func:`~tradepilot.forecasting.models.forecast_with_intervals`: clipped at
        0, nested, ``interval_method`` "conformal".
    """
    mlf = forecaster(
        history,
        freq=freq,
        season_length=season_length,
        n_jobs=n_jobs,
        transform=transform,
        calendar=calendar,
    )
    with global_warnings():
        mlf.fit(
            _pandas(history),
            dropna=False,
            static_features=[],
            prediction_intervals=PredictionIntervals(n_windows=conformal_windows, h=1),
        )
        raw = mlf.predict(h=horizon, level=list(levels))
    bounds = [
        pl.col(f"{GLOBAL_MODEL}-{side}-{lv}").cast(pl.Float64).alias(f"{side}_{lv}")
        for lv in levels
        for side in ("lo", "hi")
    ]
    out = pl.from_pandas(raw).select(
        pl.col("unique_id").cast(pl.String),
        pl.col("ds").cast(history.schema["ds"]),
        pl.col(GLOBAL_MODEL).cast(pl.Float64).alias("forecast"),
        *bounds,
        interval_method=pl.lit("conformal"),
    )
    return _clip_and_nest(out, levels).sort("unique_id", "ds")


def forecast_winners(
    history: pl.DataFrame,
    plan: pl.DataFrame,
    winners: pl.Series,
    *,
    freq: str,
    season_length: int,
    horizon: int,
    levels: Sequence[int],
    n_jobs: int = 1,
) -> pl.DataFrame:
    """Forecast the series whose chosen model is the global one.

    The model is refitted on every eligible series of ``plan`` (the panel it was
    cross-validated on), not only on the winners.

    Parameters
    ----------
    history : polars.DataFrame
        Panel ``unique_id, ds, y``, each series since its first sale.
    plan : polars.DataFrame
        ``unique_id, length, demand_class, cv_windows`` per series.
    winners : polars.Series
        Ids to forecast; all eligible.
    freq, season_length, horizon, levels, n_jobs
        As for :func:`forecast_global`.

    Returns
    -------
    polars.DataFrame
        :func:`forecast_global`'s columns for the winners.
    """
    fit_on = eligible(plan).select("unique_id")
    fc = forecast_global(
        history.join(fit_on, on="unique_id"),
        freq=freq,
        season_length=season_length,
        horizon=horizon,
        levels=levels,
        n_jobs=n_jobs,
    )
    return fc.filter(pl.col("unique_id").is_in(winners.implode()))
