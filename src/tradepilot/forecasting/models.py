"""Statsforecast models per demand class, the baselines, and how they run on a panel.

Models come from factories, never import time: statsforecast stores conformal
settings on the model object it is given, so every run needs fresh ones.

Interval policy of :func:`forecast_with_intervals` (``interval_method`` per series):

``conformal``
    statsforecast ``ConformalIntervals`` calibrated on one-step-ahead errors: up to
    :data:`CONFORMAL_WINDOWS` refits, the first on :data:`MIN_TRAIN_PERIODS`
    periods; statsforecast applies the one-step quantiles to every step. A 40-week
    history holds only two 12-week calibration windows, and split-conformal with
    two or three scores cannot reach 80% (it covered ~60% of simulated Poisson
    demand, against ~79% here); the price is under-coverage of far steps for
    random-walk-like models (Naive).
``native``
    the model's own Gaussian intervals, for series too short for that (new items).
``empirical``
    for short series whose model has no native intervals, or when they are not
    finite: the series' demand quantiles since its first sale, ``q((1 -+ l) / 2)``.

Forecasts and bounds are clipped at 0 and nested (``lo_95 <= lo_80 <= forecast``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, Final

import numpy as np
import polars as pl
from numpy.typing import NDArray
from statsforecast import StatsForecast
from statsforecast import models as sfm
from statsforecast.utils import ConformalIntervals

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.distributed import ClusterEngine

# Re-exported: backtest and selection take the protocol from here with the models.
from tradepilot.forecasting.model_protocol import StatsModel as StatsModel

MOVING_AVERAGE_WINDOW: Final = 8
# Shortest history a candidate is fitted on (CV and conformal windows): the moving
# average needs 8 points, AutoETS / AutoTheta refuse fewer than about 7.
MIN_TRAIN_PERIODS: Final = MOVING_AVERAGE_WINDOW
# One-step conformal refits per series: 20 scores resolve the 80% and 95% quantiles.
CONFORMAL_WINDOWS: Final = 20
# TSB smooths demand size and probability: 0.1 is Croston's classic constant, inside
# Teunter, Syntetos and Babai's (2011) 0.05-0.3; fitting both on ~40 sparse weeks
# overfits, and 0.1 still lets the probability decay within a quarter of obsolescence.
TSB_ALPHA_D: Final = 0.1
TSB_ALPHA_P: Final = 0.1
# The TSB baseline is the one issue 11 names: TSB(0.2, 0.2).
BASELINE_TSB_ALPHA: Final = 0.2
ENSEMBLE: Final = "Ensemble"
# Model of a series too short to cross-validate: the ensemble where a class has one.
CLASS_DEFAULTS: Final = dict.fromkeys(
    ("smooth", "erratic", "intermittent", "lumpy"), ENSEMBLE
) | {"new": "MovingAverage", "dead": "Zero"}


class MedianEnsemble(sfm._TS):
    """Median of its members' point forecasts, as one statsforecast model.

    Subclassing statsforecast's model base (as sktime's adapter does) lets
    ``ConformalIntervals`` calibrate the ensemble itself, refitting every member
    per calibration window.

    Parameters
    ----------
    members : list of model
        Models whose ``forecast(y, h)["mean"]`` are combined.
    alias : str, default "Ensemble"
    prediction_intervals : ConformalIntervals, optional
    """

    def __init__(
        self,
        members: list[StatsModel],
        alias: str = ENSEMBLE,
        prediction_intervals: ConformalIntervals | None = None,
    ) -> None:
        self.members = members
        self.alias = alias
        self.prediction_intervals = prediction_intervals
        self.only_conformal_intervals = True

    def forecast(
        self,
        y: NDArray[np.float64],
        h: int,
        X: NDArray[np.float64] | None = None,
        X_future: NDArray[np.float64] | None = None,
        level: list[int] | None = None,
        fitted: bool = False,
    ) -> dict[str, Any]:
        """Median forecast of ``h`` periods, with conformal bounds per ``level``."""
        if fitted:
            raise NotImplementedError("MedianEnsemble has no in-sample fitted values")
        means = np.vstack([m.forecast(y=y, h=h)["mean"] for m in self.members])
        result: dict[str, Any] = {"mean": np.median(means, axis=0)}
        if level is None:
            return result
        if self.prediction_intervals is None:
            raise DataValidationError("MedianEnsemble needs ConformalIntervals")
        bounds: dict[str, Any] = self._add_conformal_intervals(  # type: ignore[no-untyped-call]
            fcst=result, y=y, X=X, level=sorted(level)
        )
        return bounds


def _moving_average() -> StatsModel:
    return sfm.WindowAverage(window_size=MOVING_AVERAGE_WINDOW, alias="MovingAverage8")


def baselines(season_length: int) -> dict[str, StatsModel]:
    """Fresh single-model baselines, keyed by name.

    Parameters
    ----------
    season_length : int
        Periods per season (52 for weekly data).

    Returns
    -------
    dict of str to model
        Naive, MovingAverage8, SeasonalNaive, AutoETS, AutoTheta (these two without
        a season: a year of weekly history cannot fit one), CrostonOptimized,
        TSB(0.2, 0.2), ADIDA, IMAPA.

    Examples
    --------
    >>> list(baselines(52))[:3]
    ['Naive', 'MovingAverage8', 'SeasonalNaive']
    """
    return {
        "Naive": sfm.Naive(),
        "MovingAverage8": _moving_average(),
        "SeasonalNaive": sfm.SeasonalNaive(season_length=season_length),
        "AutoETS": sfm.AutoETS(season_length=1),
        "AutoTheta": sfm.AutoTheta(season_length=1),
        "CrostonOptimized": sfm.CrostonOptimized(),
        "TSB": sfm.TSB(alpha_d=BASELINE_TSB_ALPHA, alpha_p=BASELINE_TSB_ALPHA),
        "ADIDA": sfm.ADIDA(),
        "IMAPA": sfm.IMAPA(),
    }


def candidates(
    demand_class: str, season_length: int, *, seasonal: bool = True
) -> list[StatsModel]:
    """Fresh candidate models for one demand class, simplest first.

    Parameters
    ----------
    demand_class : str
        One of ``smooth, erratic, intermittent, lumpy, new, dead``.
    season_length : int
        Periods per season.
    seasonal : bool, default True
        Whether the series hold at least two seasons; if not, SeasonalNaive is left
        out and AutoETS / AutoTheta are fitted without a season.

    Returns
    -------
    list of model
        smooth, erratic: Naive, MovingAverage8, SeasonalNaive (if seasonal),
        AutoETS, AutoTheta. intermittent, lumpy: CrostonOptimized, CrostonSBA, TSB,
        ADIDA, IMAPA, MovingAverage8. new: Naive and ``MovingAverage``, the mean
        since the first sale (shorter than any fixed window). dead: ``Zero``, a
        Naive (0 on a dead series) because ``ZeroModel`` has no conformal intervals.

    Raises
    ------
    DataValidationError
        Unknown demand class.

    Examples
    --------
    >>> [m.alias for m in candidates("smooth", 52, seasonal=False)]
    ['Naive', 'MovingAverage8', 'AutoETS', 'AutoTheta']
    """
    season = season_length if seasonal else 1
    if demand_class in ("smooth", "erratic"):
        seasonal_naive = [sfm.SeasonalNaive(season_length)] if season > 1 else []
        return [
            sfm.Naive(),
            _moving_average(),
            *seasonal_naive,
            sfm.AutoETS(season_length=season),
            sfm.AutoTheta(season_length=season),
        ]
    if demand_class in ("intermittent", "lumpy"):
        return [
            sfm.CrostonOptimized(),
            sfm.CrostonSBA(),
            sfm.TSB(alpha_d=TSB_ALPHA_D, alpha_p=TSB_ALPHA_P),
            sfm.ADIDA(),
            sfm.IMAPA(),
            _moving_average(),
        ]
    if demand_class == "new":
        return [sfm.Naive(), sfm.HistoricAverage(alias="MovingAverage")]
    if demand_class == "dead":
        return [sfm.Naive(alias="Zero")]
    raise DataValidationError(
        f"demand class {demand_class!r} unknown; allowed: {', '.join(CLASS_DEFAULTS)}"
    )


def ensemble(
    demand_class: str, season_length: int, *, seasonal: bool = True
) -> MedianEnsemble | None:
    """The median ensemble of a class's candidates (None for new and dead).

    Examples
    --------
    >>> [m.alias for m in ensemble("lumpy", 52).members][:2]
    ['CrostonOptimized', 'CrostonSBA']
    """
    members = candidates(demand_class, season_length, seasonal=seasonal)
    return MedianEnsemble(members) if len(members) >= 3 else None


def model_by_name(
    demand_class: str, season_length: int, seasonal: bool, name: str
) -> StatsModel:
    """A fresh candidate (or the ensemble) of a class, by alias."""
    models = candidates(demand_class, season_length, seasonal=seasonal)
    combined = ensemble(demand_class, season_length, seasonal=seasonal)
    return next(m for m in [*models, combined] if m is not None and m.alias == name)


@contextmanager
def library_warnings() -> Iterator[None]:
    """Silence the one statsforecast warning known to carry no information.

    AutoETS fits every ETS form and keeps the lowest AICc. On a short series a form
    can have as many parameters as observations: ``ets.py`` divides its residual
    variance by ``n - p - 1 = 0``, and its AICc is infinite, so it is never chosen.

    SeasonalNaive warns when a series is shorter than a season; conformal
    calibration windows cut a series that is just over a season long below it. Its
    missing interval widths are filled by :func:`_empirical_where_missing`.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r"Historical data \(\d+\) is shorter than season_length",
            category=UserWarning,
            module=r"statsforecast\.utils",
        )
        warnings.filterwarnings(
            "ignore",
            message="divide by zero encountered in scalar divide",
            category=RuntimeWarning,
            module=r"statsforecast\.ets",
        )
        yield


