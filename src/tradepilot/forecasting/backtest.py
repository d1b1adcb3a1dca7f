"""Held-out backtest of the per-series selection against single-model baselines.

Train on the periods before ``cutoff``, forecast the next ``horizon`` periods and
score them (:func:`tradepilot.forecasting.metrics.evaluate`). In the same run every
baseline of :func:`tradepilot.forecasting.models.baselines` is fitted on all the
series, with the same interval policy, so accuracy and coverage compare like for
like. SeasonalNaive has no forecast for a series shorter than one season; there it
uses Naive, counted in ``baseline_fallbacks``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

import polars as pl

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.classify import (
    Frame,
    life_cycle,
    since_first_sale,
    to_panel,
)
from tradepilot.forecasting.metrics import evaluate
from tradepilot.forecasting.models import (
    StatsModel,
    baselines,
    forecast_with_intervals,
)
from tradepilot.forecasting.selection import AutoForecaster


def backtest(
    panel: Frame,
    *,
    cutoff: dt.date | dt.datetime,
    horizon: int = 12,
    freq: str = "W-MON",
    season_length: int = 52,
    levels: Sequence[int] = (80, 95),
    min_nonzero: int = 8,
    n_jobs: int = 1,
    global_model: bool = False,
    level_model: bool = True,
    baseline_names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Backtest :class:`AutoForecaster` and the baselines at one forecast origin.

    Parameters
    ----------
    panel : polars.DataFrame or pandas.DataFrame
        Long frame ``unique_id, ds, y`` on a regular ``freq`` grid.
    cutoff : datetime.date or datetime.datetime
        First test period: training uses ``ds < cutoff``.
    horizon : int, default 12
        Test periods after the cutoff.
    freq : str, default "W-MON"
        Pandas offset alias of ``ds``.
    season_length : int, default 52
        Periods per season.
    levels : sequence of int, default (80, 95)
        Interval levels in percent.
    min_nonzero : int, default 8
        Series need this many periods with a sale before the cutoff.
    n_jobs : int, default 1
        Processes statsforecast uses.
    global_model : bool, default False
        Whether the selection's global LightGBM candidate competes (see
        :class:`AutoForecaster`).
    level_model : bool, default True
        Whether the selection's level model is on (see :class:`AutoForecaster`);
        it learns from every series before the cutoff, not only the scored ones.
    baseline_names : sequence of str, optional
        The baselines to fit (names of
        :func:`~tradepilot.forecasting.models.baselines`); None: all of them.
        AutoETS and AutoTheta take nearly all of a backtest's time (a seasonal
        model refitted for every conformal window of every series).

    Returns
    -------
    dict
        The selection's :func:`~tradepilot.forecasting.metrics.evaluate` keys,
        ``baselines`` (name to accuracy), ``best_baseline`` (lowest RMSSE),
        ``ratio_to_best_baseline`` (our RMSSE / its RMSSE), ``wape_ratio_to_ma8``,
        ``model_choices`` and ``class_counts`` (series per chosen model / demand
        class), ``seconds`` (selection fit and predict), ``baseline_seconds``
        and ``baseline_fallbacks``.

    Raises
    ------
    DataValidationError
        No series has ``min_nonzero`` sales before the cutoff and a test period,
        or an unknown baseline name.
    """
    names = _baseline_names(baseline_names, season_length)
    data = to_panel(panel, freq=freq)
    train, test = split(data, cutoff, horizon, min_nonzero)
    before = data.filter(pl.col("ds") < pl.lit(cutoff).cast(data.schema["ds"]))
    started = time.perf_counter()
    dead_after, new_within = life_cycle(freq)
    auto = AutoForecaster(
        freq=freq,
        season_length=season_length,
        horizon=horizon,
        levels=levels,
        n_jobs=n_jobs,
        global_model=global_model,
        level_model=level_model,
        dead_after=dead_after,
        new_within=new_within,
    ).fit(train, level_panel=before)
    forecasts = auto.predict()
    seconds = time.perf_counter() - started
    ours = evaluate(forecasts, test, train, levels)
    history = since_first_sale(train)
    scores: dict[str, dict[str, Any]] = {}
    timings: dict[str, float] = {}
    fallbacks: dict[str, int] = {}
    for name in names:
        started = time.perf_counter()
        predicted, fallbacks[name] = _baseline_forecasts(
            history, name, freq, horizon, season_length, levels, n_jobs
        )
        scores[name] = evaluate(predicted, test, train, levels)
        timings[name] = time.perf_counter() - started
    best = _best(scores)
    return {
        **ours,
        "baselines": scores,
        "best_baseline": best,
        "ratio_to_best_baseline": _ratio(ours["rmsse"], scores[best]["rmsse"])
        if best
        else None,
        "wape_ratio_to_ma8": _ratio(
            ours["wape"], scores.get("MovingAverage8", {}).get("wape")
        ),
        "model_choices": _counts(auto.choices_, "model"),
        "class_counts": _counts(auto.choices_, "demand_class"),
        "seconds": seconds,
        "baseline_seconds": timings,
        "baseline_fallbacks": fallbacks,
    }


