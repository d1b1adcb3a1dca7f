"""Global LightGBM candidate: CV windows, scoring, choice, intervals, switch-off."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from tests.forecasting.test_selection import weekly

from tradepilot.forecasting.classify import since_first_sale
from tradepilot.forecasting.global_model import (
    GLOBAL_MODEL,
    MIN_GLOBAL_PERIODS,
    cross_validate_global,
    forecast_global,
    forecaster,
)
from tradepilot.forecasting.models import baselines, forecast_with_intervals
from tradepilot.forecasting.selection import AutoForecaster, cross_validate

SEASON = 52  # longer than the panel: no statistical candidate sees the 4-week cycle
HORIZON = 4
WEEKS = 48
SHAPE = np.array([3.0, 1.0, 0.5, 1.5])  # a 4-week cycle every series shares
CYCLE = pl.col("unique_id").str.contains(r"^s\d+$")  # the series sharing it


def cycle_panel(n_series: int = 40, seed: int = 3) -> pl.DataFrame:
    """Series of different levels sharing one 4-week cycle, plus misfits.

    ``short`` is eligible for CV but shorter than MIN_GLOBAL_PERIODS; ``new`` and
    ``dead`` are never candidates for the global model.
    """
    rng = np.random.default_rng(seed)
    cycle = np.resize(SHAPE, WEEKS)
    series = {
        f"s{i:02d}": np.round(
            rng.uniform(5, 50) * cycle * rng.lognormal(0, 0.05, WEEKS)
        )
        for i in range(n_series)
    }
    short = MIN_GLOBAL_PERIODS - 2
    series["short"] = np.r_[np.zeros(WEEKS - short), 10 * np.resize(SHAPE, short)]
    series["new"] = np.r_[np.zeros(WEEKS - 3), [4.0, 6.0, 5.0]]
    series["dead"] = np.r_[rng.poisson(5, WEEKS - 20) + 1.0, np.zeros(20)]
    return weekly(series)


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return cycle_panel()


@pytest.fixture(scope="module")
def fitted(panel: pl.DataFrame) -> AutoForecaster:
    model = AutoForecaster(  # the level model would take these short series over
        season_length=SEASON,
        horizon=HORIZON,
        n_windows=2,
        global_model=True,
        level_model=False,
    )
    return model.fit(panel)


def test_cv_windows_match_the_statistical_cv(panel: pl.DataFrame) -> None:
    history = since_first_sale(panel.filter(CYCLE))
    windows = {"horizon": HORIZON, "n_windows": 3, "step_size": 2}
    ours = cross_validate_global(history, freq="W-MON", season_length=SEASON, **windows)
    theirs = cross_validate(
        history, [baselines(SEASON)["Naive"]], freq="W-MON", **windows
    )
    assert ours.columns == ["unique_id", "ds", "cutoff", "y", GLOBAL_MODEL]
    assert ours.height == 40 * 3 * HORIZON
    keys = ["unique_id", "ds", "cutoff", "y"]
    assert ours.select(keys).sort(keys).equals(theirs.select(keys).sort(keys))
    assert ours[GLOBAL_MODEL].is_finite().all()


def test_shared_cycle_makes_the_global_model_win(fitted: AutoForecaster) -> None:
    chosen = fitted.choices_.filter(CYCLE)
    share = (chosen["model"] == GLOBAL_MODEL).mean()
    assert share is not None
    assert share >= 0.8


def test_scored_on_each_series_own_windows(fitted: AutoForecaster) -> None:
    scores = fitted.scores_
    ours = scores.filter(pl.col("model") == GLOBAL_MODEL)
    assert ours["unique_id"].n_unique() == 40  # not short, new or dead
    naive = scores.filter(pl.col("model") == "Naive")
    joined = ours.join(naive, on="unique_id", suffix="_naive")
    assert joined.height == ours.height
    assert (joined["n_windows"] == joined["n_windows_naive"]).all()
    assert ours["cv_rmsse"].is_finite().all()


def test_winners_forecast_the_cycle_with_nested_intervals(
    fitted: AutoForecaster, panel: pl.DataFrame
) -> None:
    fc = fitted.predict().filter(pl.col("model") == GLOBAL_MODEL)
    assert fc.height == HORIZON * fitted.choices_["model"].eq(GLOBAL_MODEL).sum()
    chain = ["lo_95", "lo_80", "forecast", "hi_80", "hi_95"]
    for inner, outer in zip(chain[1:], chain[:-1], strict=True):
        assert (fc[outer] <= fc[inner]).all()
    assert (fc["lo_95"] >= 0).all()
    # Weeks 48-51 continue the cycle at position 0, 1, 2, 3: peak first.
    peak = fc.group_by("unique_id").agg(pl.col("forecast").arg_max())
    assert (peak["forecast"] == 0).mean() >= 0.9  # type: ignore[operator]
    methods = fitted.choices_.filter(pl.col("model") == GLOBAL_MODEL)
    assert (methods["interval_method"] == "conformal").all()


def test_forecast_global_has_the_statistical_output_format(
    panel: pl.DataFrame,
) -> None:
    history = since_first_sale(panel.filter(CYCLE, pl.col("unique_id") < "s05"))
    ours = forecast_global(
        history, freq="W-MON", season_length=SEASON, horizon=HORIZON, levels=[80, 95]
    )
    theirs = forecast_with_intervals(
        history,
        lambda: baselines(SEASON)["Naive"],
        freq="W-MON",
        horizon=HORIZON,
        levels=[80, 95],
    )
    assert ours.schema == theirs.schema
    assert ours.select("unique_id", "ds").equals(theirs.select("unique_id", "ds"))


def test_off_by_default_and_then_leaves_no_trace() -> None:
    model = AutoForecaster(season_length=SEASON, horizon=HORIZON, n_windows=2)
    assert model.global_model is False
    model.fit(cycle_panel(n_series=5))
    assert GLOBAL_MODEL not in model.scores_["model"].to_list()
    assert GLOBAL_MODEL not in model.choices_["model"].to_list()
    assert GLOBAL_MODEL not in model.predict()["model"].to_list()


def test_two_seasons_add_the_seasonal_lag_and_calendar(panel: pl.DataFrame) -> None:
    history = since_first_sale(panel.filter(CYCLE, pl.col("unique_id") < "s10"))
    short_season = forecaster(history, freq="W-MON", season_length=8)
    assert short_season.ts.lags == [1, 2, 3, 4, 8]
    assert len(short_season.ts.date_features) == 2
    long_season = forecaster(history, freq="W-MON", season_length=SEASON)
    assert long_season.ts.lags == [1, 2, 3, 4]
    assert not long_season.ts.date_features
    cv = cross_validate_global(
        history,
        freq="W-MON",
        season_length=8,
        horizon=HORIZON,
        n_windows=2,
        step_size=HORIZON,
    )
    assert cv[GLOBAL_MODEL].is_finite().all()