def forecast_with_intervals(
    history: pl.DataFrame,
    factory: Callable[[], StatsModel],
    *,
    freq: str,
    horizon: int,
    levels: Sequence[int],
    conformal_windows: int = CONFORMAL_WINDOWS,
    n_jobs: int = 1,
    engine: ClusterEngine | None = None,
) -> pl.DataFrame:
    """Forecast every series with one model and attach intervals (module policy).

    Parameters
    ----------
    history : polars.DataFrame
        Panel ``unique_id, ds, y``, each series starting at its first sale.
    factory : callable
        Returns a fresh model; called once per statsforecast run.
    freq : str
        Pandas offset alias of ``ds``.
    horizon : int
        Periods to forecast.
    levels : sequence of int
        Interval levels in percent, ascending (e.g. ``(80, 95)``).
    conformal_windows : int, default CONFORMAL_WINDOWS
        Most one-step conformal calibration refits per series (2 at least).
    n_jobs : int, default 1
    engine : ClusterEngine, optional
        Cluster to run statsforecast on; None runs it in this process.

    Returns
    -------
    polars.DataFrame
        ``unique_id, ds, forecast, lo_<l>, hi_<l>`` per level (demand units) and
        ``interval_method``; ``horizon`` rows per series, sorted.

    Raises
    ------
    DataValidationError
        The model produced a non-finite forecast (history too short for it).
    """
    lengths = history.group_by("unique_id").len()
    spare = pl.col("len").cast(pl.Int64) - MIN_TRAIN_PERIODS
    windows = pl.min_horizontal(pl.lit(conformal_windows), spare)
    plan = lengths.with_columns(windows=windows)
    native = not getattr(factory(), "only_conformal_intervals", False)
    run = partial(
        _run,
        history,
        freq=freq,
        horizon=horizon,
        levels=levels,
        n_jobs=n_jobs,
        engine=engine,
    )
    parts = []
    for n_cal in sorted(plan.filter(pl.col("windows") >= 2)["windows"].unique()):
        ids = plan.filter(pl.col("windows") == n_cal)["unique_id"]
        cal = ConformalIntervals(h=1, n_windows=n_cal)
        parts.append(run(ids, factory(), cal, "conformal"))
    short = plan.filter(pl.col("windows") < 2)["unique_id"]
    if short.len():
        parts.append(run(short, factory(), None, "native" if native else "empirical"))
    out = pl.concat(parts).sort("unique_id", "ds")
    bad = out.filter(~pl.col("forecast").is_finite())["unique_id"].unique().sort()
    if bad.len():
        raise DataValidationError(
            f"model {factory().alias} gave non-finite forecasts for {bad.len()} "
            f"series (history too short for it?), e.g. {bad.head(5).to_list()}"
        )
    return _clip_and_nest(_empirical_where_missing(out, history, levels), levels)


