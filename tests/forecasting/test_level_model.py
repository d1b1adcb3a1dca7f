"""Global level model: matrix, features, level forecasts, intervals, choice text."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from tests.forecasting.test_selection import weekly

from tradepilot.forecasting.choice import explain_choice
from tradepilot.forecasting.classify import since_first_sale
from tradepilot.forecasting.level_model import (
    LEVEL_MODEL,
    MIN_FORECAST_SALES,
    apply_levels,
    features,
    level_forecasts,
    to_matrix,
)
from tradepilot.forecasting.selection import AutoForecaster

WEEKS = 40
HORIZON = 6


def poisson_panel(n_series: int = 80, seed: int = 5) -> pl.DataFrame:
    """Stationary Poisson series of different rates, some with a one-off spike,
    plus a series with too few sales to get a level."""
    rng = np.random.default_rng(seed)
    series = {}
    for i in range(n_series):
        y = rng.poisson(rng.uniform(1, 30), WEEKS).astype(float)
        if i % 4 == 0:
            y[rng.integers(6, WEEKS)] += 40 * y.mean() + 50  # a one-off bulk order
        series[f"s{i:02d}"] = y
    series["rare"] = np.r_[np.zeros(WEEKS - 5), [3.0, 0, 0, 2.0, 0]]
    return weekly(series)


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return poisson_panel()


@pytest.fixture(scope="module")
def levels(panel: pl.DataFrame) -> pl.DataFrame:
    return level_forecasts(since_first_sale(panel), horizon=HORIZON)


def test_matrix_has_nan_before_a_series_starts() -> None:
    panel = weekly({"a": np.array([1.0, 2, 3]), "b": np.array([5.0])})
    late = panel.filter(pl.col("unique_id") == "b").with_columns(
        pl.col("ds").dt.offset_by("2w")
    )
    ids, values = to_matrix(pl.concat([panel.filter(pl.col("unique_id") == "a"), late]))
    assert ids.to_list() == ["a", "b"]
    np.testing.assert_array_equal(values[0], [1.0, 2.0, 3.0])
    assert np.isnan(values[1, :2]).all()
    assert values[1, 2] == 5.0


def test_features_are_scaled_by_the_naive_error() -> None:
    values = np.array([[np.nan, 2.0, 4.0, 2.0, 4.0]])
    feats, scale = features(values, 5)
    assert scale[0] == pytest.approx(2.0)  # every one-step change is 2
    assert feats["mean_2"][0] == pytest.approx(1.5)  # mean 3 / scale 2
    assert feats["age"][0] == 4.0
    assert feats["since_last_sale"][0] == 0.0


def test_level_is_near_the_typical_rate_and_ignores_spikes(
    panel: pl.DataFrame, levels: pl.DataFrame
) -> None:
    assert "rare" not in levels["unique_id"].to_list()  # fewer sales than needed
    assert levels.height == 80
    typical = panel.group_by("unique_id").agg(
        rate=pl.col("y").median(),
        recent=pl.col("y").tail(8).mean(),
        spike=(pl.col("y").tail(8) > 20 * pl.col("y").median() + 20).any(),
    )
    got = levels.join(typical, on="unique_id")
    ratio = got["level"] / got["rate"]
    # Near each series' typical week; a recent bulk order lifts it far less than
    # it lifts the mean of the last 8 weeks.
    assert 0.8 < float(ratio.median()) < 1.2  # type: ignore[arg-type]
    assert float(ratio.min()) > 0.5  # type: ignore[arg-type]
    spiked = got.filter(pl.col("spike"))
    assert spiked.height >= 3
    assert (spiked["level"] < 0.5 * spiked["recent"]).all()


def test_too_little_history_gives_no_levels() -> None:
    tiny = weekly({"a": np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10])})
    assert level_forecasts(tiny, horizon=HORIZON).is_empty()


def test_apply_levels_keeps_intervals_nested() -> None:
    forecasts = pl.DataFrame(
        {
            "unique_id": ["a", "b"],
            "forecast": [5.0, 5.0],
            "lo_80": [3.0, 3.0],
            "hi_80": [7.0, 7.0],
            "lo_95": [2.0, 2.0],
            "hi_95": [8.0, 8.0],
            "model": ["ADIDA", "ADIDA"],
        }
    )
    levels = pl.DataFrame({"unique_id": ["a"], "level": [1.0]})
    out = apply_levels(forecasts, levels, [80, 95])
    assert out.columns == forecasts.columns
    assert out.row(0) == ("a", 1.0, 1.0, 7.0, 1.0, 8.0, LEVEL_MODEL)
    assert out.row(1) == forecasts.row(1)


def test_selection_uses_the_level_model_unless_switched_off() -> None:
    panel = poisson_panel(n_series=24, seed=9)
    levels = level_forecasts(since_first_sale(panel), horizon=HORIZON)
    on = AutoForecaster(season_length=52, horizon=HORIZON, n_windows=1).fit(panel)
    chosen = on.choices_.filter(pl.col("model") == LEVEL_MODEL)["unique_id"]
    assert chosen.sort().to_list() == levels["unique_id"].sort().to_list()
    got = on.predict().filter(pl.col("unique_id") == "s01")
    level = levels.filter(pl.col("unique_id") == "s01")["level"][0]
    assert got["forecast"].to_list() == pytest.approx([level] * HORIZON)
    assert (got["lo_80"] <= got["forecast"]).all()
    assert (got["forecast"] <= got["hi_80"]).all()
    off = AutoForecaster(
        season_length=52, horizon=HORIZON, n_windows=1, level_model=False
    ).fit(panel)
    assert LEVEL_MODEL not in off.choices_["model"].to_list()
    listed = on.scores_.filter(pl.col("model") == LEVEL_MODEL)["unique_id"]
    assert listed.sort().to_list() == chosen.sort().to_list()


def test_no_flat_level_where_a_season_and_a_horizon_of_history_exist() -> None:
    panel = poisson_panel(n_series=24, seed=9)  # 40 weeks >= 30 + 6
    model = AutoForecaster(season_length=30, horizon=HORIZON, n_windows=1)
    assert LEVEL_MODEL not in model.fit(panel).choices_["model"].to_list()


def test_explanation_names_the_level_model_and_the_interval_model() -> None:
    rows = [
        {"model": "ADIDA", "cv_rmsse": 0.9, "cv_mae": 2.0},
        {"model": "Ensemble", "cv_rmsse": 1.0, "cv_mae": 2.1},
        {"model": LEVEL_MODEL, "cv_rmsse": None, "cv_mae": None},
    ]
    got = explain_choice(
        rows, model=LEVEL_MODEL, demand_class="intermittent", n_windows=2
    )
    assert got.text.startswith(f"{LEVEL_MODEL}: one LightGBM")
    assert "Ensemble chosen" in got.text
    assert [(r["model"], r["chosen"]) for r in got.candidates] == [
        (LEVEL_MODEL, True),
        ("ADIDA", False),
        ("Ensemble", False),
    ]
    assert MIN_FORECAST_SALES == 8