def _baseline_names(names: Sequence[str] | None, season_length: int) -> list[str]:
    known = list(baselines(season_length))
    if names is None:
        return known
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise DataValidationError(
            f"unknown baseline(s) {unknown}; choose one or more of {known}"
        )
    return [n for n in known if n in names]


def split(
    data: pl.DataFrame, cutoff: dt.date | dt.datetime, horizon: int, min_nonzero: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Training periods before ``cutoff`` and the next ``horizon`` test periods, of
    the series with ``min_nonzero`` periods with a sale before it and a test period.
    """
    origin = pl.lit(cutoff).cast(data.schema["ds"])
    train = data.filter(pl.col("ds") < origin)
    test = data.filter(pl.col("ds") >= origin).group_by("unique_id").head(horizon)
    sold = train.group_by("unique_id").agg(nonzero=(pl.col("y") > 0).sum())
    keep = sold.filter(pl.col("nonzero") >= min_nonzero).join(
        test.select("unique_id").unique(), on="unique_id"
    )
    if keep.is_empty():
        raise DataValidationError(
            f"no series has >= {min_nonzero} periods with a sale before {cutoff} "
            f"and a period on or after it; panel has {data['unique_id'].n_unique()} "
            "series"
        )
    ids = keep.select("unique_id")
    return (
        train.join(ids, on="unique_id").sort("unique_id", "ds"),
        test.join(ids, on="unique_id").sort("unique_id", "ds"),
    )


def _baseline_forecasts(
    history: pl.DataFrame,
    name: str,
    freq: str,
    horizon: int,
    season_length: int,
    levels: Sequence[int],
    n_jobs: int,
) -> tuple[pl.DataFrame, int]:
    plan = [(name, history)]
    fallback = 0
    if name == "SeasonalNaive":
        lengths = history.group_by("unique_id").len()
        short = lengths.filter(pl.col("len") < season_length).select("unique_id")
        fallback = short.height
        plan = [
            (name, history.join(short, on="unique_id", how="anti")),
            ("Naive", history.join(short, on="unique_id")),
        ]
    parts = [
        forecast_with_intervals(
            part,
            partial(_baseline, season_length, model),
            freq=freq,
            horizon=horizon,
            levels=sorted(levels),
            n_jobs=n_jobs,
        )
        for model, part in plan
        if not part.is_empty()
    ]
    return pl.concat(parts).sort("unique_id", "ds"), fallback


def _baseline(season_length: int, name: str) -> StatsModel:
    return baselines(season_length)[name]


def _best(scores: dict[str, dict[str, Any]]) -> str | None:
    ranked = [
        (s["rmsse"], name) for name, s in scores.items() if s["rmsse"] is not None
    ]
    return min(ranked)[1] if ranked else None


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    return ours / theirs if ours is not None and theirs else None


def _counts(choices: pl.DataFrame, column: str) -> dict[str, int]:
    counts = (
        choices.group_by(column).len().sort(["len", column], descending=[True, False])
    )
    return dict(counts.iter_rows())