def _run(
    history: pl.DataFrame,
    ids: pl.Series,
    model: StatsModel,
    calibration: ConformalIntervals | None,
    method: str,
    *,
    freq: str,
    horizon: int,
    levels: Sequence[int],
    n_jobs: int,
    engine: ClusterEngine | None = None,
) -> pl.DataFrame:
    with_levels = method != "empirical"
    df = history.filter(pl.col("unique_id").is_in(ids.implode())).to_pandas()
    level = list(levels) if with_levels else None
    with library_warnings():
        if engine is not None:
            raw = engine.forecast(
                [model],
                df,
                freq=freq,
                horizon=horizon,
                level=level,
                prediction_intervals=calibration,
            )
        else:
            raw = StatsForecast(models=[model], freq=freq, n_jobs=n_jobs).forecast(
                h=horizon,
                df=df,
                level=level,
                prediction_intervals=calibration,
                id_col="unique_id",
                time_col="ds",
                target_col="y",
            )
    name = model.alias
    bounds = [
        (pl.col(f"{name}-{side}-{lv}") if with_levels else pl.lit(None, pl.Float64))
        .cast(pl.Float64)
        .alias(f"{side}_{lv}")
        for lv in levels
        for side in ("lo", "hi")
    ]
    return pl.from_pandas(raw).select(
        "unique_id",
        pl.col("ds").cast(history.schema["ds"]),
        pl.col(name).cast(pl.Float64).alias("forecast"),
        *bounds,
        interval_method=pl.lit(method),
    )


def _empirical_where_missing(
    out: pl.DataFrame, history: pl.DataFrame, levels: Sequence[int]
) -> pl.DataFrame:
    cols = [f"{side}_{lv}" for lv in levels for side in ("lo", "hi")]
    finite = pl.all_horizontal(pl.col(c).is_finite().fill_null(False) for c in cols)
    missing = out.group_by("unique_id").agg(missing=finite.not_().any())
    quantiles = history.group_by("unique_id").agg(
        pl.col("y").quantile((100 + sign * lv) / 200, "linear").alias(f"q_{side}_{lv}")
        for lv in levels
        for side, sign in (("lo", -1), ("hi", 1))
    )
    use = pl.col("missing")
    joined = out.join(missing, on="unique_id").join(quantiles, on="unique_id")
    return joined.with_columns(
        *(
            pl.when(use).then(pl.col(f"q_{c}")).otherwise(pl.col(c)).alias(c)
            for c in cols
        ),
        interval_method=pl.when(use)
        .then(pl.lit("empirical"))
        .otherwise(pl.col("interval_method")),
    ).select(out.columns)


def _clip_and_nest(out: pl.DataFrame, levels: Sequence[int]) -> pl.DataFrame:
    # Conformal and Gaussian bounds can go below zero; demand cannot. The running
    # min / max also repairs any crossing between levels or with the forecast.
    out = out.with_columns(pl.col("forecast").clip(lower_bound=0.0))
    inner_lo, inner_hi = pl.col("forecast"), pl.col("forecast")
    exprs = []
    for lv in sorted(levels):
        lo = pl.min_horizontal(pl.col(f"lo_{lv}"), inner_lo).clip(lower_bound=0.0)
        hi = pl.max_horizontal(pl.col(f"hi_{lv}"), inner_hi)
        exprs += [lo.alias(f"lo_{lv}"), hi.alias(f"hi_{lv}")]
        inner_lo, inner_hi = lo, hi
    return out.with_columns(exprs)
